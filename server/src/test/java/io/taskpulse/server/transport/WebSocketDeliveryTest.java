package io.taskpulse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Live delivery over real WebSockets: snapshot, seams, resume, visibility, expiry. */
class WebSocketDeliveryTest {

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String token(String user, String... teams) {
    return server.token(user, List.of(teams), false);
  }

  @Test
  void aSnapshotThenLiveEventsLoseAndDoubleNothingAtTheSeamUnderConcurrentWrites()
      throws Exception {
    Api owner = server.as("seam-owner", "seam");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(owner.create("{\"title\":\"seam " + i + "\",\"teamId\":\"seam\"}"));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> writers = new ArrayList<>();
    for (String id : ids) {
      writers.add(pool.submit(() -> {
        for (int i = 1; i <= 100; i++) {
          owner.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":" + i + "}");
        }
        return null;
      }));
    }
    Thread.sleep(100); // subscribe while the writers are busy
    try (WsClient ws = WsClient.open(server.baseUrl(), token("seam-reader", "seam"))) {
      JsonNode subscribed = ws.subscribe("s1", "tasks", null, null);
      assertThat(subscribed.get("recovered").asBoolean()).isFalse();
      JsonNode snapshot = ws.nextOfType("snapshot");
      long offset = snapshot.get("offset").asLong();
      assertThat(offset).isEqualTo(subscribed.get("offset").asLong());
      Map<String, Long> versions = new HashMap<>();
      snapshot.get("tasks").forEach(t -> versions.put(t.get("id").asText(),
          t.get("version").asLong()));
      assertThat(versions.keySet()).containsExactlyInAnyOrderElementsOf(ids);
      for (Future<?> w : writers) {
        w.get(60, TimeUnit.SECONDS);
      }
      int expected = (int) ids.stream().mapToLong(id -> 101 - versions.get(id)).sum();
      List<JsonNode> events = ws.events(expected, 10_000);
      long last = offset;
      for (JsonNode e : events) {
        assertThat(e.get("offset").asLong()).isGreaterThan(last);
        last = e.get("offset").asLong();
        String task = e.get("taskId").asText();
        assertThat(e.get("version").asLong()).isEqualTo(versions.get(task) + 1);
        versions.put(task, e.get("version").asLong());
      }
      assertThat(versions.values()).containsOnly(101L);
      assertThat(ws.poll(300)).isNull();
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aResumeAfterADropDeliversExactlyTheChangesMadeMeanwhileInOrder() {
    Api owner = server.as("resumer");
    String id = owner.create("{\"title\":\"resume\"}");
    long afterCreate;
    String epoch;
    try (WsClient ws = WsClient.open(server.baseUrl(), token("resumer"))) {
      JsonNode sub = ws.subscribe("s1", "task:" + id, null, null);
      epoch = sub.get("epoch").asText();
      JsonNode snapshot = ws.nextOfType("snapshot");
      afterCreate = snapshot.get("offset").asLong();
      ws.abort(); // a dropped TCP connection
    }
    List<Long> offsets = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      JsonNode t = owner.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":" + (i % 100)
          + ",\"message\":\"step " + i + "\"}").json();
      assertThat(t.get("version").asLong()).isEqualTo(i + 2);
    }
    for (JsonNode e : LogReader.readAll(server.asAdmin())) {
      if (e.get("offset").asLong() > afterCreate && e.get("taskId").asText().equals(id)) {
        offsets.add(e.get("offset").asLong());
      }
    }
    assertThat(offsets).hasSize(500);
    try (WsClient ws = WsClient.open(server.baseUrl(), token("resumer"))) {
      JsonNode sub = ws.subscribe("s1", "task:" + id, afterCreate, epoch);
      assertThat(sub.get("recovered").asBoolean()).isTrue();
      List<JsonNode> events = ws.events(500, 10_000);
      assertThat(events).extracting(e -> e.get("offset").asLong()).containsExactlyElementsOf(offsets);
      assertThat(events.get(499).get("task").get("progressMessage").asText())
          .isEqualTo("step 499");
      assertThat(ws.poll(300)).isNull();
    }
  }

  @Test
  void aResumeFromAnOffsetPastRetentionGetsASnapshotInstead() throws Exception {
    Api owner = server.as("trimmed");
    String id = owner.create("{\"title\":\"old\"}");
    long before = owner.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
    owner.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":5}");
    EventLog log = new EventLog();
    long head = server.node().db().read(log::position).head();
    server.node().db().write(tx -> log.trim(tx, Instant.now().plusSeconds(5), 1_000_000, 1_000_000));
    assertThat(server.node().db().read(log::position).trimmedTo()).isEqualTo(head);
    try (WsClient ws = WsClient.open(server.baseUrl(), token("trimmed"))) {
      JsonNode sub = ws.subscribe("s1", "tasks", before - 1, null);
      assertThat(sub.get("recovered").asBoolean()).isFalse();
      JsonNode snapshot = ws.nextOfType("snapshot");
      assertThat(snapshot.get("tasks").findValuesAsText("id")).contains(id);
      assertThat(snapshot.get("tasks").get(0).get("progress").asInt()).isEqualTo(5);
    }
  }

  @Test
  void theVisibilityMatrixHoldsOnLiveStreamsAndAStrangerReceivesNothing() {
    Map<String, WsClient> clients = new HashMap<>();
    clients.put("owner", WsClient.open(server.baseUrl(), token("vm-owner")));
    clients.put("assignee", WsClient.open(server.baseUrl(), token("vm-agent")));
    clients.put("team", WsClient.open(server.baseUrl(), token("vm-member", "vm-team")));
    clients.put("shared", WsClient.open(server.baseUrl(), token("vm-friend")));
    clients.put("admin", WsClient.open(server.baseUrl(), server.token("vm-admin", List.of(),
        true)));
    WsClient stranger = WsClient.open(server.baseUrl(), token("vm-stranger", "other-team"));
    try {
      long head = server.asAdmin().get("/api/v1/tasks?limit=1").json().get("offset").asLong();
      for (WsClient c : clients.values()) {
        c.subscribe("s", "tasks", head, null);
      }
      stranger.subscribe("s", "tasks", head, null);
      Api owner = new Api(server.baseUrl(), token("vm-owner", "vm-team"));
      String id = owner.create("{\"title\":\"matrix\",\"teamId\":\"vm-team\","
          + "\"assignee\":\"vm-agent\"}");
      owner.put("/api/v1/tasks/" + id + "/shares/vm-friend");
      owner.post("/api/v1/tasks/" + id + "/start", null);
      for (Map.Entry<String, WsClient> c : clients.entrySet()) {
        boolean sharedLater = c.getKey().equals("shared");
        List<JsonNode> events = new ArrayList<>();
        while (events.size() < (sharedLater ? 2 : 3)) {
          JsonNode e = c.getValue().nextOfType("event").get("event");
          if (e.get("taskId").asText().equals(id)) {
            events.add(e);
          }
        }
        // The shared user learns of the task from the event that gave it sight.
        assertThat(events).as(c.getKey()).extracting(e -> e.get("type").asText())
            .containsExactlyElementsOf(sharedLater
                ? List.of("task.shared", "task.status_changed")
                : List.of("task.created", "task.shared", "task.status_changed"));
      }
      assertThat(stranger.poll(500)).isNull();
      stranger.send("{\"type\":\"subscribe\",\"id\":\"t\",\"stream\":\"task:" + id + "\"}");
      JsonNode refused = stranger.nextOfType("error");
      assertThat(refused.get("code").asText()).isEqualTo("not_found");
      assertThat(stranger.poll(300)).isNull();
    } finally {
      clients.values().forEach(WsClient::close);
      stranger.close();
    }
  }

  @Test
  void sharingAndUnsharingMakeATaskAppearAndVanishLive() {
    Api alice = server.as("share-alice");
    String id = alice.create("{\"title\":\"for bob soon\",\"assignee\":\"share-carl\"}");
    try (WsClient bob = WsClient.open(server.baseUrl(), token("share-bob"));
        WsClient carl = WsClient.open(server.baseUrl(), token("share-carl"))) {
      long head = alice.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
      bob.subscribe("s", "tasks", head, null);
      carl.subscribe("s", "tasks", head, null);
      alice.put("/api/v1/tasks/" + id + "/shares/share-bob");
      assertThat(bob.nextOfType("event").at("/event/type").asText()).isEqualTo("task.shared");
      alice.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":10}");
      assertThat(bob.nextOfType("event").at("/event/type").asText()).isEqualTo("task.progress");
      alice.delete("/api/v1/tasks/" + id + "/shares/share-bob");
      JsonNode gone = bob.nextOfType("event").get("event");
      assertThat(gone.get("type").asText()).isEqualTo("task.unshared");

      // carl keeps sight through bob's unshare: to him it is an update naming the share,
      // since task.unshared always means "you lost sight".
      assertThat(carl.nextOfType("event").at("/event/type").asText()).isEqualTo("task.shared");
      assertThat(carl.nextOfType("event").at("/event/type").asText()).isEqualTo("task.progress");
      JsonNode kept = carl.nextOfType("event").get("event");
      assertThat(kept.get("type").asText()).isEqualTo("task.updated");
      assertThat(kept.at("/changes/sharedWith").toString()).isEqualTo("[[\"share-bob\"],[]]");
      assertThat(kept.at("/task/sharedWith")).isEmpty();

      // Reassigned away: carl hears it as losing the task, then nothing more.
      alice.patch("/api/v1/tasks/" + id, "{\"assignee\":\"share-dave\"}");
      JsonNode lost = carl.nextOfType("event").get("event");
      assertThat(lost.get("type").asText()).isEqualTo("task.unshared");
      assertThat(lost.get("task").get("assignee").asText()).isEqualTo("share-dave");
      alice.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":20}");
      assertThat(bob.poll(400)).isNull();
      assertThat(carl.poll(100)).isNull();
    }
  }

  @Test
  void aTokenExpiryClosesTheConnectionWithin1SecondUnlessRefreshed() {
    String shortLived = server.node().tokens().sign("expiring", List.of(), false,
        Duration.ofMillis(1500));
    String alsoShort = server.node().tokens().sign("refreshing", List.of(), false,
        Duration.ofMillis(1500));
    try (WsClient expiring = WsClient.open(server.baseUrl(), shortLived);
        WsClient refreshing = WsClient.open(server.baseUrl(), alsoShort)) {
      refreshing.send("{\"type\":\"auth\",\"id\":\"a2\",\"token\":\""
          + server.node().tokens().sign("refreshing", List.of(), false, Duration.ofMinutes(5))
          + "\"}");
      assertThat(refreshing.nextOfType("authenticated").get("id").asText()).isEqualTo("a2");
      long t0 = System.nanoTime();
      JsonNode error = expiring.nextOfType("error");
      assertThat(error.get("code").asText()).isEqualTo("token_expired");
      assertThat(expiring.closeCode(2_000)).isEqualTo(4001);
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_500);
      refreshing.send("{\"type\":\"ping\",\"id\":\"p1\"}");
      assertThat(refreshing.nextOfType("pong").get("id").asText()).isEqualTo("p1");
      assertThat(refreshing.isClosed()).isFalse();
    }
  }

  @Test
  void theTokenMayComeOnTheUpgradeUrlAndABadOneIsClosed4001() {
    try (WsClient ok = WsClient.connect(server.baseUrl(), "?token=" + token("url-user"))) {
      assertThat(ok.nextOfType("hello").get("user").asText()).isEqualTo("url-user");
    }
    try (WsClient bad = WsClient.connect(server.baseUrl(), null)) {
      bad.send("{\"type\":\"auth\",\"token\":\"forged.token.here\"}");
      assertThat(bad.nextOfType("error").get("code").asText()).isEqualTo("unauthorized");
      assertThat(bad.closeCode(2_000)).isEqualTo(4001);
    }
    try (WsClient early = WsClient.connect(server.baseUrl(), null)) {
      early.send("{\"type\":\"subscribe\",\"id\":\"s\",\"stream\":\"tasks\"}");
      assertThat(early.closeCode(2_000)).isEqualTo(4001);
    }
  }

  @Test
  void aPageFromAnotherOriginIsRefusedUnlessAllowed() {
    Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() ->
        WsClient.connect(server.baseUrl(), null, "https://evil.example"));
    assertThat(refused).isNotNull();
    try (WsClient same = WsClient.connect(server.baseUrl(), "?token=" + token("origin-user"),
        "http://127.0.0.1:" + server.port())) {
      assertThat(same.nextOfType("hello")).isNotNull();
    }
  }

  @Test
  void malformedMessagesAndBrokenLimitsGetTheirCodesAndNeighboursKeepReceiving() {
    Api writer = server.as("neighbour");
    String id = writer.create("{\"title\":\"keeps going\"}");
    try (WsClient neighbour = WsClient.open(server.baseUrl(), token("neighbour"))) {
      neighbour.subscribe("s", "task:" + id, null, null);
      neighbour.nextOfType("snapshot");

      assertClosed("{not json", 4400);
      assertClosed("{\"type\":\"dance\"}", 4400);
      assertClosed("[1,2,3]", 4400);
      assertClosed("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(20_000) + "\"}", 4008);
      try (WsClient c = WsClient.open(server.baseUrl(), token("limits"))) {
        c.send("{\"type\":\"subscribe\",\"id\":\"x\",\"stream\":\"everything\"}");
        JsonNode err = c.nextOfType("error");
        assertThat(err.get("code").asText()).isEqualTo("validation_failed");
        assertThat(err.get("id").asText()).isEqualTo("x");
        c.send("{\"type\":\"subscribe\",\"id\":\"y\",\"stream\":\"task:999999\"}");
        assertThat(c.nextOfType("error").get("code").asText()).isEqualTo("not_found");
        c.send("{\"type\":\"subscribe\",\"id\":\"z\",\"stream\":\"tasks\",\"filter\":"
            + "{\"status\":[\"sleeping\"]}}");
        assertThat(c.nextOfType("error").get("code").asText()).isEqualTo("validation_failed");
        c.send("{\"type\":\"unsubscribe\",\"id\":\"nope\"}");
        assertThat(c.nextOfType("error").get("code").asText()).isEqualTo("not_found");
        assertThat(c.isClosed()).isFalse();
      }
      try (WsClient flood = WsClient.open(server.baseUrl(), token("flooder"))) {
        for (int i = 0; i < 200 && !flood.isClosed(); i++) {
          flood.send("{\"type\":\"ping\",\"id\":\"p" + i + "\"}");
        }
        assertThat(flood.closeCode(3_000)).isEqualTo(4008);
      } catch (java.util.concurrent.CompletionException sendAfterClose) {
        // the server closed while we were still sending: that is the point
      }

      writer.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":1}");
      assertThat(neighbour.nextOfType("event").at("/event/type").asText())
          .isEqualTo("task.progress");
    }
  }

  @Test
  void unsubscribeStopsTheStream() {
    Api owner = server.as("unsub");
    String id = owner.create("{\"title\":\"u\"}");
    try (WsClient ws = WsClient.open(server.baseUrl(), token("unsub"))) {
      ws.subscribe("s1", "task:" + id, null, null);
      ws.nextOfType("snapshot");
      ws.send("{\"type\":\"unsubscribe\",\"id\":\"s1\"}");
      assertThat(ws.nextOfType("unsubscribed").get("id").asText()).isEqualTo("s1");
      owner.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":3}");
      assertThat(ws.poll(400)).isNull();
    }
  }

  @Test
  void aFilterNarrowsTheStreamAndHearsTasksLeavingIt() {
    Api owner = server.as("filterer");
    String id = owner.create("{\"title\":\"f\"}");
    try (WsClient ws = WsClient.open(server.baseUrl(), token("filterer"))) {
      long head = owner.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
      ws.send("{\"type\":\"subscribe\",\"id\":\"r\",\"stream\":\"tasks\",\"after\":" + head
          + ",\"filter\":{\"status\":[\"running\"]}}");
      ws.nextOfType("subscribed");
      owner.patch("/api/v1/tasks/" + id, "{\"title\":\"renamed while pending\"}");
      owner.post("/api/v1/tasks/" + id + "/start", null);
      owner.post("/api/v1/tasks/" + id + "/complete", null);
      owner.post("/api/v1/tasks/" + id + "/reopen", null);
      List<JsonNode> events = ws.events(2, 5_000);
      assertThat(events).extracting(e -> e.get("task").get("status").asText())
          .containsExactly("running", "completed");
      assertThat(ws.poll(300)).isNull();
    }
  }

  @Test
  void aFilteredSubscriptionGetsAFilteredSnapshot() {
    Api owner = server.as("snap-filter");
    String running = owner.create("{\"title\":\"on\"}");
    owner.create("{\"title\":\"waiting\"}");
    owner.post("/api/v1/tasks/" + running + "/start", null);
    try (WsClient ws = WsClient.open(server.baseUrl(), token("snap-filter"))) {
      ws.send("{\"type\":\"subscribe\",\"id\":\"r\",\"stream\":\"tasks\","
          + "\"filter\":{\"status\":[\"running\"]}}");
      ws.nextOfType("subscribed");
      assertThat(ws.nextOfType("snapshot").get("tasks").findValuesAsText("id"))
          .containsExactly(running);
    }
  }

  private static void assertClosed(String message, int code) {
    try (WsClient c = WsClient.open(server.baseUrl(), token("rule-breaker"))) {
      c.send(message);
      assertThat(c.closeCode(3_000)).as(message.substring(0, Math.min(30, message.length())))
          .isEqualTo(code);
    }
  }
}
