package io.taskpulse.server.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.ServerProcess;
import io.taskpulse.server.testing.TestDatabases;
import io.taskpulse.server.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A node killed with SIGKILL in the middle of writes: after a restart, every write that was
 * answered with a 2xx is there, with its event, and the log has no gap.
 */
class CrashRecoveryTest {

  @Test
  void everyAcknowledgedWriteSurvivesASigkillOnSqlite() throws Exception {
    crashAndRecover(Map.of());
  }

  @Test
  void everyAcknowledgedWriteSurvivesASigkillOnPostgres() throws Exception {
    String url = TestDatabases.freshPostgres();
    try {
      crashAndRecover(Map.of("TASKPULSE_DATABASE_URL", url));
    } finally {
      TestDatabases.dropPostgres(url);
    }
  }

  private void crashAndRecover(Map<String, String> env) throws Exception {
    Path dataDir = Files.createTempDirectory("taskpulse-crash");
    int port = ServerProcess.freePort();
    Set<String> createdIds = ConcurrentHashMap.newKeySet();
    Set<String> acknowledgedMessages = ConcurrentHashMap.newKeySet();
    AtomicBoolean running = new AtomicBoolean(true);

    try (ServerProcess first = ServerProcess.start(dataDir, port, env)) {
      String token = new io.taskpulse.server.auth.Tokens(TestServer.SECRET.getBytes(), List.of(),
          java.time.Clock.systemUTC()).sign("writer", List.of(), true, Duration.ofHours(1));
      ExecutorService pool = Executors.newFixedThreadPool(4);
      for (int w = 0; w < 4; w++) {
        int writer = w;
        pool.submit(() -> {
          Api api = new Api(first.baseUrl(), token);
          int i = 0;
          while (running.get()) {
            try {
              Api.Response created = api.post("/api/v1/tasks", "{\"title\":\"w" + writer + "\"}");
              if (created.status() != 201) {
                continue;
              }
              String id = created.json().get("id").asText();
              createdIds.add(id);
              String message = "w" + writer + "-" + i++;
              Api.Response progress = api.post("/api/v1/tasks/" + id + "/progress",
                  "{\"progress\":1,\"message\":\"" + message + "\"}");
              if (progress.status() == 200) {
                acknowledgedMessages.add(message);
              }
            } catch (RuntimeException connectionLost) {
              return null;
            }
          }
          return null;
        });
      }
      // Killed mid-writes once enough went through (a cold node on a busy box may take a
      // while: the count, not a fixed time, decides).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (createdIds.size() < 50 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      first.kill();
      running.set(false);
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(createdIds).hasSizeGreaterThanOrEqualTo(50);

    try (ServerProcess second = ServerProcess.start(dataDir, port, env)) {
      Api admin = new Api(second.baseUrl(), new io.taskpulse.server.auth.Tokens(
          TestServer.SECRET.getBytes(), List.of(), java.time.Clock.systemUTC())
          .sign("admin", List.of(), true, Duration.ofHours(1)));
      for (String id : createdIds) {
        assertThat(admin.get("/api/v1/tasks/" + id).status()).as("task " + id).isEqualTo(200);
      }
      List<JsonNode> log = LogReader.readAll(admin);
      Set<String> createdInLog = new HashSet<>();
      Set<String> messagesInLog = new HashSet<>();
      List<Long> offsets = new ArrayList<>();
      for (JsonNode e : log) {
        offsets.add(e.get("offset").asLong());
        if (e.get("type").asText().equals("task.created")) {
          createdInLog.add(e.get("taskId").asText());
        }
        if (e.get("type").asText().equals("task.progress")) {
          messagesInLog.add(e.get("task").get("progressMessage").asText());
        }
      }
      for (int i = 0; i < offsets.size(); i++) {
        assertThat(offsets.get(i)).isEqualTo(i + 1L);
      }
      assertThat(createdInLog).containsAll(createdIds);
      assertThat(messagesInLog).containsAll(acknowledgedMessages);
      // SIGTERM: a graceful stop (the JVM reports 143 = 128 + SIGTERM after its hooks ran).
      int code = second.stop(Duration.ofSeconds(20));
      assertThat(code).isIn(0, 143);
      assertThat(second.output()).contains("taskpulse: stopped");
    }
  }
}
