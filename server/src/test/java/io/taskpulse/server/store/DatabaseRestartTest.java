package io.taskpulse.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.PrivatePostgres;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL restarted under load: writes fail fast with 503 while it is away and succeed
 * after; no acknowledged write or event is lost, none is delivered twice.
 */
class DatabaseRestartTest {

  @Test
  void writesFailFastWhileTheDatabaseIsDownAndNothingIsLostOrDoubled() throws Exception {
    try (PrivatePostgres pg = PrivatePostgres.start();
        TestServer server = TestServer.start(pg.url(),
            Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"))) {
      Api writer = server.as("restarter");
      String task = writer.create("{\"title\":\"outlives the database\"}");
      long head = writer.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
      WsClient watcher = WsClient.open(server.baseUrl(), server.token("restarter", List.of(),
          false));
      watcher.subscribe("s", "tasks", head, null);

      Set<String> acknowledged = ConcurrentHashMap.newKeySet();
      List<Long> refusalMillis = java.util.Collections.synchronizedList(new ArrayList<>());
      List<String> refusalCodes = java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean writing = new AtomicBoolean(true);
      ExecutorService pool = Executors.newSingleThreadExecutor();
      Future<?> writes = pool.submit(() -> {
        int k = 0;
        while (writing.get()) {
          String message = "m" + k++;
          long t0 = System.nanoTime();
          Api.Response r = writer.post("/api/v1/tasks/" + task + "/progress",
              "{\"progress\":1,\"message\":\"" + message + "\"}");
          if (r.status() == 200) {
            acknowledged.add(message);
          } else {
            refusalMillis.add((System.nanoTime() - t0) / 1_000_000);
            refusalCodes.add(r.status() + " " + r.errorCode());
          }
          Thread.sleep(20);
        }
        return null;
      });
      Thread.sleep(1_000);
      pg.stopServer();
      Thread.sleep(6_000);
      pg.startServer();
      Thread.sleep(5_000);
      writing.set(false);
      writes.get(30, TimeUnit.SECONDS);
      pool.shutdown();

      assertThat(refusalCodes).isNotEmpty().allMatch(c -> c.equals("503 unavailable"));
      assertThat(refusalMillis).allMatch(ms -> ms < 5_000);
      assertThat(writer.post("/api/v1/tasks/" + task + "/progress", "{\"progress\":2}").status())
          .isEqualTo(200);

      List<JsonNode> log = LogReader.readAll(server.asAdmin()).stream()
          .filter(e -> e.get("offset").asLong() > head).toList();
      Set<String> logged = ConcurrentHashMap.newKeySet();
      log.forEach(e -> logged.add(e.at("/task/progressMessage").asText()));
      assertThat(logged).containsAll(acknowledged);
      List<JsonNode> got = watcher.events(log.size(), 20_000);
      assertThat(got).extracting(e -> e.get("offset").asLong())
          .containsExactlyElementsOf(log.stream().map(e -> e.get("offset").asLong()).toList());
      watcher.close();
    }
  }
}
