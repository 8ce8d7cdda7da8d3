package io.taskpulse.server.client;

import io.taskpulse.client.ConnectionState;
import io.taskpulse.client.Event;
import io.taskpulse.client.Snapshot;
import io.taskpulse.client.SubscriptionListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/** A listener that keeps everything it is told, and lets a test wait for a condition on it. */
class Recorder implements SubscriptionListener {

  private final List<Event> events = new ArrayList<>();
  private final List<Snapshot> snapshots = new ArrayList<>();
  private final List<ConnectionState> states = new ArrayList<>();
  private final List<Throwable> causes = new ArrayList<>();
  private final Set<Thread> threads = new HashSet<>();
  private long lastOffset = -1;

  @Override
  public synchronized void onSnapshot(Snapshot snapshot) {
    threads.add(Thread.currentThread());
    snapshots.add(snapshot);
    lastOffset = snapshot.offset();
    notifyAll();
  }

  @Override
  public synchronized void onEvent(Event event) {
    threads.add(Thread.currentThread());
    events.add(event);
    lastOffset = event.offset();
    notifyAll();
  }

  @Override
  public synchronized void onStateChange(ConnectionState state, Throwable cause) {
    threads.add(Thread.currentThread());
    states.add(state);
    causes.add(cause);
    notifyAll();
  }

  synchronized List<Long> offsets() {
    return events.stream().map(Event::offset).toList();
  }

  synchronized List<Event> events() {
    return List.copyOf(events);
  }

  synchronized List<Snapshot> snapshots() {
    return List.copyOf(snapshots);
  }

  synchronized List<ConnectionState> states() {
    return List.copyOf(states);
  }

  /** The cause given with the last report of {@code state}. */
  synchronized Throwable cause(ConnectionState state) {
    for (int i = states.size() - 1; i >= 0; i--) {
      if (states.get(i) == state) {
        return causes.get(i);
      }
    }
    return null;
  }

  synchronized long count(ConnectionState state) {
    return states.stream().filter(s -> s == state).count();
  }

  synchronized Set<Thread> threads() {
    return Set.copyOf(threads);
  }

  synchronized long lastOffset() {
    return lastOffset;
  }

  Snapshot awaitSnapshot() {
    await("a snapshot", () -> !snapshots.isEmpty(), Duration.ofSeconds(10));
    return snapshots().get(0);
  }

  void awaitOffset(long offset) {
    await("offset " + offset, () -> lastOffset >= offset, Duration.ofSeconds(15));
  }

  void awaitCount(ConnectionState state, long n) {
    await(n + " x " + state, () -> states.stream().filter(s -> s == state).count() >= n,
        Duration.ofSeconds(15));
  }

  /** Waits for {@code condition}, evaluated under this recorder's lock. */
  synchronized void await(String what, BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new AssertionError("waited " + timeout.toMillis() + " ms for " + what
            + "; states " + states + ", causes " + causes + ", last offset " + lastOffset
            + ", " + events.size() + " events, " + snapshots.size() + " snapshots");
      }
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what);
      }
    }
  }
}
