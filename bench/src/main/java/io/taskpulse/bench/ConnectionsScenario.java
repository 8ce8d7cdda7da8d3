package io.taskpulse.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code connections}: opens authenticated, subscribed, idle WebSocket subscribers up to a
 * target in steps, and reports the time to connect them and the server's memory per
 * connection: resident memory and heap used after a full GC (jcmd GC.run, then the JVM
 * gauges of /metrics), against the same before the first. At the end one change must reach
 * every one of them.
 */
final class ConnectionsScenario {

  private final Target target;
  private final Bench o;

  ConnectionsScenario(Target target, Bench o) {
    this.target = target;
    this.o = o;
  }

  int run() throws Exception {
    int wanted = o.subscribers(50_000);
    int n = wanted;
    String cap = null;
    long mine = ProcStats.selfMaxOpenFiles();
    long theirs = target.server() == null ? -1 : target.server().maxOpenFiles();
    // Each connection is a file descriptor on both sides; keep a few hundred for the rest.
    if (mine > 0 && mine - 400 < n) {
      n = (int) (mine - 400);
      cap = "the generator's RLIMIT_NOFILE " + mine;
    }
    if (theirs > 0 && theirs - 400 < n) {
      n = (int) (theirs - 400);
      cap = "the server's RLIMIT_NOFILE " + theirs;
    }
    Report report = new Report("connections", target);
    report.setup("wanted", wanted);
    report.setup("opened", n);
    report.setup("cappedBy", cap == null ? "nothing" : cap);
    if (cap != null) {
      System.err.printf("bench: opening %d, not %d: capped by %s (ulimit -n)%n", n, wanted, cap);
    }
    int steps = Math.max(1, Math.min(10, n / 1_000));
    try (Fleet fleet = new Fleet(target, o, n);
        Rest rest = new Rest(fleet.vertx, target, Writers.user(0));
        Writers writers = new Writers(target, 1, rest.createTasks(1, "bench"), 1)) {
      long head = rest.offset();
      Memory before = memory(rest);
      report.summary("server before: RSS MiB / heap MiB", Report.fmt(Report.mib(before.rss))
          + " / " + Report.fmt(Report.mib(before.heap)));
      long t0 = System.nanoTime();
      int opened = 0;
      long failed = 0;
      for (int step = 1; step <= steps; step++) {
        int upTo = (int) ((long) n * step / steps);
        long s0 = System.nanoTime();
        failed += fleet.open(upTo - opened, head, 1_800);
        double seconds = (System.nanoTime() - s0) / 1e9;
        opened = upTo;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("connections", opened);
        row.put("live", fleet.live());
        row.put("step s", seconds);
        row.put("per s", (upTo - (long) n * (step - 1) / steps) / seconds);
        row.put("srv RSS MiB", target.server() == null ? Double.NaN
            : Report.mib(target.server().rssBytes()));
        report.row(row);
      }
      double connectSeconds = (System.nanoTime() - t0) / 1e9;
      Thread.sleep(2_000);
      Memory after = memory(rest);
      int live = fleet.live();

      // Held means served: one change must reach every subscriber.
      Window w = new Window(fleet.loops.size());
      fleet.window = w;
      Writers.Sent sent = writers.drive(w.tag, 1, 1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long t1 = System.nanoTime();
      while (w.received.sum() < (long) live * sent.acked().cardinality()
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      double reachSeconds = (System.nanoTime() - t1) / 1e9;
      Fleet.Collected got = fleet.collect(w, sent.acked());

      report.summary("connections held (subscribed)", live + " of " + wanted + " wanted"
          + (cap == null ? "" : " (capped by " + cap + ")"));
      report.summary("connections failed", failed);
      report.summary("time to connect s", Report.fmt(connectSeconds));
      report.summary("connections per s", Report.fmt(n / connectSeconds));
      report.summary("server after: RSS MiB / heap MiB", Report.fmt(Report.mib(after.rss))
          + " / " + Report.fmt(Report.mib(after.heap)));
      report.summary("RSS KiB per connection", Report.fmt((after.rss - before.rss) / 1024.0
          / live));
      report.summary("heap KiB per connection (after GC)",
          Report.fmt((after.heap - before.heap) / 1024.0 / live));
      report.summary("one change reached", got.received() + " of " + live + " in "
          + Report.fmt(reachSeconds) + " s (missing " + got.missing() + ")");
    }
    report.print();
    return 0;
  }

  private record Memory(long rss, long heap) {}

  /** The server's resident memory and heap used, after a full GC when it runs here. */
  private Memory memory(Rest rest) throws Exception {
    if (target.pid != null) {
      Process gc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd")
          .toString(), Long.toString(target.pid), "GC.run").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      gc.waitFor(60, TimeUnit.SECONDS);
      Thread.sleep(1_000);
    }
    long rss = target.server() == null ? 0 : target.server().rssBytes();
    double heap = rest.metric("jvm_memory_used_bytes", "area=\"heap\"");
    return new Memory(rss, (long) heap);
  }
}
