package io.taskpulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.taskpulse.server.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
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

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String target;
  private final String token;
  private final Bench options;

  WritesScenario(String target, String secret, Bench options) {
    this.target = target;
    this.options = options;
    this.token = new Tokens(secret.getBytes(StandardCharsets.UTF_8), List.of(),
        Clock.systemUTC()).sign("bench-writer", List.of("bench"), true, Duration.ofHours(4));
  }

  int run() throws Exception {
    URI uri = URI.create(target);
    Vertx vertx = Vertx.vertx();
    HttpClientAgent http = vertx.createHttpClient(new HttpClientOptions()
        .setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort()).setKeepAlive(true)
        .setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(options.concurrency));
    try {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < options.tasks; i++) {
        JsonNode t = call(http, HttpMethod.POST, "/api/v1/tasks",
            "{\"title\":\"bench write " + i + "\",\"teamId\":\"bench\"}");
        ids.add(t.get("id").asText());
      }
      Report report = new Report("writes");
      List<Double> rates = new ArrayList<>();
      drive(http, ids, options.warmup, null);
      for (int run = 1; run <= options.runs; run++) {
        long before = offset(http);
        Recorder recorder = new Recorder(3);
        long t0 = System.nanoTime();
        long ok = drive(http, ids, options.duration, recorder);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long committed = offset(http) - before;
        Histogram h = recorder.getIntervalHistogram();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("run", run);
        row.put("acknowledged", ok);
        row.put("committed", committed);
        row.put("changes/s", committed / seconds);
        row.put("p50 ms", h.getValueAtPercentile(50) / 1000.0);
        row.put("p99 ms", h.getValueAtPercentile(99) / 1000.0);
        row.put("max ms", h.getMaxValue() / 1000.0);
        report.row(row);
        rates.add(committed / seconds);
      }
      report.summary("target", target);
      report.summary("concurrency", options.concurrency);
      report.summary("median changes/s", String.format("%.0f", Report.median(rates)));
      report.summary("spread changes/s", String.format("%.0f..%.0f",
          rates.stream().mapToDouble(d -> d).min().orElse(0),
          rates.stream().mapToDouble(d -> d).max().orElse(0)));
      report.print();
      return 0;
    } finally {
      http.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Keeps {@code concurrency} changes in flight for {@code seconds}; returns the 2xx count. */
  private long drive(HttpClientAgent http, List<String> ids, int seconds, Recorder recorder)
      throws InterruptedException {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    AtomicLong ok = new AtomicLong();
    AtomicLong seq = new AtomicLong();
    CountDownLatch done = new CountDownLatch(options.concurrency);
    for (int w = 0; w < options.concurrency; w++) {
      loop(http, ids, end, ok, seq, recorder, done);
    }
    done.await(seconds + 60L, TimeUnit.SECONDS);
    return ok.get();
  }

  private void loop(HttpClientAgent http, List<String> ids, long end, AtomicLong ok,
      AtomicLong seq, Recorder recorder, CountDownLatch done) {
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
          loop(http, ids, end, ok, seq, recorder, done);
        });
  }

  private long offset(HttpClientAgent http) throws Exception {
    return call(http, HttpMethod.GET, "/api/v1/tasks?limit=1", null).get("offset").asLong();
  }

  private JsonNode call(HttpClientAgent http, HttpMethod method, String path, String body)
      throws Exception {
    Future<Buffer> f = http.request(new RequestOptions().setMethod(method).setURI(path)
            .putHeader("Authorization", "Bearer " + token)
            .putHeader("Content-Type", "application/json"))
        .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> {
          if (resp.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + path + ": " + resp.statusCode() + " "
                + b);
          }
          return b;
        }));
    return JSON.readTree(f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)
        .getBytes());
  }
}
