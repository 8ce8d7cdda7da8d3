package io.taskpulse.server.bus;

import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.metrics.Metrics;
import java.util.List;
import java.util.function.Consumer;

/** Counts the events this node commits on their way to the bus. */
public final class CountingBus implements Bus {

  private final Bus bus;
  private final Metrics metrics;

  public CountingBus(Bus bus, Metrics metrics) {
    this.bus = bus;
    this.metrics = metrics;
  }

  @Override
  public void publish(List<LogEvent> events) {
    metrics.appended(events.size());
    bus.publish(events);
  }

  @Override
  public void onEvents(Consumer<List<LogEvent>> receiver) {
    bus.onEvents(receiver);
  }

  @Override
  public void announce(Notice notice, String body) {
    bus.announce(notice, body);
  }

  @Override
  public void onNotice(Notice notice, Consumer<String> handler) {
    bus.onNotice(notice, handler);
  }

  @Override
  public boolean isHealthy() {
    return bus.isHealthy();
  }

  @Override
  public void close() {
    bus.close();
  }
}
