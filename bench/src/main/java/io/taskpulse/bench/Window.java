package io.taskpulse.bench;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * One measured stretch of load. Every change sent in it carries the window's {@code tag} and a
 * sequence number, so each subscriber can tell what it got of this window, and nothing of an
 * earlier one counts. Each generator event loop records latencies into its own histogram.
 */
final class Window {

  private static int nextTag = 1;

  final int tag;
  final Histogram[] latencyMicros;
  /** First deliveries of this window's changes, across all subscribers. */
  final LongAdder received = new LongAdder();
  final LongAdder duplicates = new LongAdder();

  Window(int loops) {
    synchronized (Window.class) {
      tag = nextTag++;
    }
    latencyMicros = new Histogram[loops];
    for (int i = 0; i < loops; i++) {
      latencyMicros[i] = new Histogram(3_600_000_000L, 3);
    }
  }

  /** The loops' histograms merged; call once the loops stopped recording (after collect). */
  Histogram latency() {
    Histogram all = new Histogram(3_600_000_000L, 3);
    for (Histogram h : latencyMicros) {
      all.add(h);
    }
    return all;
  }
}
