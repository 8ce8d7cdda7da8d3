package io.taskpulse.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.TestDatabases;
import io.taskpulse.server.testing.TestServer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * On PostgreSQL, changes that arrive together share one transaction (group commit). A change
 * its rules refuse must fail alone, leave nothing behind, and not take its neighbours with it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupCommitTest {

  @Test
  void refusedChangesInASharedCommitFailAloneAndTheLogStaysGapFree() throws Exception {
    String url = TestDatabases.freshPostgres();
    try (TestServer node = TestServer.start(url, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"))) {
      Api api = node.as("grouped", "g");
      List<String> tasks = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        tasks.add(api.create("{\"title\":\"grouped " + i + "\",\"teamId\":\"g\"}"));
      }
      int n = 64;
      ExecutorService pool = Executors.newFixedThreadPool(16);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> replies = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        replies.add(pool.submit(() -> {
          go.await();
          String task = tasks.get(k % tasks.size());
          // Every third change names a version the task never has: 409, and nothing written.
          Map<String, String> headers = k % 3 == 0 ? Map.of("If-Match", "\"999\"") : Map.of();
          return api.send("PATCH", "/api/v1/tasks/" + task,
              "{\"progressMessage\":\"m" + k + "\"}", headers).status();
        }));
      }
      go.countDown();
      Set<String> accepted = new HashSet<>();
      for (int i = 0; i < n; i++) {
        int status = replies.get(i).get(30, TimeUnit.SECONDS);
        assertThat(status).as("change %d", i).isEqualTo(i % 3 == 0 ? 412 : 200);
        if (status == 200) {
          accepted.add("m" + i);
        }
      }
      pool.shutdown();

      List<JsonNode> log = LogReader.readAll(node.asAdmin());
      assertThat(log).hasSize(tasks.size() + accepted.size());
      Set<String> logged = new HashSet<>();
      for (int i = 0; i < log.size(); i++) {
        assertThat(log.get(i).get("offset").asLong()).isEqualTo(i + 1);
        if (log.get(i).get("type").asText().equals("task.progress")) {
          logged.add(log.get(i).get("task").get("progressMessage").asText());
        }
      }
      assertThat(logged).isEqualTo(accepted);
    } finally {
      TestDatabases.dropPostgres(url);
    }
  }

  @Test
  void aWriteWhoseConnectionDiesIsUnavailableNotAnInternalError() {
    String url = TestDatabases.freshPostgres();
    try (TestServer node = TestServer.start(url, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"))) {
      Db db = node.node().db();
      // The connection ends under the write (as when PostgreSQL restarts): the pool then
      // hands out a closed stand-in, and the rollback on it must not turn 503 into 500.
      assertThatThrownBy(() -> db.writeGrouped(tx ->
          tx.queryLong("SELECT count(*) FROM (SELECT pg_terminate_backend(pg_backend_pid())) t")))
          .isInstanceOfSatisfying(Problem.class,
              p -> assertThat(p.code()).isEqualTo(Problem.Code.UNAVAILABLE));
      // The next write takes a fresh connection and goes through.
      Api api = node.as("after", "g");
      assertThat(api.create("{\"title\":\"after the lost connection\",\"teamId\":\"g\"}"))
          .isNotBlank();
    } finally {
      TestDatabases.dropPostgres(url);
    }
  }
}
