package io.taskpulse.server.mcp;

import static io.taskpulse.server.mcp.McpHttpTest.BOTH;
import static io.taskpulse.server.mcp.McpHttpTest.PATH;
import static io.taskpulse.server.mcp.McpHttpTest.call;
import static io.taskpulse.server.mcp.McpHttpTest.initialize;
import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.store.Db;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.TestDatabases;
import io.taskpulse.server.testing.TestServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Sessions in the database: any node serves them, and they end, expire and stay bounded. */
class McpSessionsTest {

  @Test
  void aSessionOpenedOnOneNodeWorksOnAnotherAndEndsOnBoth() {
    String url = TestDatabases.freshPostgres();
    try (TestServer a = TestServer.start(url); TestServer b = TestServer.start(url)) {
      String token = a.token("roaming", List.of(), false);
      Api onA = new Api(a.baseUrl(), token);
      Api onB = new Api(b.baseUrl(), token);
      Response init = onA.send("POST", PATH, initialize("2025-06-18"), Map.of("Accept", BOTH));
      String session = init.header("Mcp-Session-Id");
      Map<String, String> h = Map.of("Accept", BOTH, "Mcp-Session-Id", session,
          "MCP-Protocol-Version", "2025-06-18");
      assertThat(onB.send("POST", PATH, "{\"jsonrpc\":\"2.0\",\"method\":"
          + "\"notifications/initialized\"}", h).status()).isEqualTo(202);
      Response created = onB.send("POST", PATH, call("create_task", "{\"title\":\"made on b\"}",
          null), h);
      assertThat(created.status()).isEqualTo(200);
      String id = created.json().at("/result/structuredContent/id").asText();
      Response read = onA.send("POST", PATH, call("get_task", "{\"id\":\"" + id + "\"}", null), h);
      assertThat(read.json().at("/result/structuredContent/title").asText())
          .isEqualTo("made on b");
      assertThat(onB.send("DELETE", PATH, null, h).status()).isEqualTo(204);
      assertThat(onA.send("POST", PATH, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}", h)
          .status()).isEqualTo(404);
    } finally {
      TestDatabases.dropPostgres(url);
    }
  }

  @Test
  void anIdleSessionExpiresAndEachUserKeepsAtMostAHundred() {
    try (Db db = Db.open(TestDatabases.sqlite(), 2)) {
      AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T10:00:00Z"));
      Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now.get();
        }
      };
      McpSessions sessions = new McpSessions(db, clock, Duration.ofHours(1));
      McpSessions.Session kept = sessions.open("u", "2025-06-18", "c", "1", "{}");
      McpSessions.Session idle = sessions.open("u", "2025-06-18", "c", "1", "{}");
      now.set(now.get().plus(Duration.ofMinutes(50)));
      assertThat(sessions.use(kept.id(), "u")).isPresent(); // marked used now
      assertThat(sessions.use(kept.id(), "someone-else")).isEmpty();
      now.set(now.get().plus(Duration.ofMinutes(20)));
      assertThat(sessions.use(idle.id(), "u")).isEmpty(); // 70 min unused
      assertThat(sessions.use(kept.id(), "u")).isPresent(); // 20 min unused
      assertThat(sessions.expire()).isEqualTo(1);

      Set<String> opened = new HashSet<>();
      for (int i = 0; i < McpSessions.MAX_PER_USER + 5; i++) {
        now.set(now.get().plusMillis(1));
        opened.add(sessions.open("busy", "2025-06-18", "c", "1", "{}").id());
      }
      long live = opened.stream().filter(id -> sessions.use(id, "busy").isPresent()).count();
      assertThat(live).isEqualTo(McpSessions.MAX_PER_USER);
      assertThat(sessions.use(kept.id(), "u")).isPresent(); // other users keep theirs
      assertThat(sessions.end(kept.id(), "u")).isTrue();
      assertThat(sessions.end(kept.id(), "u")).isFalse();
    }
  }
}
