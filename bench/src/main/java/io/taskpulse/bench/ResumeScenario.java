package io.taskpulse.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code resume}: subscribers (1,000) are dropped at once, as by a lost network, while changes
 * go on; after {@code --gap} seconds all reconnect at once with {@code after} = the last
 * offset each saw. Reports the time until every one has caught up with the head as it was at
 * the reconnect, the database's load meanwhile (PostgreSQL: its backends' CPU from /proc and
 * transactions and rows read from pg_stat_database), and that nothing was lost or doubled.
 */
final class ResumeScenario {

  private final Target target;
  private final Bench o;

  ResumeScenario(Target target, Bench o) {
    this.target = target;
    this.o = o;
  }

  int run() throws Exception {
    int subs = o.subscribers(1_000);
    double rate = o.rate(100);
    int before = 2;
    Report report = new Report("resume", target);
    report.setup("subscribers", subs);
    report.setup("changesPerSecond", rate);
    report.setup("gapSeconds", o.gap);
    try (Fleet fleet = new Fleet(target, o, subs);
        Rest rest = new Rest(fleet.vertx, target, Writers.user(0));
        Writers writers = new Writers(target, o.writers, rest.createTasks(o.tasks, "bench"),
            rate);
        DbLoad db = DbLoad.open(target)) {
      long head = rest.offset();
      fleet.open(subs, head, 600);
      LiveWindow.warmUp(fleet, writers, rate, o.warmup);

      Window w = new Window(fleet.loops.size());
      fleet.window = w;
      int seconds = before + o.gap + o.duration;
      CompletableFuture<Writers.Sent> sending = CompletableFuture.supplyAsync(() -> {
        try {
          return writers.drive(w.tag, rate, seconds);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(before * 1_000L);
      fleet.dropAll();
      Thread.sleep(o.gap * 1_000L);

      long target0 = rest.offset();
      fleet.caughtUp.reset();
      fleet.catchUpTarget = target0;
      ProcStats.Tree server = target.server();
      double serverCpu = server == null ? Double.NaN : server.cpuSeconds();
      DbLoad.Sample db0 = db.sample();
      long t0 = System.nanoTime();
      long failed = fleet.connect(fleet.all, 600);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (fleet.caughtUp.sum() < subs && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      double allCaughtUp = (System.nanoTime() - t0) / 1e9;
      DbLoad.Sample db1 = db.sample();
      double serverUsed = server == null ? Double.NaN : server.cpuSeconds() - serverCpu;
      Histogram each = new Histogram(3_600_000_000L, 3);
      fleet.onLoops(loop -> {
        synchronized (each) {
          for (Subscriber s : loop.subscribers) {
            if (s.caughtUpAt > 0) {
              each.recordValue(Math.max(0, (s.caughtUpAt - t0) / 1_000));
            }
          }
        }
      });

      Writers.Sent sent = sending.get(seconds + 180L, TimeUnit.SECONDS);
      long expected = (long) sent.acked().cardinality() * subs;
      long drainEnd = System.nanoTime() + o.drain * 1_000_000_000L;
      while (w.received.sum() < expected && System.nanoTime() < drainEnd) {
        Thread.sleep(20);
      }
      Fleet.Collected got = fleet.collect(w, sent.acked());

      Map<String, Object> row = new LinkedHashMap<>();
      row.put("subs", subs);
      row.put("reconnect fail", failed);
      row.put("caught up", fleet.caughtUp.sum());
      row.put("all in s", allCaughtUp);
      row.put("p50 s", Report.ms(each, 50) / 1000);
      row.put("p99 s", Report.ms(each, 99) / 1000);
      row.put("srv cpu s", serverUsed);
      row.put("db cpu s", db1.cpuSeconds - db0.cpuSeconds);
      row.put("db xacts", db1.transactions - db0.transactions);
      row.put("db rows read", db1.rowsRead - db0.rowsRead);
      row.put("expected", expected);
      row.put("received", got.received());
      row.put("missing", got.missing());
      row.put("dups", got.duplicates());
      report.row(row);
      report.summary("changes missed while away (per client)",
          Math.round(rate * o.gap));
      report.summary("time until all caught up s", Report.fmt(allCaughtUp));
      report.summary("database", db.describe());
      report.summary("nothing lost or doubled", got.missing() == 0 && got.duplicates() == 0);
    }
    report.print();
    return 0;
  }

  /** The PostgreSQL backends of the node's database, sampled; nothing for SQLite. */
  static final class DbLoad implements AutoCloseable {
    record Sample(double cpuSeconds, long transactions, long rowsRead) {}

    private final Connection c;
    private final List<Long> backends = new ArrayList<>();

    private DbLoad(Connection c) {
      this.c = c;
    }

    static DbLoad open(Target target) throws SQLException {
      return new DbLoad(target.postgres() ? DriverManager.getConnection(target.databaseUrl)
          : null);
    }

    Sample sample() throws SQLException {
      if (c == null) {
        return new Sample(Double.NaN, 0, 0);
      }
      try (Statement s = c.createStatement()) {
        try (ResultSet rs = s.executeQuery("SELECT pid FROM pg_stat_activity"
            + " WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
          while (rs.next()) {
            if (!backends.contains(rs.getLong(1))) {
              backends.add(rs.getLong(1));
            }
          }
        }
        // pg_stat_database is flushed by backends about once a second: good enough here.
        try (ResultSet rs = s.executeQuery("SELECT xact_commit + xact_rollback,"
            + " tup_returned + tup_fetched FROM pg_stat_database"
            + " WHERE datname = current_database()")) {
          rs.next();
          return new Sample(ProcStats.cpuSeconds(backends), rs.getLong(1), rs.getLong(2));
        }
      }
    }

    String describe() {
      return c == null ? "embedded SQLite (in the server process: its CPU is the server's)"
          : "PostgreSQL, " + backends.size() + " backends of the node's database";
    }

    @Override
    public void close() throws SQLException {
      if (c != null) {
        c.close();
      }
    }
  }
}
