package io.taskpulse.server.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.client.TaskpulseClient;
import io.taskpulse.client.Worker;
import io.taskpulse.client.WorkerOptions;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.TestDatabases;
import io.taskpulse.server.testing.TestServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
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
 * Eight Java workers drain 2,000 tasks while they are being created: every task is run once,
 * claimed once (attempt 1), completed by the worker that ran it, and no claim is lost (a lost
 * one would leave a task running until its lease ran out, then show attempt 2). SQLite is a
 * one-node database, so there the eight work against one node; on PostgreSQL they are spread
 * over two nodes sharing the database.
 */
class WorkersAtScaleTest {

  static final int TASKS = 2_000;
  static final int WORKERS = 8;
  static final Map<String, String> NO_RATE_LIMIT = Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0");

  @Test
  void onSqliteEightWorkersOnOneNodeRunTwoThousandTasksEachExactlyOnce() throws Exception {
    try (TestServer node = TestServer.start(null, NO_RATE_LIMIT)) {
      drain(List.of(node), "scale.sqlite");
    }
  }

  @Test
  void onPostgresEightWorkersOverTwoNodesRunTwoThousandTasksEachExactlyOnce() throws Exception {
    String url = TestDatabases.freshPostgres();
    try (TestServer a = TestServer.start(url, NO_RATE_LIMIT);
        TestServer b = TestServer.start(url, NO_RATE_LIMIT)) {
      Map<String, Long> byWorker = drain(List.of(a, b), "scale.pg");
      // Both nodes served claims: workers 0, 2, 4, 6 talk to a, the others to b.
      long onA = byWorker.entrySet().stream()
          .filter(e -> Integer.parseInt(e.getKey().substring(6)) % 2 == 0)
          .mapToLong(Map.Entry::getValue).sum();
      assertThat(onA).isBetween(1L, TASKS - 1L);
    } finally {
      TestDatabases.dropPostgres(url);
    }
  }

  /** Runs the workers while the tasks are created; returns how many each worker finished. */
  static Map<String, Long> drain(List<TestServer> nodes, String queue) throws Exception {
    Map<String, String> ranBy = new ConcurrentHashMap<>();
    List<String> ranTwice = Collections.synchronizedList(new ArrayList<>());
    List<TaskpulseClient> clients = new ArrayList<>();
    for (TestServer node : nodes) {
      clients.add(TaskpulseClient.builder(URI.create(node.baseUrl()))
          .token(node.token("worker-host", List.of("jobs"), false)).build());
    }
    List<Worker> workers = new ArrayList<>();
    Set<String> made = ConcurrentHashMap.newKeySet();
    long t0 = System.nanoTime();
    try {
      for (int w = 0; w < WORKERS; w++) {
        workers.add(clients.get(w % clients.size()).worker(queue, WorkerOptions.defaults()
            .withWorkerId("scale-" + w).withConcurrency(2).withClaimWait(Duration.ofSeconds(1)),
            ctx -> {
              if (ranBy.putIfAbsent(ctx.task().id(), ctx.workerId()) != null) {
                ranTwice.add(ctx.task().id());
              }
              return Map.of("by", ctx.workerId());
            }));
      }
      ExecutorService creators = Executors.newFixedThreadPool(4);
      List<Future<?>> created = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        Api boss = nodes.get(c % nodes.size()).as("boss", "jobs");
        int from = c * TASKS / 4;
        created.add(creators.submit(() -> {
          for (int i = from; i < from + TASKS / 4; i++) {
            made.add(boss.create("{\"title\":\"scale " + i + "\",\"teamId\":\"jobs\","
                + "\"queue\":\"" + queue + "\"}"));
          }
          return null;
        }));
      }
      for (Future<?> f : created) {
        f.get(60, TimeUnit.SECONDS);
      }
      creators.shutdown();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (workers.stream().mapToLong(Worker::finished).sum() < TASKS
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
    } finally {
      workers.forEach(w -> w.close(Duration.ofSeconds(5)));
      clients.forEach(TaskpulseClient::close);
    }
    System.out.printf("%s: %d tasks created and run by %d workers on %d node(s) in %d ms%n",
        queue, TASKS, WORKERS, nodes.size(), (System.nanoTime() - t0) / 1_000_000);

    assertThat(made).hasSize(TASKS);
    assertThat(ranTwice).isEmpty();
    assertThat(ranBy.keySet()).isEqualTo(made);
    Map<String, Long> byWorker = new HashMap<>();
    for (Worker w : workers) {
      byWorker.put(w.id(), w.finished());
    }
    assertThat(byWorker.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(TASKS);

    // The database: each task completed on attempt 1 by the worker that ran it.
    Map<String, String> stored = new HashMap<>();
    nodes.get(0).node().db().read(tx -> tx.query("SELECT id, status, attempt, assignee FROM tasks"
        + " WHERE queue = ?", rs -> {
          String id = rs.getString(1);
          assertThat(rs.getString(2)).as(id).isEqualTo("completed");
          assertThat(rs.getInt(3)).as(id).isEqualTo(1);
          return stored.put(id, rs.getString(4));
        }, queue));
    assertThat(stored).isEqualTo(ranBy);

    // The log: one claim and one completion per task, both by that worker.
    Map<String, Integer> claims = new HashMap<>();
    Map<String, Integer> completions = new HashMap<>();
    for (JsonNode e : LogReader.readAll(nodes.get(nodes.size() - 1).asAdmin())) {
      if (!e.get("type").asText().equals("task.status_changed")
          || !queue.equals(e.at("/task/queue").asText())) {
        continue;
      }
      String id = e.get("taskId").asText();
      assertThat(e.at("/actor/kind").asText()).isEqualTo("worker");
      assertThat(e.at("/actor/id").asText()).isEqualTo(ranBy.get(id));
      String to = e.at("/changes/status/1").asText();
      (to.equals("running") ? claims : completions).merge(id, 1, Integer::sum);
      assertThat(to).isIn("running", "completed");
    }
    assertThat(claims.keySet()).isEqualTo(made);
    assertThat(completions.keySet()).isEqualTo(made);
    assertThat(claims.values()).containsOnly(1);
    assertThat(completions.values()).containsOnly(1);
    return byWorker;
  }
}
