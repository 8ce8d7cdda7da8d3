package io.taskpulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code claims}: how fast workers take work, and how soon a waiting worker hears of new work.
 *
 * <ul>
 *   <li><b>Claims per second.</b> Each run first creates a backlog of {@value #BACKLOG} tasks
 *       (not timed), then {@code --workers} workers (threads, each its own closed loop) drain it:
 *       claim one task ({@code max:1}), complete it, again, until a claim comes back empty. The
 *       rate is the backlog over the drain time; each task costs a claim and a completion, as
 *       with the Java worker API and handlers that take no time.
 *   <li><b>Wake-up latency.</b> One worker waits in a long-poll claim ({@code wait:20}) on an
 *       empty queue; one at a time, {@value #SAMPLES} tasks are created, 20–40 ms apart so the
 *       worker is waiting again. Measured from just before {@code POST /tasks} is sent to the
 *       claim's answer arriving at the worker, in the same process.
 * </ul>
 * Plain HTTP/1.1 with keep-alive ({@code java.net.http}, as the Java client uses), tokens of a
 * non-admin team member, so claims pay for the visibility check as real workers do.
 */
final class ClaimsScenario {

  static final int BACKLOG = 2_000;
  static final int SAMPLES = 200;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String target;
  private final String token;
  private final Bench options;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  private final Target node;

  ClaimsScenario(Target node, Bench options) {
    this.node = node;
    this.target = node.uri.toString();
    this.options = options;
    this.token = node.token("bench-worker");
  }

  int run() throws Exception {
    int workers = options.workers;
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(workers, 8) + 1);
    try {
      Report report = new Report("claims", node);
      drain(pool, "bench.warmup", BACKLOG, workers, null); // JIT and pools, not reported
      List<Double> rates = new ArrayList<>();
      List<Double> wakeP50 = new ArrayList<>();
      List<Double> wakeP99 = new ArrayList<>();
      for (int run = 1; run <= options.runs; run++) {
        Recorder claimTimes = new Recorder(3);
        double seconds = drain(pool, "bench.claims." + run, BACKLOG, workers, claimTimes);
        Histogram claims = claimTimes.getIntervalHistogram();
        Histogram wake = wakeUps(pool, "bench.wake." + run);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("run", run);
        row.put("tasks", BACKLOG);
        row.put("seconds", seconds);
        row.put("claims/s", BACKLOG / seconds);
        row.put("claim p50 ms", claims.getValueAtPercentile(50) / 1000.0);
        row.put("claim p99 ms", claims.getValueAtPercentile(99) / 1000.0);
        row.put("wake p50 ms", wake.getValueAtPercentile(50) / 1000.0);
        row.put("wake p99 ms", wake.getValueAtPercentile(99) / 1000.0);
        row.put("wake max ms", wake.getMaxValue() / 1000.0);
        report.row(row);
        rates.add(BACKLOG / seconds);
        wakeP50.add(wake.getValueAtPercentile(50) / 1000.0);
        wakeP99.add(wake.getValueAtPercentile(99) / 1000.0);
      }
      report.summary("target", target);
      report.summary("workers", workers);
      report.summary("median claims/s", String.format("%.0f", Report.median(rates)));
      report.summary("spread claims/s", spread(rates, "%.0f"));
      report.summary("median wake p50 ms", String.format("%.2f", Report.median(wakeP50)));
      report.summary("spread wake p50 ms", spread(wakeP50, "%.2f"));
      report.summary("median wake p99 ms", String.format("%.2f", Report.median(wakeP99)));
      report.summary("spread wake p99 ms", spread(wakeP99, "%.2f"));
      report.print();
      return 0;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Creates {@code backlog} tasks, then times {@code workers} loops draining them. */
  private double drain(ExecutorService pool, String queue, int backlog, int workers,
      Recorder claimTimes) throws Exception {
    List<Future<?>> creators = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      int from = c * backlog / 8;
      int to = (c + 1) * backlog / 8;
      creators.add(pool.submit(() -> {
        for (int i = from; i < to; i++) {
          call("POST", "/api/v1/tasks", "{\"title\":\"claim me " + i + "\",\"teamId\":\"bench\","
              + "\"queue\":\"" + queue + "\"}");
        }
        return null;
      }));
    }
    for (Future<?> f : creators) {
      f.get(5, TimeUnit.MINUTES);
    }
    AtomicLong done = new AtomicLong();
    List<Future<?>> loops = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int w = 0; w < workers; w++) {
      String worker = "bench-" + w;
      loops.add(pool.submit(() -> {
        while (true) {
          long sent = System.nanoTime();
          JsonNode got = call("POST", "/api/v1/queues/" + queue + "/claim",
              "{\"worker\":\"" + worker + "\",\"max\":1}").get("tasks");
          if (claimTimes != null) {
            claimTimes.recordValue((System.nanoTime() - sent) / 1000);
          }
          if (got.isEmpty()) {
            return null;
          }
          call("POST", "/api/v1/tasks/" + got.get(0).get("id").asText() + "/complete",
              "{\"worker\":\"" + worker + "\",\"output\":\"ok\"}");
          done.incrementAndGet();
        }
      }));
    }
    for (Future<?> f : loops) {
      f.get(10, TimeUnit.MINUTES);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (done.get() != backlog) {
      throw new IllegalStateException("drained " + done.get() + " of " + backlog + " tasks");
    }
    return seconds;
  }

  /** One waiting worker; tasks created one at a time; time to the claim's answer. */
  private Histogram wakeUps(ExecutorService pool, String queue) throws Exception {
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    SynchronousQueue<Long> received = new SynchronousQueue<>();
    Future<?> waiter = pool.submit(() -> {
      for (int n = 0; n < SAMPLES; ) {
        JsonNode got = call("POST", "/api/v1/queues/" + queue + "/claim",
            "{\"worker\":\"bench-waiter\",\"max\":1,\"wait\":20}").get("tasks");
        long at = System.nanoTime();
        if (got.isEmpty()) {
          continue;
        }
        JsonNode task = got.get(0);
        received.put(at - sentAt.get(task.get("title").asText()));
        call("POST", "/api/v1/tasks/" + task.get("id").asText() + "/complete",
            "{\"worker\":\"bench-waiter\"}");
        n++;
      }
      return null;
    });
    Histogram h = new Histogram(3);
    Thread.sleep(200); // the first claim is waiting
    for (int i = 0; i < SAMPLES; i++) {
      Thread.sleep(ThreadLocalRandom.current().nextInt(20, 41));
      String title = "wake " + i;
      sentAt.put(title, System.nanoTime());
      call("POST", "/api/v1/tasks", "{\"title\":\"" + title + "\",\"teamId\":\"bench\","
          + "\"queue\":\"" + queue + "\"}");
      Long nanos = received.poll(30, TimeUnit.SECONDS);
      if (nanos == null) {
        throw new IllegalStateException("the waiting worker did not get task " + i);
      }
      h.recordValue(nanos / 1000);
    }
    waiter.get(30, TimeUnit.SECONDS);
    return h;
  }

  private JsonNode call(String method, String path, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(target + path))
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body))
        .build();
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " "
          + r.body());
    }
    return JSON.readTree(r.body());
  }

  private static String spread(List<Double> values, String format) {
    return String.format(format + ".." + format,
        values.stream().mapToDouble(d -> d).min().orElse(0),
        values.stream().mapToDouble(d -> d).max().orElse(0));
  }
}
