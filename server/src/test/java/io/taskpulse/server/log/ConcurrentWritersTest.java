package io.taskpulse.server.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.TestDatabases;
import io.taskpulse.server.testing.TestServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 8 writers x 200 changes over HTTP, on SQLite and on PostgreSQL with two nodes sharing the
 * database: the log read afterwards has no gap and no duplicate, every task's versions are
 * contiguous, and every acknowledged write is in it.
 */
class ConcurrentWritersTest {

  static final int WRITERS = 8;
  static final int CHANGES = 200;

  @Test
  void eightWritersOnSqliteLeaveAGapFreeLogWithEveryAcknowledgedWrite() throws Exception {
    try (TestServer node = TestServer.start(null)) {
      hammer(List.of(node, node));
    }
  }

  @Test
  void eightWritersOnTwoPostgresNodesLeaveAGapFreeLogWithEveryAcknowledgedWrite()
      throws Exception {
    String url = TestDatabases.freshPostgres();
    try (TestServer a = TestServer.start(url); TestServer b = TestServer.start(url)) {
      hammer(List.of(a, b));
    } finally {
      TestDatabases.dropPostgres(url);
    }
  }

  private void hammer(List<TestServer> nodes) throws Exception {
    Api setup = nodes.get(0).asAdmin();
    List<String> tasks = new ArrayList<>();
    for (int i = 0; i < WRITERS; i++) {
      tasks.add(setup.create("{\"title\":\"contended " + i + "\",\"teamId\":\"w\"}"));
    }
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      // Writers alternate between the nodes and cross over tasks, so rows are contended too.
      Api api = nodes.get(w % nodes.size()).as("writer-" + w, "w");
      done.add(pool.submit(() -> {
        for (int i = 0; i < CHANGES; i++) {
          String message = "w" + writer + "-" + i;
          String task = tasks.get((writer + i) % tasks.size());
          Api.Response r = api.post("/api/v1/tasks/" + task + "/progress",
              "{\"progress\":" + (i % 100) + ",\"message\":\"" + message + "\"}");
          if (r.status() == 200) {
            acknowledged.add(message);
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(180, TimeUnit.SECONDS);
    }
    pool.shutdown();

    for (TestServer node : nodes) {
      List<JsonNode> log = LogReader.readAll(node.asAdmin());
      assertThat(log).hasSize(WRITERS + WRITERS * CHANGES);
      Map<String, Long> versions = new HashMap<>();
      Set<String> logged = new HashSet<>();
      for (int i = 0; i < log.size(); i++) {
        JsonNode e = log.get(i);
        assertThat(e.get("offset").asLong()).isEqualTo(i + 1);
        String task = e.get("taskId").asText();
        long version = e.get("version").asLong();
        assertThat(version).as("version of task %s at offset %d", task, i + 1)
            .isEqualTo(versions.getOrDefault(task, 0L) + 1);
        versions.put(task, version);
        if (e.get("type").asText().equals("task.progress")) {
          logged.add(e.get("task").get("progressMessage").asText());
        }
      }
      assertThat(acknowledged).hasSize(WRITERS * CHANGES);
      assertThat(logged).isEqualTo(acknowledged);
    }
  }
}
