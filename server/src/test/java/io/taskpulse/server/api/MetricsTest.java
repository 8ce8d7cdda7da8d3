package io.taskpulse.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void metricsCountConnectionsEventsDeliveriesAndRequestsInPrometheusFormat() {
    try (TestServer server = TestServer.start(null)) {
      Api alice = server.as("metrics-alice");
      try (WsClient ws = WsClient.open(server.baseUrl(), alice.token())) {
        ws.subscribe("s", "tasks", null, null);
        ws.nextOfType("snapshot");
        String id = alice.create("{\"title\":\"measured\"}");
        alice.post("/api/v1/tasks/" + id + "/start", null);
        ws.events(2, 5_000);
        Api.Response r = new Api(server.baseUrl(), null).get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        String text = r.text();
        assertThat(text).contains("taskpulse_connections{transport=\"websocket\"} 1.0");
        assertThat(text).contains("taskpulse_subscriptions 1.0");
        assertThat(text).contains("taskpulse_events_appended_total 2.0");
        assertThat(text).contains("taskpulse_events_delivered_total 2.0");
        assertThat(text).contains("taskpulse_event_dispatch_latency_seconds_count 2");
        assertThat(text).containsPattern(
            "taskpulse_http_requests_seconds_count\\{method=\"POST\",route=\"/api/v1/tasks\","
                + "status=\"201\"} 1");
        assertThat(text).contains("jvm_memory_used_bytes");
      }
    }
  }
}
