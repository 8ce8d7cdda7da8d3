package io.taskpulse.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code writes}: the most committed changes per second, each a task change and its event.
 * {@code concurrency} requests stay in flight (closed loop, keep-alive HTTP/1.1); committed
 * changes are counted from the log's offset before and after, not from replies.
 */
final class WritesScenario {

  private final Target target;
  private final Bench o;

  WritesScenario(Target target, Bench o) {
    this.target = target;
    this.o = o;
  }

  int run() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.loops()));
    HttpClientAgent http = vertx.createHttpClient(new HttpClientOptions()
        .setDefaultHost(target.host()).setDefaultPort(target.port()).setKeepAlive(true)
        .setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(o.concurrency));
    Report report = new Report("writes", target);
    report.setup("concurrency", o.concurrency);
    report.setup("tasks", o.tasks);
    report.setup("secondsPerRun", o.duration);
    List<Map<String, Object>> rows = new ArrayList<>();
    String token = target.token(Writers.user(0));
    try (Rest rest = new Rest(vertx, target, Writers.user(0))) {
      List<String> ids = rest.createTasks(o.tasks, "bench write");
      drive(http, token, ids, o.warmup, null);
      ProcStats.Tree server = target.server();
      for (int run = 1; run <= o.runs; run++) {
        long before = rest.offset();
        double cpu = server == null ? Double.NaN : server.cpuSeconds();
        Recorder recorder = new Recorder(3);
        long t0 = System.nanoTime();
        long ok = drive(http, token, ids, o.duration, recorder);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long committed = rest.offset() - before;
        double cpuUsed = server == null ? Double.NaN : server.cpuSeconds() - cpu;
        Histogram h = recorder.getIntervalHistogram();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("run", run);
        row.put("acknowledged", ok);
        row.put("committed", committed);
        row.put("changes/s", committed / seconds);
        row.put("p50 ms", Report.ms(h, 50));
        row.put("p99 ms", Report.ms(h, 99));
        row.put("max ms", h.getMaxValue() / 1000.0);
        row.put("srv cpu s", cpuUsed);
        row.put("srv µs/change", cpuUsed * 1e6 / committed);
        report.row(row);
        rows.add(row);
      }
      report.summary("median changes/s (min..max)", Report.spread(rows, "changes/s"));
      report.summary("median p99 ms (min..max)", Report.spread(rows, "p99 ms"));
      report.summary("median server µs per change", Report.spread(rows, "srv µs/change"));
      report.print();
      return 0;
    } finally {
      http.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Keeps {@code concurrency} changes in flight for {@code seconds}; returns the 2xx count. */
  private long drive(HttpClientAgent http, String token, List<String> ids, int seconds,
      Recorder recorder) throws InterruptedException {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    AtomicLong ok = new AtomicLong();
    AtomicLong seq = new AtomicLong();
    CountDownLatch done = new CountDownLatch(o.concurrency);
    for (int w = 0; w < o.concurrency; w++) {
      loop(http, token, ids, end, ok, seq, recorder, done);
    }
    done.await(seconds + 60L, TimeUnit.SECONDS);
    return ok.get();
  }

  private void loop(HttpClientAgent http, String token, List<String> ids, long end,
      AtomicLong ok, AtomicLong seq, Recorder recorder, CountDownLatch done) {
    if (System.nanoTime() >= end) {
      done.countDown();
      return;
    }
    long n = seq.incrementAndGet();
    String id = ids.get((int) (n % ids.size()));
    String body = "{\"progress\":" + (n % 100) + ",\"progressMessage\":\"w" + n + "\"}";
    long sent = System.nanoTime();
    http.request(new RequestOptions().setMethod(HttpMethod.PATCH).setURI("/api/v1/tasks/" + id)
            .putHeader("Authorization", "Bearer " + token)
            .putHeader("Content-Type", "application/json"))
        .compose(req -> req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(r -> {
          if (r.succeeded() && r.result() / 100 == 2) {
            ok.incrementAndGet();
            if (recorder != null) {
              recorder.recordValue((System.nanoTime() - sent) / 1000);
            }
          }
          loop(http, token, ids, end, ok, seq, recorder, done);
        });
  }
}
