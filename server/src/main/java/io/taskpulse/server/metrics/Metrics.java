package io.taskpulse.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The node's gauges and counters, scraped at {@code /metrics} in Prometheus' text format.
 * Hot paths touch only pre-built meters; nothing here allocates per delivery.
 */
public final class Metrics {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter appended;
  private final Timer dispatchLatency;
  private final Timer writeLatency;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  public Metrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    appended = Counter.builder("taskpulse.events.appended")
        .description("Events this node committed to the log").register(registry);
    dispatchLatency = Timer.builder("taskpulse.event.dispatch.latency")
        .description("From a change's transaction to its release, in order, to this node's subscribers")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    writeLatency = Timer.builder("taskpulse.event.write.latency")
        .description("From a change's transaction to its frame being written to this node's"
            + " live readers, per event loop that has readers for it")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public void appended(int events) {
    appended.increment(events);
  }

  public void dispatched(long changeAtMillis) {
    dispatchLatency.record(Math.max(0, System.currentTimeMillis() - changeAtMillis),
        TimeUnit.MILLISECONDS);
  }

  /** An event was written to the live readers of one event loop (once per loop, not reader). */
  public void written(long changeAtMillis) {
    writeLatency.record(Math.max(0, System.currentTimeMillis() - changeAtMillis),
        TimeUnit.MILLISECONDS);
  }

  public String scrape() {
    return registry.scrape();
  }

  public void close() {
    gc.close();
    registry.close();
  }
}
