package io.taskpulse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.TestRedis;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.TwoNodes;
import io.taskpulse.server.testing.WsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one PostgreSQL and one Redis: a node that changes an account says so on the
 * bus, and the other reloads at once rather than at its next periodic refresh (every 5 s,
 * which {@link AccountChangesAcrossNodesTest} covers without Redis).
 */
class AccountChangesOverRedisTest {

  /** Well under the 5 s refresh: four rounds in a row could not all be that lucky. */
  static final long WITHIN_MILLIS = 1_500;

  static TwoNodes nodes;
  static TestServer a;
  static TestServer b;

  @BeforeAll
  static void start() {
    nodes = TwoNodes.start(TestRedis.shared(), Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"));
    a = nodes.a();
    b = nodes.b();
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  void membershipChangesOnOneNodeRestartSubscriptionsOnTheOtherWithinASecondOrSo() {
    Api admin = a.asAdmin();
    assertThat(admin.post("/api/v1/teams", "{\"id\":\"dawn\"}").status()).isEqualTo(201);
    assertThat(admin.post("/api/v1/users", "{\"id\":\"kim\",\"password\":\"kim-password\"}")
        .status()).isEqualTo(201);
    assertThat(admin.put("/api/v1/teams/dawn/members/kim").status()).isEqualTo(200);
    Api.Response login = new Api(a.baseUrl(), null).post("/api/v1/auth/login",
        "{\"username\":\"kim\",\"password\":\"kim-password\"}");
    assertThat(login.status()).isEqualTo(200);
    String token = login.json().get("token").asText(); // names team dawn
    String teamTask = admin.create("{\"title\":\"dawn patrol\",\"teamId\":\"dawn\"}");

    List<Long> took = new ArrayList<>();
    try (WsClient onB = WsClient.open(b.baseUrl(), token)) {
      for (int round = 0; round < 4; round++) {
        boolean removing = round % 2 == 0;
        onB.subscribe("s" + round, "tasks", null, null);
        List<String> ids = onB.nextOfType("snapshot").get("tasks").findValuesAsText("id");
        if (removing) {
          assertThat(ids).contains(teamTask);
        } else {
          assertThat(ids).doesNotContain(teamTask);
        }

        long t0 = System.nanoTime();
        Api.Response changed = removing ? admin.delete("/api/v1/teams/dawn/members/kim")
            : admin.put("/api/v1/teams/dawn/members/kim");
        assertThat(changed.status()).isEqualTo(200);
        JsonNode told = onB.next(WITHIN_MILLIS);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(told.path("code").asText()).as("round %d, after %d ms", round, millis)
            .isEqualTo("resubscribe");
        took.add(millis);
      }
      onB.subscribe("last", "tasks", null, null);
      assertThat(onB.nextOfType("snapshot").get("tasks").findValuesAsText("id"))
          .contains(teamTask); // a member again, and the token names the team
    }
    System.out.println("account change on node a reached node b's subscription in " + took + " ms");
    assertThat(took).allSatisfy(ms -> assertThat(ms).isLessThan(WITHIN_MILLIS));
  }
}
