package io.taskpulse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.SseClient;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Account changes reach open connections on this node at once: a disabled account's
 * WebSocket and SSE stream are closed, a user removed from a team or stripped of the admin
 * role stops receiving what that gave, and a team is counted only while the token names it.
 */
class AccountChangesTest {

  static TestServer server;
  static Api admin;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"));
    admin = server.asAdmin();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Creates a built-in account and returns a login token for it. */
  static String account(String id, String roles) {
    assertThat(admin.post("/api/v1/users", "{\"id\":\"" + id + "\",\"password\":\"" + id
        + "-password\",\"roles\":" + roles + "}").status()).isEqualTo(201);
    return login(id);
  }

  static String login(String id) {
    Api.Response r = new Api(server.baseUrl(), null).post("/api/v1/auth/login",
        "{\"username\":\"" + id + "\",\"password\":\"" + id + "-password\"}");
    assertThat(r.status()).isEqualTo(200);
    return r.json().get("token").asText();
  }

  static WsClient watch(String token) {
    WsClient ws = WsClient.open(server.baseUrl(), token);
    ws.subscribe("s", "tasks", null, null);
    ws.nextOfType("snapshot");
    return ws;
  }

  static SseClient stream(String token) {
    SseClient sse = SseClient.open(server.baseUrl(), "?streams=tasks", token);
    sse.next("subscribed");
    sse.next("snapshot");
    return sse;
  }

  static void progress(Api as, String task, int progress) {
    assertThat(as.post("/api/v1/tasks/" + task + "/progress", "{\"progress\":" + progress + "}")
        .status()).isEqualTo(200);
  }

  @Test
  void disablingAnAccountClosesItsWebSocketWith4001AndEndsItsSseStreamAtOnce() {
    String token = account("dana", "[]");
    try (WsClient ws = watch(token); SseClient sse = stream(token);
        WsClient bystander = WsClient.open(server.baseUrl(),
            server.token("bystander", List.of(), false))) {
      long t0 = System.nanoTime();
      assertThat(admin.patch("/api/v1/users/dana", "{\"disabled\":true}").status())
          .isEqualTo(200);

      JsonNode error = ws.nextOfType("error");
      assertThat(error.get("code").asText()).isEqualTo("account_disabled");
      assertThat(ws.closeCode(2_000)).isEqualTo(4001);
      SseClient.Frame ended = sse.next("error");
      assertThat(ended.json().get("code").asText()).isEqualTo("account_disabled");
      assertThat(sse.endsWithin(2_000)).isTrue();
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);

      bystander.send("{\"type\":\"ping\",\"id\":\"p\"}");
      assertThat(bystander.nextOfType("pong").get("id").asText()).isEqualTo("p");
    }
    try (WsClient again = WsClient.connect(server.baseUrl(), null)) {
      again.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
      assertThat(again.nextOfType("error").get("code").asText()).isEqualTo("unauthorized");
      assertThat(again.closeCode(2_000)).isEqualTo(4001);
    }
  }

  /** The ids in a snapshot message (WebSocket) or frame (SSE). */
  static List<String> ids(JsonNode snapshot) {
    return snapshot.get("tasks").findValuesAsText("id");
  }

  /** The WebSocket subscription {@code id} was ended with {@code resubscribe}. */
  static void toldToResubscribe(WsClient ws, String id) {
    JsonNode error = ws.nextOfType("error");
    assertThat(error.get("code").asText()).isEqualTo("resubscribe");
    assertThat(error.get("id").asText()).isEqualTo(id);
    assertThat(error.get("message").asText()).contains("access changed");
  }

  /** The SSE stream said {@code resubscribe} and ended. */
  static void toldToResubscribe(SseClient sse) {
    assertThat(sse.next("error").json().get("code").asText()).isEqualTo("resubscribe");
    assertThat(sse.endsWithin(2_000)).isTrue();
  }

  @Test
  void aUserRemovedFromATeamStartsOverWithoutItsTasksAndHasThemBackWhenAddedAgain() {
    admin.post("/api/v1/teams", "{\"id\":\"ops\"}");
    account("finn", "[]");
    assertThat(admin.put("/api/v1/teams/ops/members/finn").status()).isEqualTo(200);
    String token = login("finn"); // names ops
    Api finn = new Api(server.baseUrl(), token);
    String opsTask = admin.create("{\"title\":\"ops work\",\"teamId\":\"ops\"}");
    String own = finn.create("{\"title\":\"finn's own\"}");
    WsClient ws = watch(token);
    SseClient sse = stream(token);
    try {
      progress(admin, opsTask, 10);
      assertThat(ws.events(1, 5_000).get(0).get("taskId").asText()).isEqualTo(opsTask);
      assertThat(sse.next().json().get("taskId").asText()).isEqualTo(opsTask);

      // Out of the team: no event says so (membership is not in the log), so the server ends
      // each subscription with resubscribe, and the new snapshot no longer holds the task.
      assertThat(admin.delete("/api/v1/teams/ops/members/finn").status()).isEqualTo(200);
      toldToResubscribe(ws, "s");
      toldToResubscribe(sse);
      ws.subscribe("s2", "tasks", null, null);
      assertThat(ids(ws.nextOfType("snapshot"))).contains(own).doesNotContain(opsTask);
      sse.close();
      sse = SseClient.open(server.baseUrl(), "?streams=tasks", token);
      sse.next("subscribed");
      assertThat(ids(sse.next("snapshot").json())).contains(own).doesNotContain(opsTask);
      progress(admin, opsTask, 20);
      progress(finn, own, 5); // still the owner: this one still arrives, and after the other
      assertThat(ws.events(1, 5_000).get(0).get("taskId").asText()).isEqualTo(own);
      assertThat(sse.next().json().get("taskId").asText()).isEqualTo(own);
      assertThat(ws.poll(300)).isNull();
      assertThat(finn.get("/api/v1/tasks/" + opsTask).status()).isEqualTo(404);
      assertThat(finn.get("/api/v1/me").json().get("teams")).isEmpty();

      // Back in the team: the token still names ops, so it counts again, from a snapshot.
      assertThat(admin.put("/api/v1/teams/ops/members/finn").status()).isEqualTo(200);
      toldToResubscribe(ws, "s2");
      toldToResubscribe(sse);
      ws.subscribe("s3", "tasks", null, null);
      assertThat(ids(ws.nextOfType("snapshot"))).contains(own, opsTask);
      progress(admin, opsTask, 30);
      assertThat(ws.events(1, 5_000).get(0).get("taskId").asText()).isEqualTo(opsTask);
      assertThat(finn.get("/api/v1/tasks/" + opsTask).status()).isEqualTo(200);
    } finally {
      ws.close();
      sse.close();
    }
  }

  @Test
  void aLongPollReaderWhoLeavesATeamIsToldToTakeANewSnapshotAndGetsNoneOfItsEvents()
      throws Exception {
    admin.post("/api/v1/teams", "{\"id\":\"late\"}");
    account("gus", "[]");
    assertThat(admin.put("/api/v1/teams/late/members/gus").status()).isEqualTo(200);
    Api gus = new Api(server.baseUrl(), login("gus")); // names late
    String lateTask = admin.create("{\"title\":\"late shift\",\"teamId\":\"late\"}");
    JsonNode snapshot = gus.get("/api/v1/tasks").json();
    assertThat(ids(snapshot)).contains(lateTask);
    String sight = snapshot.get("sight").asText();
    long offset = snapshot.get("offset").asLong();

    progress(admin, lateTask, 10);
    JsonNode page = gus.get("/api/v1/events?after=" + offset + "&sight=" + sight).json();
    assertThat(page.get("recovered").asBoolean()).isTrue();
    assertThat(page.get("events").findValuesAsText("taskId")).containsExactly(lateTask);
    assertThat(page.get("sight").asText()).isEqualTo(sight);
    long next = page.get("next").asLong();

    // A poll waiting when the team is left wakes on the next event and answers recovered:false
    // rather than that event (which the account may no longer see).
    CompletableFuture<JsonNode> waiting = CompletableFuture.supplyAsync(() ->
        gus.get("/api/v1/events?after=" + next + "&wait=20&sight=" + sight).json());
    Thread.sleep(300);
    assertThat(admin.delete("/api/v1/teams/late/members/gus").status()).isEqualTo(200);
    progress(admin, lateTask, 20);
    JsonNode woke = waiting.get(5, TimeUnit.SECONDS);
    assertThat(woke.get("recovered").asBoolean()).isFalse();
    assertThat(woke.get("reason").asText()).isEqualTo("access_changed");
    assertThat(woke.get("events")).isEmpty();
    String narrower = woke.get("sight").asText();
    assertThat(narrower).isNotEqualTo(sight);

    // A poll that starts with the old sight is told the same at once, even with nothing new.
    JsonNode told = gus.get("/api/v1/events?after=" + next + "&wait=20&sight=" + sight).json();
    assertThat(told.get("reason").asText()).isEqualTo("access_changed");
    // The new snapshot, then polls with the new sight, go on as usual.
    JsonNode again = gus.get("/api/v1/tasks").json();
    assertThat(ids(again)).doesNotContain(lateTask);
    assertThat(again.get("sight").asText()).isEqualTo(narrower);
    String own = gus.create("{\"title\":\"gus's own\"}");
    JsonNode after = gus.get("/api/v1/events?after=" + again.get("offset").asLong()
        + "&sight=" + narrower).json();
    assertThat(after.get("recovered").asBoolean()).isTrue();
    assertThat(after.get("events").findValuesAsText("taskId")).containsExactly(own);
  }

  @Test
  void aUserAddedToATeamSeesItsTasksWithANewTokenNotWithTheOldOne() {
    admin.post("/api/v1/teams", "{\"id\":\"design\"}");
    String old = account("gwen", "[]"); // names no team
    String task = admin.create("{\"title\":\"mock-ups\",\"teamId\":\"design\"}");
    assertThat(admin.put("/api/v1/teams/design/members/gwen").status()).isEqualTo(200);
    assertThat(new Api(server.baseUrl(), old).get("/api/v1/tasks/" + task).status())
        .isEqualTo(404);
    try (WsClient ws = watch(old)) {
      progress(admin, task, 10);
      assertThat(ws.poll(300)).isNull();

      // A token naming the team widens the connection's sight: its subscriptions start over.
      String fresh = login("gwen"); // names design
      ws.send("{\"type\":\"auth\",\"id\":\"a2\",\"token\":\"" + fresh + "\"}");
      assertThat(ws.nextOfType("authenticated").get("id").asText()).isEqualTo("a2");
      toldToResubscribe(ws, "s");
      ws.subscribe("s2", "tasks", null, null);
      assertThat(ids(ws.nextOfType("snapshot"))).contains(task);
      progress(admin, task, 20);
      assertThat(ws.events(1, 5_000).get(0).get("taskId").asText()).isEqualTo(task);
      assertThat(new Api(server.baseUrl(), fresh).get("/api/v1/tasks/" + task).status())
          .isEqualTo(200);

      // A refresh that changes nothing the user sees keeps the subscription.
      ws.send("{\"type\":\"auth\",\"id\":\"a3\",\"token\":\"" + login("gwen") + "\"}");
      assertThat(ws.nextOfType("authenticated").get("id").asText()).isEqualTo("a3");
      progress(admin, task, 30);
      assertThat(ws.events(1, 5_000).get(0).get("task").get("progress").asInt()).isEqualTo(30);
    }
  }

  @Test
  void anAdminWhoLosesTheRoleStopsSeeingOtherPeoplesTasksAtOnce() {
    String token = account("hal", "[\"admin\"]");
    Api stranger = server.as("stranger");
    String theirs = stranger.create("{\"title\":\"not hal's\"}");
    try (WsClient ws = watch(token)) {
      progress(stranger, theirs, 10);
      assertThat(ws.events(1, 5_000).get(0).get("taskId").asText()).isEqualTo(theirs);

      assertThat(admin.patch("/api/v1/users/hal", "{\"roles\":[]}").status()).isEqualTo(200);
      toldToResubscribe(ws, "s");
      ws.subscribe("s2", "tasks", null, null);
      assertThat(ids(ws.nextOfType("snapshot"))).doesNotContain(theirs);
      progress(stranger, theirs, 20);
      assertThat(ws.poll(500)).isNull();
      assertThat(new Api(server.baseUrl(), token).get("/api/v1/tasks/" + theirs).status())
          .isEqualTo(404);
      assertThat(ws.isClosed()).isFalse();
    }
  }
}
