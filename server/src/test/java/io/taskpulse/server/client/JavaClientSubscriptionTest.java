package io.taskpulse.server.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.client.ConnectionState;
import io.taskpulse.client.Event;
import io.taskpulse.client.Filter;
import io.taskpulse.client.Snapshot;
import io.taskpulse.client.Subscription;
import io.taskpulse.client.Task;
import io.taskpulse.client.TaskpulseClient;
import io.taskpulse.client.TaskpulseException;
import io.taskpulse.server.auth.Tokens;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Background;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.TcpProxy;
import io.taskpulse.server.testing.TestServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Live subscriptions of the Java client over real sockets: snapshot and events, resume
 * through a server restart, a cut or silent TCP connection, short-lived tokens, await, and a
 * permanent refusal. Exactness is always checked against the server's log.
 */
class JavaClientSubscriptionTest {

  static final Map<String, String> NO_LIMIT = Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0");
  /** Signs like every test server (they share the secret), so tokens outlive a restart. */
  static final Tokens TOKENS = new Tokens(TestServer.SECRET.getBytes(StandardCharsets.UTF_8),
      List.of(), Clock.systemUTC());

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, NO_LIMIT);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String token(String user, Duration ttl) {
    return TOKENS.sign(user, List.of(), false, ttl);
  }

  static Api api(String baseUrl, String user) {
    return new Api(baseUrl, token(user, Duration.ofHours(1)));
  }

  static TaskpulseClient client(String baseUrl, Supplier<String> tokens) {
    return TaskpulseClient.builder(URI.create(baseUrl)).tokenSupplier(tokens).build();
  }

  static TaskpulseClient client(String baseUrl, String user) {
    return client(baseUrl, () -> token(user, Duration.ofMinutes(5)));
  }

  static List<String> createTasks(Api api, String prefix, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(api.create("{\"title\":\"" + prefix + " " + i + "\"}"));
    }
    return ids;
  }

  /** The log's head now: every change made before this call has an offset at or below it. */
  static long head(Api api) {
    return api.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
  }

  /** Offsets in the log after {@code after} of events {@code user} may see (owner, assignee, share). */
  static List<Long> visibleOffsetsAfter(TestServer node, long after, String user) {
    List<Long> out = new ArrayList<>();
    for (JsonNode e : LogReader.readAll(node.asAdmin())) {
      JsonNode task = e.get("task");
      boolean sees = user.equals(task.path("ownerId").asText())
          || user.equals(task.path("assignee").asText())
          || task.path("sharedWith").findValuesAsText("").contains(user);
      for (JsonNode shared : task.path("sharedWith")) {
        sees |= shared.asText().equals(user);
      }
      if (e.get("offset").asLong() > after && sees) {
        out.add(e.get("offset").asLong());
      }
    }
    return out;
  }

  /** Waits until the listener has everything the log holds for it, then compares exactly. */
  static void assertExactlyTheLog(Recorder rec, TestServer node, long start, String user) {
    List<Long> expected = visibleOffsetsAfter(node, start, user);
    assertThat(expected).isNotEmpty();
    rec.awaitOffset(expected.get(expected.size() - 1));
    assertThat(rec.offsets()).containsExactlyElementsOf(expected);
  }

  // ---- (a) ----

  @Test
  void aSubscriptionDeliversTheSnapshotThenLiveEventsOnOneThread() {
    String user = "snap-owner";
    Api api = api(server.baseUrl(), user);
    List<String> ids = createTasks(api, "snap", 2);
    Recorder rec = new Recorder();
    try (TaskpulseClient client = client(server.baseUrl(), user)) {
      Subscription sub = client.subscribe("tasks", Filter.none(), rec);
      Snapshot snapshot = rec.awaitSnapshot();
      assertThat(snapshot.stream()).isEqualTo("tasks");
      assertThat(snapshot.complete()).isTrue();
      assertThat(snapshot.epoch()).isNotBlank();
      assertThat(snapshot.tasks()).extracting(Task::id)
          .containsExactly(ids.get(1), ids.get(0));
      assertThat(rec.states()).containsExactly(ConnectionState.CONNECTING,
          ConnectionState.CONNECTED);
      assertThat(sub.state()).isEqualTo(ConnectionState.CONNECTED);
      assertThat(sub.lastOffset()).isEqualTo(snapshot.offset());

      api.post("/api/v1/tasks/" + ids.get(0) + "/start", null);
      api.post("/api/v1/tasks/" + ids.get(0) + "/progress", "{\"progress\":30,"
          + "\"message\":\"a third\"}");
      String third = api.create("{\"title\":\"snap later\"}");
      assertExactlyTheLog(rec, server, snapshot.offset(), user);
      List<Event> events = rec.events();
      assertThat(events).extracting(Event::type).containsExactly(Event.STATUS_CHANGED,
          Event.PROGRESS, Event.CREATED);
      assertThat(events.get(0).changes().get("status").get(0).asText()).isEqualTo("pending");
      assertThat(events.get(0).actor().id()).isEqualTo(user);
      assertThat(events.get(1).task().progressMessage()).isEqualTo("a third");
      assertThat(events.get(1).version()).isEqualTo(3);
      assertThat(events.get(2).taskId()).isEqualTo(third);
      assertThat(sub.lastOffset()).isEqualTo(events.get(2).offset());
      assertThat(rec.threads()).hasSize(1);
      assertThat(rec.threads().iterator().next().getName()).startsWith("taskpulse-subscription");

      sub.close();
      rec.awaitCount(ConnectionState.CLOSED, 1);
      assertThat(sub.state()).isEqualTo(ConnectionState.CLOSED);
      int before = rec.events().size();
      api.post("/api/v1/tasks/" + ids.get(1) + "/progress", "{\"progress\":1}");
      assertThat(rec.states().get(rec.states().size() - 1)).isEqualTo(ConnectionState.CLOSED);
      assertThat(rec.events()).hasSize(before);
    }
  }

  @Test
  void aFilterNarrowsTheStreamToTheStatusesAsked() {
    String user = "filter-owner";
    Api api = api(server.baseUrl(), user);
    String id = api.create("{\"title\":\"filtered\"}");
    Recorder rec = new Recorder();
    try (TaskpulseClient client = client(server.baseUrl(), user)) {
      String running = api.create("{\"title\":\"already running\"}");
      api.post("/api/v1/tasks/" + running + "/start", null);
      client.subscribe("tasks", Filter.statuses("running"), rec);
      assertThat(rec.awaitSnapshot().tasks()).extracting(Task::id).containsExactly(running);
      api.patch("/api/v1/tasks/" + id, "{\"title\":\"renamed while pending\"}");
      api.post("/api/v1/tasks/" + id + "/start", null);
      api.post("/api/v1/tasks/" + id + "/complete", null);
      api.post("/api/v1/tasks/" + id + "/reopen", null);
      String marker = api.create("{\"title\":\"marker\",\"status\":\"pending\"}");
      api.post("/api/v1/tasks/" + marker + "/start", null);
      rec.await("the marker", () -> !rec.events().isEmpty()
          && rec.events().get(rec.events().size() - 1).taskId().equals(marker),
          Duration.ofSeconds(10));
      assertThat(rec.events()).extracting(e -> e.task().status() + " " + e.taskId())
          .containsExactly("running " + id, "completed " + id, "running " + marker);
    }
  }

  // ---- (b) ----

  @Test
  void aSubscriptionResumesThroughAServerRestartOnTheSamePortWithoutLossOrDuplicates()
      throws Exception {
    TestServer first = TestServer.start(null, NO_LIMIT);
    int port = first.port();
    Path dir = first.dataDir();
    TestServer current = first;
    String user = "restarter";
    Api api = api(first.baseUrl(), user);
    List<String> ids = createTasks(api, "restart", 3);
    Recorder rec = new Recorder();
    try (TaskpulseClient client = client(first.baseUrl(), user);
        Writer before = Writer.start(api, ids, Duration.ZERO)) {
      Subscription sub = client.subscribe("tasks", Filter.none(), rec);
      long start = rec.awaitSnapshot().offset();
      before.awaitWritten(30);
      before.stop();
      rec.awaitOffset(head(api));

      first.close();
      rec.awaitCount(ConnectionState.DISCONNECTED, 1);
      current = TestServer.startAt(port, dir, NO_LIMIT);
      assertThat(current.port()).isEqualTo(port);
      try (Writer during = Writer.start(api, ids, Duration.ZERO)) {
        rec.awaitCount(ConnectionState.CONNECTED, 2);
        during.awaitWritten(during.written() + 30); // and after the resume
        during.stop();
      }
      assertExactlyTheLog(rec, current, start, user);
      assertThat(rec.snapshots()).as("resumed from the log, not a new snapshot").hasSize(1);
      assertThat(rec.states()).containsSubsequence(ConnectionState.CONNECTED,
          ConnectionState.DISCONNECTED, ConnectionState.CONNECTING, ConnectionState.CONNECTED);
      assertThat(rec.cause(ConnectionState.DISCONNECTED)).isInstanceOf(TaskpulseException.class);
      assertThat(sub.state()).isEqualTo(ConnectionState.CONNECTED);
    } finally {
      current.close();
    }
  }

  @Test
  void aResumeAgainstANewDatabaseStartsOverFromASnapshotOfIt() throws Exception {
    TestServer first = TestServer.start(null, NO_LIMIT);
    int port = first.port();
    TestServer current = first;
    String user = "new-epoch";
    Api api = api(first.baseUrl(), user);
    List<String> old = createTasks(api, "old log", 3);
    for (int i = 0; i < 10; i++) {
      api.post("/api/v1/tasks/" + old.get(0) + "/progress", "{\"progress\":" + i + "}");
    }
    Recorder rec = new Recorder();
    try (TaskpulseClient client = client(first.baseUrl(), user)) {
      client.subscribe("tasks", Filter.none(), rec);
      Snapshot oldSnapshot = rec.awaitSnapshot();
      api.post("/api/v1/tasks/" + old.get(1) + "/progress", "{\"progress\":1}");
      rec.awaitOffset(head(api));
      long oldLast = rec.lastOffset();

      first.close();
      rec.awaitCount(ConnectionState.DISCONNECTED, 1);
      current = TestServer.startAt(port, Files.createTempDirectory("taskpulse-new"), NO_LIMIT);
      String fresh = api.create("{\"title\":\"new log\"}");
      rec.await("a second snapshot", () -> rec.snapshots().size() == 2, Duration.ofSeconds(15));
      Snapshot newSnapshot = rec.snapshots().get(1);
      assertThat(newSnapshot.epoch()).isNotEqualTo(oldSnapshot.epoch());
      assertThat(newSnapshot.tasks()).extracting(Task::id).containsExactly(fresh);
      assertThat(newSnapshot.offset()).isLessThan(oldLast); // offsets of another log

      api.post("/api/v1/tasks/" + fresh + "/start", null);
      List<Long> expected = visibleOffsetsAfter(current, newSnapshot.offset(), user);
      rec.awaitOffset(expected.get(expected.size() - 1));
      List<Long> offsets = rec.offsets();
      int firstNew = offsets.size() - expected.size();
      assertThat(offsets.subList(firstNew, offsets.size())).containsExactlyElementsOf(expected);
      assertThat(rec.events().get(rec.events().size() - 1).task().status())
          .isEqualTo("running");
    } finally {
      current.close();
    }
  }

  @Test
  void leavingATeamStartsTheSubscriptionOverFromASnapshotWithoutTheTeamsTasks() {
    Api admin = server.asAdmin();
    assertThat(admin.post("/api/v1/teams", "{\"id\":\"client-crew\"}").status())
        .isEqualTo(201);
    assertThat(admin.post("/api/v1/users", "{\"id\":\"kit\",\"password\":\"kit-password\"}")
        .status()).isEqualTo(201);
    assertThat(admin.put("/api/v1/teams/client-crew/members/kit").status()).isEqualTo(200);
    String crewTask = admin.create("{\"title\":\"crew work\",\"teamId\":\"client-crew\"}");
    // The token names the team; the account's records narrow it once kit leaves.
    String token = TOKENS.sign("kit", List.of("client-crew"), false, Duration.ofMinutes(5));
    Api kit = new Api(server.baseUrl(), token);
    String own = kit.create("{\"title\":\"kit's own\"}");
    Recorder rec = new Recorder();
    try (TaskpulseClient client = client(server.baseUrl(), () -> token)) {
      client.subscribe("tasks", Filter.none(), rec);
      assertThat(rec.awaitSnapshot().tasks()).extracting(Task::id).contains(crewTask, own);

      assertThat(admin.delete("/api/v1/teams/client-crew/members/kit").status()).isEqualTo(200);
      rec.await("a second snapshot", () -> rec.snapshots().size() == 2, Duration.ofSeconds(10));
      Snapshot after = rec.snapshots().get(1);
      assertThat(after.tasks()).extracting(Task::id).contains(own).doesNotContain(crewTask);
      assertThat(rec.states()).doesNotContain(ConnectionState.ERROR);

      kit.post("/api/v1/tasks/" + own + "/progress", "{\"progress\":5}");
      rec.awaitOffset(head(kit));
      assertThat(rec.events().get(rec.events().size() - 1).taskId()).isEqualTo(own);
    }
  }

  // ---- (c) ----

  /**
   * A node that pings every second. The JDK's WebSocket sometimes never reports a peer's FIN
   * (see LiveSubscription), and then only the client's heartbeat check notices the drop: at
   * the default 25 s heartbeat that would outlast a test.
   */
  static TestServer quickHeartbeatServer() {
    return TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0",
        "TASKPULSE_HEARTBEAT_SECONDS", "1"));
  }

  @Test
  void cutTcpConnectionsAreResumedExactlyWhileWritersKeepWriting() {
    String user = "cutter";
    try (TestServer node = quickHeartbeatServer();
        TcpProxy proxy = TcpProxy.to(node.port())) {
      Api api = api(node.baseUrl(), user);
      List<String> ids = createTasks(api, "cut", 3);
      Recorder rec = new Recorder();
      try (TaskpulseClient client = client(proxy.baseUrl(), user);
          Writer writer = Writer.start(api, ids, Duration.ZERO)) {
        client.subscribe("tasks", Filter.none(), rec);
        long start = rec.awaitSnapshot().offset();
        for (int cut = 1; cut <= 3; cut++) {
          long seen = rec.lastOffset();
          rec.awaitOffset(seen + 20); // events are flowing through this connection
          assertThat(proxy.cutAll()).isEqualTo(1);
          rec.awaitCount(ConnectionState.DISCONNECTED, cut);
          rec.awaitCount(ConnectionState.CONNECTED, cut + 1);
        }
        writer.awaitWritten(writer.written() + 30);
        writer.stop();
        assertExactlyTheLog(rec, node, start, user);
        assertThat(rec.snapshots()).hasSize(1);
        assertThat(rec.count(ConnectionState.DISCONNECTED)).isEqualTo(3);
        assertThat(proxy.accepted()).isEqualTo(4);
      }
    }
  }

  @Test
  void aCutWhileTheListenerIsBehindIsNoticedAndResumedExactly() {
    String user = "laggard";
    try (TestServer node = quickHeartbeatServer();
        TcpProxy proxy = TcpProxy.to(node.port())) {
      Api api = api(node.baseUrl(), user);
      List<String> ids = createTasks(api, "lag", 2);
      Recorder slow = new Recorder() {
        @Override
        public void onEvent(Event event) {
          super.onEvent(event);
          try {
            Thread.sleep(5); // a listener that cannot keep up with the writer
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      };
      try (TaskpulseClient client = client(proxy.baseUrl(), user);
          Writer writer = Writer.start(api, ids, Duration.ofMillis(2))) {
        client.subscribe("tasks", Filter.none(), slow);
        long start = slow.awaitSnapshot().offset();
        slow.awaitOffset(start + 100); // behind the writer by now, with a backlog in flight
        assertThat(proxy.cutAll()).isEqualTo(1);
        slow.awaitCount(ConnectionState.DISCONNECTED, 1);
        slow.awaitCount(ConnectionState.CONNECTED, 2);
        writer.awaitWritten(writer.written() + 30);
        writer.stop();
        List<Long> expected = visibleOffsetsAfter(node, start, user);
        slow.await("the whole log", () -> slow.lastOffset() >= expected.get(expected.size() - 1),
            Duration.ofSeconds(20));
        assertThat(slow.offsets()).containsExactlyElementsOf(expected);
        assertThat(slow.snapshots()).hasSize(1);
      }
    }
  }

  @Test
  void aSilentPeerIsDroppedAfterTwoHeartbeatsAndTheSubscriptionResumes() {
    try (TestServer quick = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0",
        "TASKPULSE_HEARTBEAT_SECONDS", "1"));
        TcpProxy proxy = TcpProxy.to(quick.port())) {
      String user = "silent";
      Api api = api(quick.baseUrl(), user);
      List<String> ids = createTasks(api, "silent", 2);
      Recorder rec = new Recorder();
      try (TaskpulseClient client = client(proxy.baseUrl(), user)) {
        client.subscribe("tasks", Filter.none(), rec);
        long start = rec.awaitSnapshot().offset();
        api.post("/api/v1/tasks/" + ids.get(0) + "/progress", "{\"progress\":1}");
        rec.awaitOffset(head(api));

        assertThat(proxy.freezeAll()).isEqualTo(1);
        long frozenAt = System.nanoTime();
        for (int i = 0; i < 5; i++) {
          api.post("/api/v1/tasks/" + ids.get(1) + "/progress", "{\"progress\":" + i + "}");
        }
        rec.awaitCount(ConnectionState.DISCONNECTED, 1);
        long detectedMillis = (System.nanoTime() - frozenAt) / 1_000_000;
        assertThat(detectedMillis).isBetween(900L, 5_000L);
        assertThat(rec.cause(ConnectionState.DISCONNECTED)).hasMessageContaining("sent nothing");
        rec.awaitCount(ConnectionState.CONNECTED, 2);
        assertExactlyTheLog(rec, quick, start, user);
        assertThat(rec.snapshots()).hasSize(1);
      }
    }
  }

  // ---- (d) ----

  @Test
  void shortLivedTokensAreRefreshedOnTheOpenConnectionAndNothingIsMissed() {
    String user = "refresher";
    Api api = api(server.baseUrl(), user);
    List<String> ids = createTasks(api, "refresh", 2);
    AtomicInteger minted = new AtomicInteger();
    Recorder rec = new Recorder();
    try (TaskpulseClient client = client(server.baseUrl(), () -> {
          minted.incrementAndGet();
          return token(user, Duration.ofSeconds(3));
        })) {
      client.subscribe("tasks", Filter.none(), rec);
      long start = rec.awaitSnapshot().offset();
      long t0 = System.nanoTime();
      try (Writer writer = Writer.start(api, ids, Duration.ofMillis(50))) {
        while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10)) {
          rec.awaitOffset(rec.lastOffset() + 1); // events keep coming all along
        }
        writer.stop();
      }
      assertExactlyTheLog(rec, server, start, user);
      assertThat(rec.states()).as("never dropped: the token was refreshed in place")
          .containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED);
      assertThat(minted.get()).isGreaterThanOrEqualTo(5); // one per 3 s token, refreshed early
      assertThat(rec.offsets().size()).isGreaterThan(50);
    }
  }

  @Test
  void anExpiredTokenReconnectsAtOnceWithAFreshOne() {
    String user = "expirer";
    Api api = api(server.baseUrl(), user);
    String id = api.create("{\"title\":\"expiring\"}");
    AtomicInteger minted = new AtomicInteger();
    Recorder rec = new Recorder();
    // The first token cannot be refreshed (the supplier gives the same one until asked on a
    // new connection), so the server ends the connection at its expiry.
    String firstToken = token(user, Duration.ofSeconds(2));
    try (TaskpulseClient client = client(server.baseUrl(), () -> minted.getAndIncrement() < 2
        ? firstToken : token(user, Duration.ofMinutes(5)))) {
      client.subscribe("task:" + id, Filter.none(), rec);
      long start = rec.awaitSnapshot().offset();
      rec.awaitCount(ConnectionState.DISCONNECTED, 1);
      TaskpulseException cause = (TaskpulseException) rec.cause(ConnectionState.DISCONNECTED);
      assertThat(cause.code()).isEqualTo("token_expired");
      api.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":7}");
      rec.awaitCount(ConnectionState.CONNECTED, 2);
      assertExactlyTheLog(rec, server, start, user);
      assertThat(rec.count(ConnectionState.ERROR)).isZero();
    }
  }

  // ---- (e) ----

  /** Waits until the server holds {@code n} live subscriptions (one just opened is counted). */
  static void awaitHubSubscriptions(TestServer node, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (node.node().hub().subscriptions() != n) {
      assertThat(System.nanoTime()).as("hub subscriptions reach " + n).isLessThan(deadline);
      Thread.sleep(10); // the hub has no listener to wait on; poll its count
    }
  }

  @Test
  void awaitReturnsTheTaskWhenItCompletes() throws Exception {
    String user = "awaiter";
    Api api = api(server.baseUrl(), user);
    String id = api.create("{\"title\":\"awaited\"}");
    try (TaskpulseClient client = client(server.baseUrl(), user)) {
      int before = server.node().hub().subscriptions();
      CompletableFuture<Task> done = Background.supply(() -> {
        try {
          return client.awaitFinished(id, Duration.ofSeconds(15));
        } catch (TimeoutException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      awaitHubSubscriptions(server, before + 1); // watching: the change below comes as an event
      api.post("/api/v1/tasks/" + id + "/start", null);
      api.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":90}");
      assertThat(done).isNotDone();
      api.post("/api/v1/tasks/" + id + "/complete", "{\"output\":{\"rows\":12}}");
      Task finished = done.get(10, TimeUnit.SECONDS);
      assertThat(finished.status()).isEqualTo("completed");
      assertThat(finished.output().get("rows").asInt()).isEqualTo(12);
      assertThat(finished.version()).isEqualTo(4);
      awaitHubSubscriptions(server, before); // await closed its subscription

      // Already true: the snapshot answers at once.
      assertThat(client.await(id, t -> t.version() >= 3, Duration.ofSeconds(5)).version())
          .isEqualTo(4);
    }
  }

  @Test
  void awaitTimesOutWhenTheTaskDoesNotFinishAndFailsForAMissingOrDeletedTask()
      throws Exception {
    String user = "impatient";
    Api api = api(server.baseUrl(), user);
    String idle = api.create("{\"title\":\"never finishes\"}");
    try (TaskpulseClient client = client(server.baseUrl(), user)) {
      int before = server.node().hub().subscriptions();
      long t0 = System.nanoTime();
      TimeoutException timeout = catchThrowableOfType(TimeoutException.class,
          () -> client.awaitFinished(idle, Duration.ofSeconds(1)));
      long waited = (System.nanoTime() - t0) / 1_000_000;
      assertThat(timeout).hasMessageContaining(idle);
      assertThat(waited).isBetween(1_000L, 4_000L);
      awaitHubSubscriptions(server, before);

      long t1 = System.nanoTime();
      TaskpulseException missing = catchThrowableOfType(TaskpulseException.class,
          () -> client.awaitFinished("999999", Duration.ofSeconds(10)));
      assertThat(missing.code()).isEqualTo("not_found");
      assertThat((System.nanoTime() - t1) / 1_000_000).isLessThan(5_000);

      CompletableFuture<Throwable> deleted = Background.supply(() ->
          catchThrowableOfType(TaskpulseException.class,
              () -> client.awaitFinished(idle, Duration.ofSeconds(15))));
      awaitHubSubscriptions(server, before + 1);
      assertThat(api.delete("/api/v1/tasks/" + idle).status()).isEqualTo(204);
      assertThat(((TaskpulseException) deleted.get(10, TimeUnit.SECONDS)).code())
          .isEqualTo("not_found");
    }
  }

  // ---- (f) ----

  @Test
  void aPermanentRefusalReportsErrorWithItsCodeAndIsNotRetried() throws Exception {
    String user = "refused";
    Recorder rec = new Recorder();
    try (TcpProxy proxy = TcpProxy.to(server.port());
        TaskpulseClient client = client(proxy.baseUrl(), user)) {
      Subscription sub = client.subscribe("task:999999", Filter.none(), rec);
      rec.awaitCount(ConnectionState.ERROR, 1);
      TaskpulseException cause = (TaskpulseException) rec.cause(ConnectionState.ERROR);
      assertThat(cause.code()).isEqualTo("not_found");
      assertThat(cause.status()).isEqualTo(404);
      assertThat(sub.state()).isEqualTo(ConnectionState.ERROR);
      assertThat(rec.states()).containsExactly(ConnectionState.CONNECTING, ConnectionState.ERROR);

      // Longer than the first backoff's ceiling (1 s), twice over: nothing comes back.
      Thread.sleep(2_500);
      assertThat(proxy.accepted()).isEqualTo(1);
      assertThat(proxy.open()).isZero(); // and its connection is closed, not left open
      assertThat(rec.states()).containsExactly(ConnectionState.CONNECTING, ConnectionState.ERROR);
      assertThat(rec.snapshots()).isEmpty();
      sub.close(); // no-op after the end
      assertThat(sub.state()).isEqualTo(ConnectionState.ERROR);
    }
  }

  @Test
  void refusedCredentialsStopTheSubscriptionInsteadOfRetrying() {
    Recorder rec = new Recorder();
    try (TaskpulseClient client = client(server.baseUrl(), () -> "not.a.token")) {
      Subscription sub = client.subscribe("tasks", Filter.none(), rec);
      rec.awaitCount(ConnectionState.ERROR, 1);
      TaskpulseException cause = (TaskpulseException) rec.cause(ConnectionState.ERROR);
      assertThat(cause.code()).isEqualTo("unauthorized");
      assertThat(cause.status()).isEqualTo(401);
      assertThat(sub.state()).isEqualTo(ConnectionState.ERROR);
    }
  }
}
