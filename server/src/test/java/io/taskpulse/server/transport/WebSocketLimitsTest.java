package io.taskpulse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Per-user and per-connection limits, and dead peers, on a node with small limits. */
class WebSocketLimitsTest {

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_MAX_CONNECTIONS_PER_USER", "2",
        "TASKPULSE_MAX_SUBSCRIPTIONS", "3", "TASKPULSE_HEARTBEAT_SECONDS", "1"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aUserPastTheConnectionLimitIsClosed4008AndASlotFreesOnClose() {
    String token = server.token("many", List.of(), false);
    try (WsClient a = WsClient.open(server.baseUrl(), token);
        WsClient b = WsClient.open(server.baseUrl(), token);
        WsClient c = WsClient.connect(server.baseUrl(), "?token=" + token)) {
      assertThat(c.nextOfType("error").get("code").asText()).isEqualTo("too_many_connections");
      assertThat(c.closeCode(3_000)).isEqualTo(4008);
      a.close();
      long deadline = System.currentTimeMillis() + 3_000;
      boolean admitted = false;
      while (!admitted && System.currentTimeMillis() < deadline) {
        try (WsClient d = WsClient.connect(server.baseUrl(), "?token=" + token)) {
          admitted = d.next().path("type").asText().equals("hello");
        }
      }
      assertThat(admitted).isTrue();
      assertThat(b.isClosed()).isFalse();
    }
  }

  @Test
  void aConnectionPastTheSubscriptionLimitIsClosed4008() {
    try (WsClient ws = WsClient.open(server.baseUrl(), server.token("subs", List.of(), false))) {
      for (int i = 0; i < 3; i++) {
        ws.subscribe("s" + i, "tasks", null, null);
        ws.nextOfType("snapshot");
      }
      ws.send("{\"type\":\"subscribe\",\"id\":\"s3\",\"stream\":\"tasks\"}");
      assertThat(ws.nextOfType("error").get("code").asText()).isEqualTo("too_many_subscriptions");
      assertThat(ws.closeCode(3_000)).isEqualTo(4008);
    }
  }

  @Test
  void aPeerThatNeverAnswersPingsIsDropped() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      OutputStream out = socket.getOutputStream();
      String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes());
      out.write(("GET /api/v1/ws?token=" + server.token("silent", List.of(), false)
          + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // Read everything the server sends (101, hello, pings) and never answer; the server
      // must close the connection after about two silent heartbeats.
      socket.setSoTimeout(10_000);
      InputStream in = socket.getInputStream();
      long t0 = System.nanoTime();
      byte[] buf = new byte[4096];
      while (in.read(buf) >= 0) {
        // discard
      }
      long tookMillis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(tookMillis).isBetween(1_500L, 8_000L);
    }
  }
}
