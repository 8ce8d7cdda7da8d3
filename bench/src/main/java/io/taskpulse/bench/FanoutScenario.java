package io.taskpulse.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code fanout}: many subscribers (10,000), the change rate raised step by step until p99
 * passes {@code --max-p99-ms} or anything is lost; the result is the highest step that
 * passed, in deliveries per second.
 */
final class FanoutScenario {

  private final Target target;
  private final Bench o;

  FanoutScenario(Target target, Bench o) {
    this.target = target;
    this.o = o;
  }

  int run() throws Exception {
    int subs = o.subscribers(10_000);
    List<Double> rates = o.rates != null ? o.rates
        : List.of(5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 80.0, 100.0);
    Report report = new Report("fanout", target);
    report.setup("subscribers", subs);
    report.setup("rates", rates);
    report.setup("secondsPerStep", o.duration);
    report.setup("maxP99Ms", o.maxP99Ms);
    Map<String, Object> best = null;
    try (Fleet fleet = new Fleet(target, o, subs);
        Rest rest = new Rest(fleet.vertx, target, Writers.user(0));
        Writers writers = new Writers(target, o.writers, rest.createTasks(o.tasks, "bench"),
            rates.get(rates.size() - 1))) {
      long head = rest.offset();
      long t0 = System.nanoTime();
      long failed = fleet.open(subs, head, 900);
      report.summary("connect seconds", Report.fmt((System.nanoTime() - t0) / 1e9));
      report.summary("connections failed", failed);
      LiveWindow.warmUp(fleet, writers, rates.get(0), o.warmup);
      for (double rate : rates) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.putAll(LiveWindow.measure(fleet, writers, target.server(), rate, o.duration,
            o.drain));
        boolean pass = LiveWindow.complete(row)
            && ((Number) row.get("p99 ms")).doubleValue() <= o.maxP99Ms;
        row.put("pass", pass);
        report.row(row);
        if (!pass) {
          break;
        }
        best = row;
        Thread.sleep(1_000); // let the last step's stragglers settle
      }
    }
    if (best == null) {
      report.summary("highest passing step", "none");
    } else {
      report.summary("highest passing step", best.get("rate/s") + " changes/s");
      report.summary("sustained deliveries/s", Report.fmt((Double) best.get("deliv/s")));
      report.summary("its p50 / p99 ms", best.get("p50 ms") + " / " + best.get("p99 ms"));
      report.summary("its server µs per delivery", Report.fmt((Double) best.get("srv µs/deliv")));
    }
    report.print();
    return 0;
  }
}
