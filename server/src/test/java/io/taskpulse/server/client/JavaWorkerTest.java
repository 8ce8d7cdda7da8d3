package io.taskpulse.server.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.client.Task;
import io.taskpulse.client.TaskpulseClient;
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
      assertThat(worker.finished()).isEqualTo(2);
    }
  }

  @Test
  void aCancelReachesTheRunningHandlerWithinAHeartbeatAndTheTaskStaysCancelled()
      throws Exception {
    String id = job("w2", "long job");
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean sawCancel = new AtomicBoolean();
    CountDownLatch stopped = new CountDownLatch(1);
    try (Worker worker = client.worker("w2", fast("java-w2"), ctx -> {
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
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000); // heartbeat is 0.5 s
      assertThat(sawCancel).isTrue();
      Thread.sleep(700);
      assertThat(client.get(id).status()).isEqualTo("cancelled");
      assertThat(worker.finished()).isZero();
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
