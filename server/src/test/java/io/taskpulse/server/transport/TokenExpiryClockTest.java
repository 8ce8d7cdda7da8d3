package io.taskpulse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.testing.SseClient;
import io.taskpulse.server.testing.TestClock;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A connection's token expires by the node's clock, the one its tokens are checked against:
 * a node whose clock is an hour behind keeps a connection whose token it still accepts, and
 * closes it once its clock passes the expiry, even when the clock is moved.
 */
class TokenExpiryClockTest {

  static final TestClock CLOCK = new TestClock(Instant.now().minus(Duration.ofHours(1)));
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_HEARTBEAT_SECONDS", "1"), CLOCK);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aWebSocketLivesUntilItsTokenExpiresByTheNodesClockAndNotByTheSystemsClock() {
    String token = server.node().tokens().sign("clocked", List.of(), false,
        Duration.ofMinutes(10));
    try (WsClient ws = WsClient.open(server.baseUrl(), token)) {
      // By the system's clock this token ran out 50 minutes ago; by the node's it has 10 left.
      assertThat(ws.poll(1_500)).isNull();
      assertThat(ws.isClosed()).isFalse();

      CLOCK.advance(Duration.ofMinutes(11));
      assertThat(ws.nextOfType("error").get("code").asText()).isEqualTo("token_expired");
      assertThat(ws.closeCode(3_000)).isEqualTo(4001);
    }
  }

  @Test
  void anSseStreamLivesUntilItsTokenExpiresByTheNodesClock() {
    String token = server.node().tokens().sign("clocked-sse", List.of(), false,
        Duration.ofMinutes(10));
    try (SseClient sse = SseClient.open(server.baseUrl(), "?streams=tasks", token)) {
      sse.next("subscribed");
      sse.next("snapshot");
      assertThat(sse.endsWithin(1_500)).isFalse();

      CLOCK.advance(Duration.ofMinutes(11));
      assertThat(sse.next("error").json().get("code").asText()).isEqualTo("token_expired");
      assertThat(sse.endsWithin(3_000)).isTrue();
    }
  }
}
