package io.taskpulse.server.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.client.Task;
import io.taskpulse.client.TaskpulseClient;
import io.taskpulse.client.TaskpulseException;
import io.taskpulse.client.Worker;
import io.taskpulse.client.WorkerOptions;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.TestServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java worker API against a real server: claims, progress, results, cancel, close. */
class JavaWorkerTest {

  static TestServer server;
  static Api boss;
  static TaskpulseClient client;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"));
    boss = server.as("boss", "jobs");
    client = TaskpulseClient.builder(URI.create(server.baseUrl()))
        .token(server.token("worker-host", List.of("jobs"), false)).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  static WorkerOptions fast(String id) {
    return WorkerOptions.defaults().withWorkerId(id).withLease(3, Duration.ofMillis(500))
        .withClaimWait(Duration.ofSeconds(2)).withGrace(Duration.ofSeconds(5));
  }

  static String job(String queue, String title) {
    return boss.create("{\"title\":\"" + title + "\",\"teamId\":\"jobs\",\"queue\":\"" + queue
        + "\"}");
  }

  @Test
  void aWorkerRunsEachTaskReportsProgressAndRecordsOutputOrError() throws Exception {
    String ok = job("w1", "succeeds");
    String bad = job("w1", "throws");
    try (Worker worker = client.worker("w1", fast("java-w1").withConcurrency(2), ctx -> {
      ctx.progress(50, "halfway");
      ctx.entry("log", "read 21 rows", Map.of("rows", 21));
      if (ctx.task().title().equals("throws")) {
        throw new IllegalStateException("disk full");
      }
      return Map.of("rows", 42);
    })) {
      Task done = client.awaitFinished(ok, Duration.ofSeconds(10));
      Task failed = client.awaitFinished(bad, Duration.ofSeconds(10));
      assertThat(done.status()).isEqualTo("completed");
      assertThat(done.output().get("rows").asInt()).isEqualTo(42);
      assertThat(done.assignee()).isEqualTo("java-w1");
      assertThat(failed.status()).isEqualTo("failed");
      assertThat(failed.error().asText()).isEqualTo("disk full");
      JsonNode progress = boss.get("/api/v1/events?after=0&stream=task:" + ok + "&limit=100")
          .json().get("events");
      assertThat(progress.findValuesAsText("type")).contains("task.progress");
      for (JsonNode e : progress) {
        if (!e.get("type").asText().equals("task.created")) {
          assertThat(e.at("/actor/kind").asText()).as(e.toString()).isEqualTo("worker");
          assertThat(e.at("/actor/id").asText()).isEqualTo("java-w1");
        }
      }
      JsonNode entry = events(ok).stream()
          .filter(e -> e.get("type").asText().equals("task.entry_added")).findFirst()
          .orElseThrow();
      assertThat(entry.at("/entry/text").asText()).isEqualTo("read 21 rows");
      assertThat(entry.at("/entry/actorId").asText()).isEqualTo("java-w1");
      assertFinished(worker, 2);
    }
  }

  /** The task's events, oldest first. */
  static List<JsonNode> events(String id) {
    List<JsonNode> out = new java.util.ArrayList<>();
    boss.get("/api/v1/events?after=0&stream=task:" + id + "&limit=1000").json().get("events")
        .forEach(out::add);
    return out;
  }

  /**
   * The worker counts a task once the server has answered its complete or fail, which may be
   * a moment after the task's event has reached the test: wait for the count, then check it.
   */
  static void assertFinished(Worker worker, long expected) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (worker.finished() < expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(worker.finished()).isEqualTo(expected);
  }

  /** The cancel is the task's last event: nothing from the worker came after it. */
  static void assertEndsCancelled(String id) {
    List<JsonNode> events = events(id);
    JsonNode last = events.get(events.size() - 1);
    assertThat(last.at("/task/status").asText()).isEqualTo("cancelled");
    assertThat(last.at("/actor/id").asText()).isEqualTo("boss");
    assertThat(events.stream().filter(e -> e.at("/task/status").asText().equals("completed")))
        .isEmpty();
    Task now = client.get(id);
    assertThat(now.status()).isEqualTo("cancelled");
    assertThat(now.output()).isNull();
  }

  @Test
  void aCancelReachesTheRunningHandlerWithinAHeartbeatAndTheTaskStaysCancelled()
      throws Exception {
    String id = job("w2", "long job");
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean sawCancel = new AtomicBoolean();
    CountDownLatch stopped = new CountDownLatch(1);
    try (Worker worker = client.worker("w2", fast("java-w2"), ctx -> {
      if (ctx.task().title().equals("after the cancel")) {
        return "the next one ran";
      }
      started.countDown();
      try {
        while (!ctx.cancelled()) {
          Thread.sleep(50);
        }
        sawCancel.set(true);
      } catch (InterruptedException interrupted) {
        sawCancel.set(ctx.cancelled());
      } finally {
        stopped.countDown();
      }
      return "should not be recorded";
    })) {
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      long t0 = System.nanoTime();
      boss.post("/api/v1/tasks/" + id + "/cancel", "{\"reason\":\"no longer needed\"}");
      assertThat(stopped.await(5, TimeUnit.SECONDS)).isTrue();
      // Heartbeats every 0.5 s: the handler hears of it at the next one (1 s of slack).
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1_500);
      assertThat(sawCancel).isTrue();
      // The slot is free again: the worker takes its next task.
      String after = job("w2", "after the cancel");
      assertThat(client.awaitFinished(after, Duration.ofSeconds(10)).output().asText())
          .isEqualTo("the next one ran");
      assertFinished(worker, 1);
      assertEndsCancelled(id);
    }
  }

  @Test
  void aHandlerThatIgnoresTheCancelCannotReportOnOrCompleteTheTask() throws Exception {
    String id = job("w4", "stubborn");
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<String> refusal = new AtomicReference<>();
    try (Worker worker = client.worker("w4", fast("java-w4"), ctx -> {
      started.countDown();
      long end = System.nanoTime() + 2_500_000_000L;
      while (System.nanoTime() < end) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException ignored) {
          // a handler that will not stop
        }
      }
      try {
        ctx.progress(99, "still going");
      } catch (TaskpulseException e) {
        refusal.set(e.code());
      }
      done.countDown();
      return "finished anyway";
    })) {
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      boss.post("/api/v1/tasks/" + id + "/cancel", null);
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      Thread.sleep(500); // time for a completion to arrive, were one sent
      assertThat(refusal.get()).isEqualTo("lease_lost");
      assertThat(worker.finished()).isZero();
      assertEndsCancelled(id);
    }
  }

  @Test
  void aResultArrivingAfterTheCancelBeforeAnyHeartbeatIsRefused() throws Exception {
    String id = job("w5", "quick");
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    // Heartbeats only every 10 s: the handler returns before any heartbeat could tell it.
    WorkerOptions slowBeats = fast("java-w5").withLease(30, Duration.ofSeconds(10));
    try (Worker worker = client.worker("w5", slowBeats, ctx -> {
      started.countDown();
      cancelled.await();
      return "too late";
    })) {
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      boss.post("/api/v1/tasks/" + id + "/cancel", null);
      cancelled.countDown();
      Thread.sleep(700);
      assertThat(worker.finished()).isZero();
      assertEndsCancelled(id);
    }
  }

  @Test
  void closingHandsBackWhatDidNotFinishWithinTheGrace() throws Exception {
    String id = job("w3", "stuck");
    CountDownLatch started = new CountDownLatch(1);
    Worker worker = client.worker("w3", fast("java-w3"), ctx -> {
      started.countDown();
      Thread.sleep(60_000);
      return null;
    });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    worker.close(Duration.ofMillis(300));
    Task back = client.get(id);
    assertThat(back.status()).isEqualTo("pending");
    assertThat(back.attempt()).isEqualTo(1);
  }
}
