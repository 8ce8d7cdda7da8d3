package io.taskpulse.server.bus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.auth.Tokens;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.ServerProcess;
import io.taskpulse.server.testing.TestDatabases;
import io.taskpulse.server.testing.TestRedis;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three server processes over one PostgreSQL and one Redis: clients and writers on every
 * node; every client receives every event it may see exactly once and in offset order, also
 * across a Redis outage and a node killed with SIGKILL. The outage test kills a private
 * redis-server; the others use the shared test Redis ({@link TestRedis#shared()}).
 */
class ManyNodesTest {

  static final Tokens TOKENS = new Tokens(TestServer.SECRET.getBytes(), List.of(),
      Clock.systemUTC());

  String database;
  TestRedis redis;
  final List<ServerProcess> nodes = new ArrayList<>();
  final List<WsClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    database = TestDatabases.freshPostgres();
  }

  /** Three nodes on this test's database and {@code redis}. */
  void startNodes(TestRedis redis) throws Exception {
    this.redis = redis;
    for (int i = 0; i < 3; i++) {
      nodes.add(ServerProcess.start(Files.createTempDirectory("taskpulse-node" + i),
          ServerProcess.freePort(), Map.of("TASKPULSE_DATABASE_URL", database,
              "TASKPULSE_REDIS_URL", redis.url(), "TASKPULSE_WRITE_RATE_LIMIT", "0")));
    }
  }

  @AfterEach
  void stop() throws Exception {
    clients.forEach(WsClient::close);
    for (ServerProcess node : nodes) {
      node.close();
    }
    if (redis != null) {
      redis.close();
    }
    if (database != null) {
      TestDatabases.dropPostgres(database);
    }
  }

  static String token(String user, boolean admin, String... teams) {
    return TOKENS.sign(user, List.of(teams), admin, Duration.ofHours(1));
  }

  static Api api(ServerProcess node, String user, String... teams) {
    return new Api(node.baseUrl(), token(user, false, teams));
  }

  /** One watcher per node and role: an admin and a team member on each node. */
  record Watcher(int node, String role, WsClient client) {}

  List<Watcher> watchers(long after) {
    List<Watcher> out = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      for (String role : List.of("admin", "member")) {
        WsClient c = WsClient.open(nodes.get(i).baseUrl(), role.equals("admin")
            ? token("admin-" + i, true) : token("member-" + i, false, "core"));
        clients.add(c);
        c.subscribe("s", "tasks", after, null);
        out.add(new Watcher(i, role, c));
      }
    }
    return out;
  }

  @Test
  void everyClientOnEveryNodeGetsEveryVisibleEventOnceInOrder() throws Exception {
    startNodes(TestRedis.shared());
    List<String> teamTasks = new ArrayList<>();
    Api setup = api(nodes.get(0), "w0", "core");
    for (int i = 0; i < 6; i++) {
      teamTasks.add(setup.create("{\"title\":\"team " + i + "\",\"teamId\":\"core\"}"));
    }
    long head = setup.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
    List<Watcher> watchers = watchers(head);

    List<long[]> sent = Collections.synchronizedList(new ArrayList<>()); // {node, nanos}
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<Future<?>> done = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      int node = n;
      done.add(pool.submit(() -> {
        Api w = api(nodes.get(node), "w" + node, "core");
        String mine = w.create("{\"title\":\"private of w" + node + "\"}");
        for (int k = 0; k < 100; k++) {
          long now = System.nanoTime();
          assertThat(w.post("/api/v1/tasks/" + teamTasks.get(k % teamTasks.size())
              + "/progress", "{\"progress\":" + k + ",\"message\":\"" + node + ":" + now + "\"}")
              .status()).isEqualTo(200);
          if (k % 5 == 0) {
            w.post("/api/v1/tasks/" + mine + "/progress", "{\"progress\":" + (k + 1) + "}");
          }
          Thread.sleep(5);
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();

    List<JsonNode> log = after(LogReader.readAll(new Api(nodes.get(1).baseUrl(),
        token("auditor", true))), head);
    List<Long> all = offsets(log, e -> true);
    List<Long> team = offsets(log, e -> "core".equals(e.path("task").path("teamId").asText()));
    assertThat(all).hasSize(3 + 300 + 60);
    assertThat(team).hasSize(300);

    List<Long> sameNode = new ArrayList<>();
    List<Long> crossNode = new ArrayList<>();
    for (Watcher w : watchers) {
      List<Long> expected = w.role().equals("admin") ? all : team;
      List<JsonNode> got = w.client().events(expected.size(), 20_000);
      assertThat(offsets(got, e -> true)).as(w.role() + " on node " + w.node())
          .containsExactlyElementsOf(expected);
      assertThat(w.client().poll(200)).isNull();
      if (w.role().equals("member")) {
        collectLatencies(w, got, sameNode, crossNode);
      }
    }
    report("same node", sameNode);
    report("cross node", crossNode);
    assertThat(percentile(crossNode, 50)).isLessThan(200);
  }

  @Test
  void aRedisOutageLosesNothingAndDeliveryIsFastAgainWithinASecondOfItsReturn()
      throws Exception {
    startNodes(TestRedis.start()); // killed and restarted below: our own
    Api setup = api(nodes.get(0), "w0", "core");
    String task = setup.create("{\"title\":\"through the outage\",\"teamId\":\"core\"}");
    long head = setup.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
    List<Watcher> watchers = watchers(head);

    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger acknowledged = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<Future<?>> done = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      int node = n;
      done.add(pool.submit(() -> {
        Api w = api(nodes.get(node), "w" + node, "core");
        int k = 0;
        while (writing.get()) {
          int status = w.post("/api/v1/tasks/" + task + "/progress", "{\"progress\":"
              + (k++ % 100) + ",\"message\":\"" + node + ":" + System.nanoTime() + "\"}").status();
          if (status == 200) {
            acknowledged.incrementAndGet();
          } else {
            failures.incrementAndGet();
          }
          Thread.sleep(40);
        }
        return null;
      }));
    }
    Thread.sleep(2_000);
    redis.kill();
    long outageStart = System.nanoTime();
    Thread.sleep(10_000);
    redis.restart();
    long back = System.nanoTime();
    Thread.sleep(4_000);
    writing.set(false);
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(failures.get()).as("writes refused during the outage").isZero();

    List<Long> expected = offsets(after(LogReader.readAll(new Api(nodes.get(2).baseUrl(),
        token("auditor", true))), head), e -> true);
    assertThat(expected).hasSize(acknowledged.get());
    List<Long> crossDuring = new ArrayList<>();
    List<Long> crossAfter = new ArrayList<>();
    for (Watcher w : watchers) {
      List<JsonNode> got = w.client().events(expected.size(), 30_000);
      assertThat(offsets(got, e -> true)).as(w.role() + " on node " + w.node())
          .containsExactlyElementsOf(expected);
      for (JsonNode e : got) {
        String[] parts = e.at("/task/progressMessage").asText().split(":");
        if (Integer.parseInt(parts[0]) == w.node()) {
          continue;
        }
        long sentAt = Long.parseLong(parts[1]);
        long latencyMillis = (e.get("_receivedNanos").asLong() - sentAt) / 1_000_000;
        if (sentAt > outageStart && sentAt < back) {
          crossDuring.add(latencyMillis);
        } else if (sentAt > back + 1_000_000_000L) {
          crossAfter.add(latencyMillis);
        }
      }
    }
    report("cross node during outage", crossDuring);
    report("cross node 1 s after return", crossAfter);
    assertThat(crossDuring).isNotEmpty(); // still delivered, from the log
    assertThat(percentile(crossAfter, 50)).isLessThan(100);
  }

  @Test
  void clientsOfAKilledNodeResumeOnAnotherWithNothingLost() throws Exception {
    startNodes(TestRedis.shared());
    Api writer = api(nodes.get(1), "w1", "core");
    String task = writer.create("{\"title\":\"survivor\",\"teamId\":\"core\"}");
    long head = writer.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
    WsClient first = WsClient.open(nodes.get(0).baseUrl(), token("member", false, "core"));
    clients.add(first);
    String epoch = first.subscribe("s", "tasks", head, null).get("epoch").asText();

    AtomicBoolean writing = new AtomicBoolean(true);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Future<Integer> writes = pool.submit(() -> {
      int k = 0;
      while (writing.get()) {
        assertThat(writer.post("/api/v1/tasks/" + task + "/progress", "{\"progress\":"
            + (k % 100) + ",\"message\":\"m" + k + "\"}").status()).isEqualTo(200);
        k++;
        Thread.sleep(10);
      }
      return k;
    });
    List<Long> received = new ArrayList<>();
    long deadline = System.nanoTime() + 1_500_000_000L;
    while (System.nanoTime() < deadline) {
      JsonNode m = first.poll(100);
      if (m != null && m.path("type").asText().equals("event")) {
        received.add(m.at("/event/offset").asLong());
      }
    }
    nodes.get(0).kill();
    JsonNode m;
    while ((m = first.poll(1_000)) != null) { // whatever was in flight before the crash
      if (m.path("type").asText().equals("event")) {
        received.add(m.at("/event/offset").asLong());
      }
    }
    assertThat(received).isNotEmpty();
    long last = received.get(received.size() - 1);
    WsClient second = WsClient.open(nodes.get(2).baseUrl(), token("member", false, "core"));
    clients.add(second);
    assertThat(second.subscribe("s", "tasks", last, epoch).get("recovered").asBoolean()).isTrue();
    Thread.sleep(1_000);
    writing.set(false);
    int made = writes.get(30, TimeUnit.SECONDS);
    pool.shutdown();

    List<Long> expected = offsets(after(LogReader.readAll(new Api(nodes.get(1).baseUrl(),
        token("auditor", true))), head), e -> true);
    assertThat(expected).hasSize(made);
    int missing = expected.size() - received.size();
    received.addAll(offsets(second.events(missing, 20_000), e -> true));
    assertThat(received).containsExactlyElementsOf(expected);
    assertThat(second.poll(200)).isNull();
  }

  private static List<JsonNode> after(List<JsonNode> log, long head) {
    return log.stream().filter(e -> e.get("offset").asLong() > head).toList();
  }

  private static List<Long> offsets(List<JsonNode> events, Predicate<JsonNode> which) {
    return events.stream().filter(which).map(e -> e.get("offset").asLong()).toList();
  }

  private void collectLatencies(Watcher w, List<JsonNode> got, List<Long> same,
      List<Long> cross) {
    for (JsonNode e : got) {
      String message = e.at("/task/progressMessage").asText();
      if (!message.contains(":")) {
        continue;
      }
      String[] parts = message.split(":");
      long latencyMillis = (e.get("_receivedNanos").asLong() - Long.parseLong(parts[1]))
          / 1_000_000;
      (Integer.parseInt(parts[0]) == w.node() ? same : cross).add(latencyMillis);
    }
  }

  private static long percentile(List<Long> values, int p) {
    if (values.isEmpty()) {
      return Long.MAX_VALUE;
    }
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }

  private static void report(String what, List<Long> millis) {
    System.out.printf("latency %s: n=%d p50=%d ms p99=%d ms max=%d ms%n", what, millis.size(),
        percentile(millis, 50), percentile(millis, 99), percentile(millis, 100));
  }
}
