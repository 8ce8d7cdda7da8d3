package io.taskpulse.server.bus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.TestRedis;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two deployments on different databases may share one Redis: each log's epoch names its
 * channels, so neither ever takes the other's offsets for its own.
 */
class SharedRedisTest {

  @Test
  void twoDeploymentsOnOneRedisNeverDeliverEachOthersEvents() throws Exception {
    try (TestRedis redis = TestRedis.shared();
        TestServer a = TestServer.start(null, Map.of("TASKPULSE_REDIS_URL", redis.url()));
        TestServer b = TestServer.start(null, Map.of("TASKPULSE_REDIS_URL", redis.url()))) {
      awaitBusUp(a);
      awaitBusUp(b);
      try (WsClient watcher = WsClient.open(a.baseUrl(), a.token("admin", java.util.List.of(),
          true))) {
        watcher.subscribe("s", "tasks", null, null);
        watcher.nextOfType("snapshot");
        Api onB = b.asAdmin();
        for (int i = 0; i < 3; i++) {
          onB.create("{\"title\":\"of deployment B\"}"); // offsets 1..3 of B's log
        }
        Thread.sleep(300);
        a.asAdmin().create("{\"title\":\"of deployment A\"}"); // offset 1 of A's log
        JsonNode event = watcher.events(1, 5_000).get(0);
        assertThat(event.at("/task/title").asText()).isEqualTo("of deployment A");
        assertThat(watcher.poll(500)).isNull();
      }
    }
  }

  private static void awaitBusUp(TestServer node) throws InterruptedException {
    Api anonymous = new Api(node.baseUrl(), null);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!"up".equals(anonymous.get("/health/ready").json().path("bus").asText())) {
      assertThat(System.nanoTime()).as("the bus of " + node.baseUrl() + " is up")
          .isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
