package io.taskpulse.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

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
        assertThat(text).contains("taskpulse_subscriptions{transport=\"websocket\"} 1.0");
        assertThat(text).contains("taskpulse_subscriptions{transport=\"sse\"} 0.0");
        assertThat(text).contains("taskpulse_events_appended_total 2.0");
        assertThat(text).contains("taskpulse_events_delivered_total 2.0");
        assertThat(text).contains("taskpulse_event_dispatch_latency_seconds_count 2");
        // Both events were written to the one live reader: once each, on its event loop.
        assertThat(text).contains("taskpulse_event_write_latency_seconds_count 2");
        assertThat(text).contains("taskpulse_readers_paused 0.0");
        assertThat(text).contains("taskpulse_tail_held 0.0");
        assertThat(text).contains("taskpulse_bus_lag_events ");
        assertThat(text).contains("taskpulse_bus_gaps_repaired_total ");
        assertThat(text).containsPattern("taskpulse_http_inflight [01]\\.0");
        assertThat(text).containsPattern(
            "taskpulse_http_requests_seconds_count\\{method=\"POST\",route=\"/api/v1/tasks\","
                + "status=\"201\"} 1");
        // The upgrade is taken before the router, and counted all the same.
        assertThat(text).containsPattern(
            "taskpulse_http_requests_seconds_count\\{method=\"GET\",route=\"/api/v1/ws\","
                + "status=\"101\"} 1");
        assertThat(text).contains("jvm_memory_used_bytes");
        assertThat(text).contains("jvm_gc_max_data_size_bytes");
        assertThat(text).contains("jvm_threads_live_threads");
      }
    }
  }

  @Test
  void theAccessLogWritesOneJsonLinePerRequestWithRouteStatusAndUser() throws Exception {
    Logger access = (Logger) LoggerFactory.getLogger("taskpulse.access");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    access.addAppender(lines);
    try (TestServer server = TestServer.start(null, Map.of("TASKPULSE_ACCESS_LOG", "true"))) {
      Api bob = server.as("access-bob");
      String id = bob.create("{\"title\":\"logged\"}");
      assertThat(bob.get("/api/v1/tasks/" + id).status()).isEqualTo(200);
      try (WsClient ws = WsClient.open(server.baseUrl(), bob.token())) {
        ws.send("{\"type\":\"ping\",\"id\":\"p\"}");
        ws.nextOfType("pong");
      }
      // The line is written once the reply has gone out: it may trail the client a moment.
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (lines.list.size() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      List<JsonNode> logged = new ArrayList<>();
      for (ILoggingEvent e : List.copyOf(lines.list)) {
        logged.add(Json.MAPPER.readTree(e.getFormattedMessage()));
      }
      assertThat(logged).anySatisfy(line -> {
        assertThat(line.get("method").asText()).isEqualTo("GET");
        assertThat(line.get("route").asText()).isEqualTo("/api/v1/tasks/:id");
        assertThat(line.get("path").asText()).isEqualTo("/api/v1/tasks/" + id);
        assertThat(line.get("status").asInt()).isEqualTo(200);
        assertThat(line.get("user").asText()).isEqualTo("access-bob");
        assertThat(line.get("micros").asLong()).isPositive();
      });
      // The WebSocket upgrade: the user is known only after it (first message or ?token=).
      assertThat(logged).anySatisfy(line -> {
        assertThat(line.get("route").asText()).isEqualTo("/api/v1/ws");
        assertThat(line.get("status").asInt()).isEqualTo(101);
        assertThat(line.get("remote").asText()).contains("127.0.0.1");
      });
    } finally {
      access.detachAppender(lines);
    }
  }

  @Test
  void withoutTheSettingNoAccessLineIsWritten() {
    Logger access = (Logger) LoggerFactory.getLogger("taskpulse.access");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    access.addAppender(lines);
    try (TestServer server = TestServer.start(null)) {
      server.as("quiet-carol").create("{\"title\":\"not logged\"}");
      assertThat(lines.list).isEmpty();
    } finally {
      access.detachAppender(lines);
    }
  }
}
