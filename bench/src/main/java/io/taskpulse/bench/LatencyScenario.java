package io.taskpulse.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code latency}: S subscribers on {@code tasks}, R changes per second from W writer
 * connections for D seconds (open loop), in several runs on the same connections. Latency is
 * from the change's HTTP request being sent to its event being read, on one clock.
 */
final class LatencyScenario {

  private final Target target;
  private final Bench o;

  LatencyScenario(Target target, Bench o) {
    this.target = target;
    this.o = o;
  }

  int run() throws Exception {
    int subs = o.subscribers(1_000);
    double rate = o.rate(200);
    Report report = new Report("latency", target);
    report.setup("subscribers", subs);
    report.setup("changesPerSecond", rate);
    report.setup("writers", o.writers);
    report.setup("secondsPerRun", o.duration);
    List<Map<String, Object>> rows = new ArrayList<>();
    try (Fleet fleet = new Fleet(target, o, subs);
        Rest rest = new Rest(fleet.vertx, target, Writers.user(0));
        Writers writers = new Writers(target, o.writers, rest.createTasks(o.tasks, "bench"),
            rate)) {
      long head = rest.offset();
      long t0 = System.nanoTime();
      long failed = fleet.open(subs, head, 600);
      report.summary("connect seconds", Report.fmt((System.nanoTime() - t0) / 1e9));
      report.summary("connections failed", failed);
      LiveWindow.warmUp(fleet, writers, rate, o.warmup);
      for (int run = 1; run <= o.runs; run++) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("run", run);
        row.putAll(LiveWindow.measure(fleet, writers, target.server(), rate, o.duration, o.drain));
        rows.add(row);
        report.row(row);
      }
    }
    report.summary("runs complete (nothing lost)",
        rows.stream().filter(LiveWindow::complete).count() + "/" + rows.size());
    for (String c : List.of("p50 ms", "p99 ms", "p99.9 ms", "deliv/s", "srv µs/deliv",
        "gen cpu %")) {
      report.summary("median " + c + " (min..max)", Report.spread(rows, c));
    }
    report.print();
    return 0;
  }
}
