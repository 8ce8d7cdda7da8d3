package io.taskpulse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.SseClient;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.TwoNodes;
import io.taskpulse.server.testing.WsClient;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one PostgreSQL: an account disabled, or a member removed from a team, through
 * one node reaches the user's open connections on the other within the refresh interval (5 s).
 */
class AccountChangesAcrossNodesTest {

  /** The refresh interval of the other nodes, plus room for a loaded machine. */
  static final long WITHIN_MILLIS = 7_500;

  static TwoNodes nodes;
  static TestServer a;
  static TestServer b;

  @BeforeAll
  static void start() {
    nodes = TwoNodes.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"));
    a = nodes.a();
    b = nodes.b();
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  static String account(String id) {
    assertThat(a.asAdmin().post("/api/v1/users", "{\"id\":\"" + id + "\",\"password\":\"" + id
        + "-password\"}").status()).isEqualTo(201);
    return login(id);
  }

  static String login(String id) {
    Api.Response r = new Api(a.baseUrl(), null).post("/api/v1/auth/login",
        "{\"username\":\"" + id + "\",\"password\":\"" + id + "-password\"}");
    assertThat(r.status()).isEqualTo(200);
    return r.json().get("token").asText();
  }

  @Test
  void disablingOnOneNodeClosesTheUsersConnectionsOnTheOtherWithinTheRefreshInterval() {
    String token = account("ivan");
    try (WsClient onA = WsClient.open(a.baseUrl(), token);
        WsClient onB = WsClient.open(b.baseUrl(), token);
        SseClient sseOnB = SseClient.open(b.baseUrl(), "?streams=tasks", token)) {
      sseOnB.next("subscribed");
      long t0 = System.nanoTime();
      assertThat(a.asAdmin().patch("/api/v1/users/ivan", "{\"disabled\":true}").status())
          .isEqualTo(200);

      assertThat(onA.nextOfType("error").get("code").asText()).isEqualTo("account_disabled");
      assertThat(onA.closeCode(2_000)).isEqualTo(4001);
      long local = (System.nanoTime() - t0) / 1_000_000;

      assertThat(onB.next(WITHIN_MILLIS).path("code").asText()).isEqualTo("account_disabled");
      assertThat(onB.closeCode(2_000)).isEqualTo(4001);
      assertThat(sseOnB.endsWithin(WITHIN_MILLIS)).isTrue();
      long remote = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("account disabled: closed on the same node in %d ms, on the other in"
          + " %d ms%n", local, remote);
      assertThat(local).isLessThan(2_000);
      assertThat(remote).isLessThan(WITHIN_MILLIS);
      assertThat(new Api(b.baseUrl(), token).get("/api/v1/tasks").status()).isEqualTo(401);
    }
  }

  @Test
  void aTeamRemovalOnOneNodeStopsDeliveryOnTheOtherWithinTheRefreshInterval() {
    Api admin = a.asAdmin();
    admin.post("/api/v1/teams", "{\"id\":\"night\"}");
    account("jade");
    assertThat(admin.put("/api/v1/teams/night/members/jade").status()).isEqualTo(200);
    String token = login("jade");
    Api jadeOnB = new Api(b.baseUrl(), token);
    String teamTask = admin.create("{\"title\":\"night shift\",\"teamId\":\"night\"}");
    String own = jadeOnB.create("{\"title\":\"jade's own\"}");
    try (WsClient onB = WsClient.open(b.baseUrl(), token)) {
      onB.subscribe("s", "tasks", null, null);
      assertThat(onB.nextOfType("snapshot").get("tasks").findValuesAsText("id"))
          .contains(teamTask, own);

      long t0 = System.nanoTime();
      assertThat(admin.delete("/api/v1/teams/night/members/jade").status()).isEqualTo(200);
      // Node b hears of it within its refresh and starts the subscription over.
      JsonNode told = onB.next(WITHIN_MILLIS);
      assertThat(told.path("type").asText()).isEqualTo("error");
      assertThat(told.path("code").asText()).isEqualTo("resubscribe");
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(WITHIN_MILLIS);
      assertThat(jadeOnB.get("/api/v1/tasks/" + teamTask).status()).isEqualTo(404);
      onB.subscribe("s2", "tasks", null, null);
      assertThat(onB.nextOfType("snapshot").get("tasks").findValuesAsText("id"))
          .contains(own).doesNotContain(teamTask);
      assertThat(admin.post("/api/v1/tasks/" + teamTask + "/progress", "{\"progress\":50}")
          .status()).isEqualTo(200);
      assertThat(jadeOnB.post("/api/v1/tasks/" + own + "/progress", "{\"progress\":5}")
          .status()).isEqualTo(200);
      assertThat(onB.events(1, 5_000).get(0).get("taskId").asText()).isEqualTo(own);
      assertThat(onB.poll(300)).isNull();
    }
  }

}
