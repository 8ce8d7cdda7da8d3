package io.taskpulse.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Measures one window of live delivery: changes at a rate for some seconds, then a drain, and
 * what every subscriber received of them, with the server's and the generator's CPU.
 */
final class LiveWindow {

  private LiveWindow() {}

  /** Changes that count for nothing (JIT warm-up, connections settling). */
  static void warmUp(Fleet fleet, Writers writers, double rate, int seconds) throws Exception {
    if (seconds <= 0) {
      return;
    }
    Window w = new Window(fleet.loops.size());
    fleet.window = w;
    writers.drive(w.tag, rate, seconds);
    Thread.sleep(500);
  }

  static Map<String, Object> measure(Fleet fleet, Writers writers, ProcStats.Tree server,
      double rate, int seconds, int drainSeconds) throws Exception {
    Window w = new Window(fleet.loops.size());
    int live = fleet.live();
    long disconnects = fleet.disconnects.sum();
    ProcStats.Tree self = ProcStats.self();
    double serverCpu = server == null ? 0 : server.cpuSeconds();
    double selfCpu = self.cpuSeconds();
    double serverSys = server == null ? 0 : server.systemSeconds();
    long serverWrites = server == null ? -1 : server.writeCalls();
    double selfSys = self.systemSeconds();
    long[] machine = ProcStats.machine();
    long t0 = System.nanoTime();
    Map<String, Object> row = new LinkedHashMap<>();
    try (ProcStats.RssSampler rss = new ProcStats.RssSampler(server)) {
      fleet.window = w;
      Writers.Sent sent = writers.drive(w.tag, rate, seconds);
      long expected = (long) sent.acked().cardinality() * live;
      long drainEnd = System.nanoTime() + drainSeconds * 1_000_000_000L;
      while (w.received.sum() < expected && System.nanoTime() < drainEnd) {
        Thread.sleep(20);
      }
      double elapsed = (System.nanoTime() - t0) / 1e9;
      double serverUsed = server == null ? Double.NaN : server.cpuSeconds() - serverCpu;
      double selfUsed = self.cpuSeconds() - selfCpu;
      double serverSysUsed = server == null ? Double.NaN : server.systemSeconds() - serverSys;
      long writes = server == null || serverWrites < 0 ? -1 : server.writeCalls() - serverWrites;
      double selfSysUsed = self.systemSeconds() - selfSys;
      long[] machineNow = ProcStats.machine();
      Fleet.Collected got = fleet.collect(w, sent.acked());
      Histogram h = w.latency();
      double window = sent.planned() / rate;
      row.put("rate/s", rate);
      row.put("subs", live);
      row.put("acked", sent.acked().cardinality());
      row.put("failed", sent.failed());
      row.put("expected", expected);
      row.put("received", got.received());
      row.put("missing", got.missing());
      row.put("dups", got.duplicates());
      row.put("dropped", fleet.disconnects.sum() - disconnects);
      row.put("deliv/s", got.received() / window);
      row.put("p50 ms", Report.ms(h, 50));
      row.put("p90 ms", Report.ms(h, 90));
      row.put("p99 ms", Report.ms(h, 99));
      row.put("p99.9 ms", Report.ms(h, 99.9));
      row.put("max ms", h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1000.0);
      row.put("ack p50", Report.ms(sent.ackMicros(), 50));
      row.put("ack p99", Report.ms(sent.ackMicros(), 99));
      row.put("srv cpu s", serverUsed);
      row.put("srv µs/deliv", got.received() == 0 ? Double.NaN
          : serverUsed * 1e6 / got.received());
      row.put("srv sys %", 100 * serverSysUsed / serverUsed);
      row.put("deliv/write", writes <= 0 ? Double.NaN : (double) got.received() / writes);
      row.put("srv MiB", Report.mib(rss.peakBytes()));
      row.put("gen cpu %", selfUsed / elapsed * 100);
      row.put("gen sys %", 100 * selfSysUsed / selfUsed);
      row.put("box busy %", machineNow[1] == machine[1] ? Double.NaN
          : 100.0 * (machineNow[0] - machine[0]) / (machineNow[1] - machine[1]));
    }
    return row;
  }

  /** A window passes when nothing was lost, doubled, refused or dropped. */
  static boolean complete(Map<String, Object> row) {
    return ((Number) row.get("missing")).longValue() == 0
        && ((Number) row.get("dups")).longValue() == 0
        && ((Number) row.get("failed")).longValue() == 0
        && ((Number) row.get("dropped")).longValue() == 0
        && ((Number) row.get("expected")).longValue() > 0;
  }
}
