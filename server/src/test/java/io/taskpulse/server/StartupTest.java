package io.taskpulse.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.ServerProcess;
import io.taskpulse.server.testing.TestDatabases;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A node whose database or broker is not there yet says so and waits; no stack traces. */
class StartupTest {

  @Test
  void anUnreachableDatabaseIsReportedPlainlyAndRetried() throws Exception {
    int closedPort = ServerProcess.freePort();
    try (ServerProcess node = ServerProcess.launch(Files.createTempDirectory("tp-nodb"),
        ServerProcess.freePort(), Map.of("TASKPULSE_DATABASE_URL",
            "jdbc:postgresql://127.0.0.1:" + closedPort + "/taskpulse?user=x&password=hidden"))) {
      assertThat(node.awaitOutput("retrying in 2 s", 30_000)).as(node.output().toString())
          .isTrue();
      assertThat(node.output()).anyMatch(l -> l.contains("not reachable")
          && l.contains("127.0.0.1:" + closedPort));
      assertThat(node.output()).noneMatch(l -> l.contains("hidden"));
      assertThat(node.output()).noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception"));
    }
  }

  @Test
  void anUnreachableRedisLeavesTheNodeServingFromTheLogAndReportedDegraded() throws Exception {
    String database = TestDatabases.freshPostgres();
    try (ServerProcess node = ServerProcess.start(Files.createTempDirectory("tp-noredis"),
        ServerProcess.freePort(), Map.of("TASKPULSE_DATABASE_URL", database,
            "TASKPULSE_REDIS_URL", "redis://127.0.0.1:" + ServerProcess.freePort()))) {
      Api.Response ready = new Api(node.baseUrl(), null).get("/health/ready");
      assertThat(ready.status()).isEqualTo(200);
      assertThat(ready.json().get("bus").asText()).isEqualTo("degraded");
      assertThat(node.awaitOutput("redis: cannot subscribe", 10_000)).isTrue();
      assertThat(node.output()).noneMatch(l -> l.startsWith("\tat "));
    } finally {
      TestDatabases.dropPostgres(database);
    }
  }
}
