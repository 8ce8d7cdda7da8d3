package io.taskpulse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShutdownTest {

  @Test
  void stoppingANodeClosesItsWebSocketsWith1001() {
    TestServer server = TestServer.start(null);
    WsClient ws = WsClient.open(server.baseUrl(), server.token("leaving", List.of(), false));
    ws.subscribe("s", "tasks", null, null);
    server.close();
    assertThat(ws.closeCode(5_000)).isEqualTo(1001);
  }
}
