package io.taskpulse.server.work;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.Background;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.TestDatabases;
import io.taskpulse.server.testing.TestServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Workers claim queued work under leases, keep them with heartbeats, and lose them. */
class WorkersTest {

  static TestServer server;
  static Api boss;
  static Api worker;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"));
    boss = server.as("boss", "ops");
    worker = server.as("worker-token", "ops");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String task(String queue, String priority, String extra) {
    return boss.create("{\"title\":\"job\",\"teamId\":\"ops\",\"queue\":\"" + queue
        + "\",\"priority\":\"" + priority + "\"" + extra + "}");
  }

  static Response claim(String queue, String body) {
    return worker.post("/api/v1/queues/" + queue + "/claim", body);
  }

  @Test
  void aClaimTakesTheHighestPriorityThenTheOldestAndStartsItUnderALease() {
    String low = task("q1", "low", "");
    String high1 = task("q1", "high", "");
    String high2 = task("q1", "high", "");
    String urgent = task("q1", "urgent", "");
    Instant before = Instant.now();
    Response r = claim("q1", "{\"worker\":\"w-1\",\"max\":3,\"leaseSeconds\":30}");
    assertThat(r.status()).isEqualTo(200);
    JsonNode tasks = r.json().get("tasks");
    assertThat(tasks.findValuesAsText("id")).containsExactly(urgent, high1, high2);
    JsonNode first = tasks.get(0);
    assertThat(first.get("status").asText()).isEqualTo("running");
    assertThat(first.get("assignee").asText()).isEqualTo("w-1");
    assertThat(first.get("attempt").asInt()).isEqualTo(1);
    assertThat(Instant.parse(first.get("leaseExpiresAt").asText()))
        .isBetween(before.plusSeconds(29), before.plusSeconds(32));
    assertThat(claim("q1", "{\"worker\":\"w-2\",\"max\":5}").json().get("tasks")
        .findValuesAsText("id")).containsExactly(low);
    assertThat(claim("q1", "{\"worker\":\"w-2\"}").json().get("tasks")).isEmpty();

    JsonNode event = LogReader.readAll(server.asAdmin()).stream()
        .filter(e -> e.get("taskId").asText().equals(urgent)
            && e.get("type").asText().equals("task.status_changed")).findFirst().orElseThrow();
    assertThat(event.at("/actor/kind").asText()).isEqualTo("worker");
    assertThat(event.at("/actor/id").asText()).isEqualTo("w-1");
  }

  @Test
  void aHeartbeatKeepsTheLeaseAndTellsTheWorkerOfACancelWithLeaseLost() {
    String id = task("q2", "normal", "");
    claim("q2", "{\"worker\":\"w-hb\",\"leaseSeconds\":5}");
    Response beat = worker.post("/api/v1/tasks/" + id + "/heartbeat",
        "{\"worker\":\"w-hb\",\"leaseSeconds\":60,\"progress\":40,\"progressMessage\":\"half\"}");
    assertThat(beat.status()).isEqualTo(200);
    assertThat(Instant.parse(beat.json().get("leaseExpiresAt").asText()))
        .isAfter(Instant.now().plusSeconds(50));
    assertThat(beat.json().at("/task/progress").asInt()).isEqualTo(40);
    long version = beat.json().at("/task/version").asLong();
    Response quiet = worker.post("/api/v1/tasks/" + id + "/heartbeat", "{\"worker\":\"w-hb\"}");
    assertThat(quiet.json().at("/task/version").asLong()).isEqualTo(version);

    Response stranger = worker.post("/api/v1/tasks/" + id + "/heartbeat",
        "{\"worker\":\"w-other\"}");
    assertThat(stranger.status()).isEqualTo(409);
    assertThat(stranger.errorCode()).isEqualTo("lease_lost");

    boss.post("/api/v1/tasks/" + id + "/cancel", "{\"reason\":\"not needed\"}");
    Response lost = worker.post("/api/v1/tasks/" + id + "/heartbeat", "{\"worker\":\"w-hb\"}");
    assertThat(lost.status()).isEqualTo(409);
    assertThat(lost.errorCode()).isEqualTo("lease_lost");
    assertThat(lost.json().at("/error/details/status").asText()).isEqualTo("cancelled");
    Response late = worker.post("/api/v1/tasks/" + id + "/complete",
        "{\"worker\":\"w-hb\",\"output\":\"done anyway\"}");
    assertThat(late.errorCode()).isEqualTo("lease_lost");
    assertThat(boss.get("/api/v1/tasks/" + id).json().get("status").asText())
        .isEqualTo("cancelled");
  }

  @Test
  void anExpiredLeaseGoesBackToPendingWithBackoffThenFailsAfterTheLastAttempt()
      throws Exception {
    String id = task("q3", "normal", ",\"maxAttempts\":2,\"retryBackoffSeconds\":1");
    claim("q3", "{\"worker\":\"w-silent\",\"leaseSeconds\":1}");
    JsonNode back = awaitStatus(id, "pending", 4_000);
    assertThat(back.get("assignee").isNull()).isTrue();
    assertThat(back.get("attempt").asInt()).isEqualTo(1);
    assertThat(back.get("notBefore").isNull()).isFalse();
    // Not due yet: the backoff holds it back from claims.
    assertThat(claim("q3", "{\"worker\":\"w-next\"}").json().get("tasks")).isEmpty();
    Thread.sleep(1_200);
    JsonNode again = claim("q3", "{\"worker\":\"w-next\",\"leaseSeconds\":1}").json().get("tasks");
    assertThat(again.findValuesAsText("id")).containsExactly(id);
    assertThat(again.get(0).get("attempt").asInt()).isEqualTo(2);
    JsonNode failed = awaitStatus(id, "failed", 4_000);
    assertThat(failed.get("error").asText()).contains("lease expired").contains("attempt 2 of 2");
    JsonNode event = LogReader.readAll(server.asAdmin()).stream()
        .filter(e -> e.get("taskId").asText().equals(id)).reduce((a, b) -> b).orElseThrow();
    assertThat(event.at("/actor/kind").asText()).isEqualTo("system");
    assertThat(event.at("/actor/via").asText()).isEqualTo("lease");
  }

  @Test
  void aWaitingClaimReturnsAsSoonAsWorkArrives() throws Exception {
    long t0 = System.nanoTime();
    CompletableFuture<Response> waiting = Background.supply(() ->
        claim("q4", "{\"worker\":\"w-wait\",\"wait\":20}"));
    Thread.sleep(500);
    assertThat(waiting).isNotDone();
    String id = task("q4", "normal", "");
    Response r = waiting.get(5, TimeUnit.SECONDS);
    assertThat(r.json().get("tasks").findValuesAsText("id")).containsExactly(id);
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
  }

  @Test
  void workersListWhatTheyRunAndRanLast() {
    String a = task("q5", "normal", "");
    String b = task("q5", "normal", "");
    claim("q5", "{\"worker\":\"w-list\",\"max\":2}");
    worker.post("/api/v1/tasks/" + a + "/complete", "{\"worker\":\"w-list\",\"output\":\"ok\"}");
    JsonNode w = null;
    for (JsonNode candidate : boss.get("/api/v1/workers").json().get("workers")) {
      if (candidate.get("id").asText().equals("w-list")) {
        w = candidate;
      }
    }
    assertThat(w).isNotNull();
    assertThat(w.get("queues").toString()).isEqualTo("[\"q5\"]");
    assertThat(w.get("running").toString()).isEqualTo("[\"" + b + "\"]");
    assertThat(w.get("completed").asLong()).isEqualTo(1);
    assertThat(w.at("/lastTask/id").asText()).isEqualTo(a);
    assertThat(w.at("/lastTask/output").asText()).isEqualTo("ok");
  }

  @Test
  void badClaimsAreRefusedNamingTheField() {
    assertThat(claim("q6", "{\"max\":1}").json().at("/error/details/field").asText())
        .isEqualTo("worker");
    assertThat(claim("q6", "{\"worker\":\"w\",\"max\":0}").json().at("/error/details/field")
        .asText()).isEqualTo("max");
    assertThat(claim("q6", "{\"worker\":\"w\",\"leaseSeconds\":4000}").json()
        .at("/error/details/field").asText()).isEqualTo("leaseSeconds");
    assertThat(claim("q6", "{\"worker\":\"w\",\"wait\":61}").status()).isEqualTo(400);
  }

  @Test
  void twoNodesAndSixWorkersNeverClaimTheSameTask() throws Exception {
    String url = TestDatabases.freshPostgres();
    try (TestServer a = TestServer.start(url, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"));
        TestServer b = TestServer.start(url, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"))) {
      Api creator = a.as("boss", "ops");
      Set<String> made = new HashSet<>();
      for (int i = 0; i < 60; i++) {
        made.add(creator.create("{\"title\":\"race " + i + "\",\"teamId\":\"ops\","
            + "\"queue\":\"race\"}"));
      }
      Map<String, String> claimedBy = new ConcurrentHashMap<>();
      List<String> doubles = java.util.Collections.synchronizedList(new ArrayList<>());
      ExecutorService pool = Executors.newFixedThreadPool(6);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < 6; w++) {
        String name = "racer-" + w;
        Api api = (w % 2 == 0 ? a : b).as("racer", "ops");
        done.add(pool.submit(() -> {
          while (true) {
            JsonNode got = api.post("/api/v1/queues/race/claim", "{\"worker\":\"" + name
                + "\",\"max\":2}").json().get("tasks");
            if (got.isEmpty()) {
              return null;
            }
            for (JsonNode t : got) {
              if (claimedBy.putIfAbsent(t.get("id").asText(), name) != null) {
                doubles.add(t.get("id").asText());
              }
            }
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(doubles).isEmpty();
      assertThat(claimedBy.keySet()).isEqualTo(made);
    } finally {
      TestDatabases.dropPostgres(url);
    }
  }

  static JsonNode awaitStatus(String id, String status, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    JsonNode t = null;
    while (System.nanoTime() < deadline) {
      t = boss.get("/api/v1/tasks/" + id).json();
      if (t.get("status").asText().equals(status)) {
        return t;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("task " + id + " not " + status + " in time: " + t);
  }
}
