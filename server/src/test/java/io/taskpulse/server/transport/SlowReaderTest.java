package io.taskpulse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A reader that stops reading costs only itself: the server stops buffering for it, the fast
 * reader beside it is not delayed, and once it reads again it gets every event it is owed,
 * in order, from the log.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlowReaderTest {

  static final int EVENTS = 5_000;
  static final String BIG = "x".repeat(4_000); // ~5 KB events: 25 MB in all, past any socket buffer

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0",
        "TASKPULSE_WRITE_QUEUE_BYTES", "16384"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aPausedWebSocketReaderDoesNotDelayAFastOneAndLaterGetsEverything() throws Exception {
    Api writer = server.as("slow-ws-writer", "slow-ws");
    List<String> ids = createTasks(writer, "slow-ws");
    long head = writer.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
    try (WsClient fast = WsClient.open(server.baseUrl(), server.token("fast", List.of("slow-ws"),
        false));
        WsClient slow = WsClient.open(server.baseUrl(), server.token("slow",
            List.of("slow-ws"), false))) {
      fast.subscribe("s", "tasks", head, null);
      slow.subscribe("s", "tasks", head, null);
      slow.pause();
      long catchUpsBefore = server.node().hub().catchUps();

      long writesDone = write(writer, ids);
      List<JsonNode> fastEvents = fast.events(EVENTS, 30_000);
      long fastDoneMillis = (System.nanoTime() - writesDone) / 1_000_000;
      assertInOrderWithoutGaps(fastEvents, head);
      // The fast reader is done within moments of the last write, whatever the slow one does.
      assertThat(fastDoneMillis).isLessThan(3_000);
      assertThat(slow.pending()).isLessThan(EVENTS);

      slow.resumeReading();
      List<JsonNode> slowEvents = slow.events(EVENTS, 60_000);
      assertInOrderWithoutGaps(slowEvents, head);
      assertThat(slow.poll(300)).isNull();
      assertThat(server.node().hub().catchUps()).isGreaterThan(catchUpsBefore);
    }
  }

  @Test
  void aPausedSseReaderLaterGetsEverythingItIsOwed() throws Exception {
    Api writer = server.as("slow-sse-writer", "slow-sse");
    List<String> ids = createTasks(writer, "slow-sse");
    long head = writer.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
    String token = server.token("slow-sse-reader", List.of("slow-sse"), false);
    HttpURLConnection sse = (HttpURLConnection) URI.create(server.baseUrl()
        + "/api/v1/events/stream?after=" + head).toURL().openConnection();
    sse.setRequestProperty("Accept", "text/event-stream");
    sse.setRequestProperty("Authorization", "Bearer " + token);
    sse.setReadTimeout(30_000);
    try {
      assertThat(sse.getResponseCode()).isEqualTo(200); // headers only: the body waits unread
      long catchUpsBefore = server.node().hub().catchUps();
      write(writer, ids);
      BufferedReader in = new BufferedReader(new InputStreamReader(sse.getInputStream(),
          StandardCharsets.UTF_8));
      List<Long> offsets = new ArrayList<>();
      String line;
      while (offsets.size() < EVENTS && (line = in.readLine()) != null) {
        if (line.startsWith("id: ")) {
          offsets.add(Long.parseLong(line.substring(4).trim()));
        }
      }
      assertThat(offsets).hasSize(EVENTS);
      for (int i = 0; i < offsets.size(); i++) {
        assertThat(offsets.get(i)).isEqualTo(head + 1 + i);
      }
      assertThat(server.node().hub().catchUps()).isGreaterThan(catchUpsBefore);
    } finally {
      sse.disconnect();
    }
  }

  private static List<String> createTasks(Api writer, String team) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ids.add(writer.create("{\"title\":\"t" + i + "\",\"teamId\":\"" + team
          + "\",\"description\":\"" + BIG + "\"}"));
    }
    return ids;
  }

  /** Makes exactly {@link #EVENTS} changes from 8 writers; returns when the last is answered. */
  private static long write(Api writer, List<String> ids) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(ids.size());
    List<Future<?>> done = new ArrayList<>();
    for (String id : ids) {
      done.add(pool.submit(() -> {
        for (int i = 0; i < EVENTS / ids.size(); i++) {
          // A distinct message each time, so every call is a change with its event.
          Api.Response r = writer.post("/api/v1/tasks/" + id + "/progress",
              "{\"progress\":" + (i % 100) + ",\"message\":\"" + i + "\"}");
          assertThat(r.status()).isEqualTo(200);
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    return System.nanoTime();
  }

  private static void assertInOrderWithoutGaps(List<JsonNode> events, long head) {
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).get("offset").asLong()).isEqualTo(head + 1 + i);
    }
  }
}
