package io.taskpulse.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Writes past a user's rate are refused with 429 and Retry-After; reads and others go on. */
class WriteRateLimitTest {

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "1",
        "TASKPULSE_WRITE_BURST", "3"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void writesBeyondTheBurstAre429WithRetryAfterAndChangeNothing() {
    Api alice = server.as("alice");
    for (int i = 0; i < 3; i++) {
      assertThat(alice.post("/api/v1/tasks", "{\"title\":\"t" + i + "\"}").status()).isEqualTo(201);
    }
    Response limited = alice.post("/api/v1/tasks", "{\"title\":\"one too many\"}");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.errorCode()).isEqualTo("rate_limited");
    assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(1, 2);

    assertThat(alice.get("/api/v1/tasks").json().get("tasks")).hasSize(3);
    assertThat(server.as("bob").post("/api/v1/tasks", "{\"title\":\"bob's\"}").status())
        .isEqualTo(201);
  }
}
