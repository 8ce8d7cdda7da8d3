package io.taskpulse.server.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.client.Task;
import io.taskpulse.client.TaskpulseClient;
import io.taskpulse.client.Worker;
import io.taskpulse.client.WorkerOptions;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WorkerProcess;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A worker that dies (SIGKILL) or freezes (SIGSTOP: alive, no heartbeats) in its own JVM has
 * its task handed back when the lease ends and completed by another worker, as attempt 2, with
 * events that say so. A frozen worker that wakes up is told it lost the task and records nothing.
 */
class WorkerCrashTest {

  static final int LEASE_SECONDS = 2;
  static final Duration HEARTBEAT = Duration.ofMillis(500);

  static TestServer server;
  static Api boss;
  static String token;
  static TaskpulseClient client;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"));
    boss = server.as("boss", "jobs");
    token = server.token("worker-host", List.of("jobs"), false);
    client = TaskpulseClient.builder(URI.create(server.baseUrl())).token(token).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  static String job(String queue) {
    return boss.create("{\"title\":\"survives its worker\",\"teamId\":\"jobs\",\"queue\":\""
        + queue + "\",\"retryBackoffSeconds\":0}");
  }

  static Worker survivor(String queue, String id) {
    return client.worker(queue, WorkerOptions.defaults().withWorkerId(id)
        .withLease(LEASE_SECONDS, HEARTBEAT).withClaimWait(Duration.ofSeconds(2)),
        ctx -> Map.of("by", ctx.workerId(), "attempt", ctx.task().attempt()));
  }

  @Test
  void aKilledWorkersTaskIsRetriedAfterTheLeaseAndCompletedByAnotherWorker() throws Exception {
    String id = job("crash");
    Instant killedAt;
    try (WorkerProcess doomed = WorkerProcess.start(server.baseUrl(), token, "crash",
        "w-doomed", LEASE_SECONDS, HEARTBEAT)) {
      assertThat(doomed.awaitOutput("started " + id + " attempt 1", 30_000))
          .as(doomed.output().toString()).isTrue();
      Thread.sleep(1_200); // a few heartbeats: the worker was alive and well, then it dies
      doomed.kill();
      killedAt = Instant.now();
    }
    try (Worker other = survivor("crash", "w-survivor")) {
      Task done = client.awaitFinished(id, Duration.ofSeconds(20));
      assertThat(done.status()).isEqualTo("completed");
      assertThat(done.attempt()).isEqualTo(2);
      assertThat(done.assignee()).isEqualTo("w-survivor");
      assertThat(done.output().get("attempt").asInt()).isEqualTo(2);
    }
    Instant expiredAt = assertRetriedByLease(id, "w-doomed", "w-survivor");
    // Its last heartbeat was at most 0.5 s before the kill and kept the lease 2 s: the task
    // was not handed back before the lease ended, and was within 2 s after (PROTOCOL 7).
    assertThat(expiredAt).isAfterOrEqualTo(killedAt.plusMillis(1_400))
        .isBefore(killedAt.plusMillis(LEASE_SECONDS * 1_000 + 2_500));
  }

  @Test
  void aFrozenWorkersTaskIsRetriedAfterTheLeaseAndItsLateResultIsRefused() throws Exception {
    String id = job("freeze");
    try (WorkerProcess frozen = WorkerProcess.start(server.baseUrl(), token, "freeze",
        "w-frozen", LEASE_SECONDS, HEARTBEAT)) {
      assertThat(frozen.awaitOutput("started " + id + " attempt 1", 30_000))
          .as(frozen.output().toString()).isTrue();
      frozen.pause();
      try (Worker other = survivor("freeze", "w-thawed-out")) {
        Task done = client.awaitFinished(id, Duration.ofSeconds(20));
        assertThat(done.status()).isEqualTo("completed");
        assertThat(done.attempt()).isEqualTo(2);
      }
      frozen.resume();
      // Its first heartbeat back is refused with lease_lost: the handler is told to stop.
      assertThat(frozen.awaitOutput("cancelled " + id, 10_000))
          .as(frozen.output().toString()).isTrue();
      Thread.sleep(500);
      Task after = client.get(id);
      assertThat(after.status()).isEqualTo("completed");
      assertThat(after.assignee()).isEqualTo("w-thawed-out");
      assertThat(after.output().get("by").asText()).isEqualTo("w-thawed-out");
    }
    assertRetriedByLease(id, "w-frozen", "w-thawed-out");
  }

  /**
   * The task's status moves are exactly: claimed by {@code first} (attempt 1), handed back by
   * the lease (actor system via lease), claimed by {@code second} (attempt 2), completed by
   * {@code second}; nothing after. Returns when the lease handed it back.
   */
  static Instant assertRetriedByLease(String id, String first, String second) {
    List<JsonNode> moves = new ArrayList<>();
    for (JsonNode e : boss.get("/api/v1/events?after=0&stream=task:" + id + "&limit=1000")
        .json().get("events")) {
      if (e.get("type").asText().equals("task.status_changed")) {
        moves.add(e);
      }
    }
    assertThat(moves.stream().map(e -> e.at("/changes/status/0").asText() + ">"
        + e.at("/changes/status/1").asText() + " by " + e.at("/actor/kind").asText() + ":"
        + e.at("/actor/id").asText() + " via " + e.at("/actor/via").asText() + " attempt "
        + e.at("/task/attempt").asInt()))
        .containsExactly(
            "pending>running by worker:" + first + " via http attempt 1",
            "running>pending by system:system via lease attempt 1",
            "pending>running by worker:" + second + " via http attempt 2",
            "running>completed by worker:" + second + " via http attempt 2");
    assertThat(moves.get(1).at("/task/assignee").isNull()).isTrue();
    return Instant.parse(moves.get(1).get("at").asText());
  }
}
