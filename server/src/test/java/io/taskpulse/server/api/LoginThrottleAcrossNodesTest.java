package io.taskpulse.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.TestRedis;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.TwoNodes;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one PostgreSQL and one Redis: failed sign-ins spread over the nodes count
 * together (a guesser behind a load balancer gets no more tries than at one node), and a
 * success on one node clears the name's failures on the other.
 */
class LoginThrottleAcrossNodesTest {

  /** Time for a notice to cross Redis: milliseconds here, with room for a loaded machine. */
  static final long SETTLE_MILLIS = 250;

  static TwoNodes nodes;
  static TestServer a;
  static TestServer b;

  @BeforeAll
  static void start() {
    nodes = TwoNodes.start(TestRedis.shared(), Map.of());
    a = nodes.a();
    b = nodes.b();
    assertThat(a.asAdmin().post("/api/v1/users", "{\"id\":\"vera\",\"password\":\"vera-password\"}")
        .status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  static Api.Response login(TestServer node, String password) {
    return new Api(node.baseUrl(), null).post("/api/v1/auth/login",
        "{\"username\":\"vera\",\"password\":\"" + password + "\"}");
  }

  @Test
  void failuresOnTwoNodesCountTogetherAndASuccessClearsThemEverywhere() throws Exception {
    // Five failures are free for a name: three on a, two on b. Counted apart, neither node
    // would refuse the next try; counted together, both do.
    for (int i = 0; i < 3; i++) {
      assertThat(login(a, "wrong-" + i).status()).isEqualTo(401);
    }
    Thread.sleep(SETTLE_MILLIS);
    for (int i = 3; i < 5; i++) {
      assertThat(login(b, "wrong-" + i).status()).isEqualTo(401);
    }
    Thread.sleep(SETTLE_MILLIS);
    Api.Response refused = login(a, "vera-password");
    assertThat(refused.status()).as("a counts b's failures").isEqualTo(429);
    assertThat(refused.header("Retry-After")).isEqualTo("1");

    // After the block, the right password on a; b then forgets the failures too: four more
    // wrong ones there are all checked (without the forgetting, the second would be refused).
    Thread.sleep(1_100);
    assertThat(login(a, "vera-password").status()).isEqualTo(200);
    Thread.sleep(SETTLE_MILLIS);
    for (int i = 0; i < 4; i++) {
      assertThat(login(b, "again-" + i).status()).as("try %d on b", i).isEqualTo(401);
    }
  }
}
