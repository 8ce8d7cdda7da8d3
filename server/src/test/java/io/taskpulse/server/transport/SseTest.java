package io.taskpulse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.TestServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Server-Sent Events on a real socket: ids are offsets, Last-Event-ID resumes, snapshots. */
class SseTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_HEARTBEAT_SECONDS", "1"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** One SSE frame: its id (or null), event name and data; a comment has event ":". */
  record Frame(Long id, String event, String data) {
    JsonNode json() {
      try {
        return JSON.readTree(data);
      } catch (Exception e) {
        throw new AssertionError(data, e);
      }
    }
  }

  /** Reads an SSE stream on a thread of its own into a queue of frames. */
  static final class Stream implements AutoCloseable {
    final HttpURLConnection connection;
    final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    final Thread reader;

    Stream(String query, String token, String lastEventId) throws Exception {
      connection = (HttpURLConnection) URI.create(server.baseUrl() + "/api/v1/events/stream"
          + query).toURL().openConnection();
      connection.setRequestProperty("Accept", "text/event-stream");
      if (token != null) {
        connection.setRequestProperty("Authorization", "Bearer " + token);
      }
      if (lastEventId != null) {
        connection.setRequestProperty("Last-Event-ID", lastEventId);
      }
      assertThat(connection.getResponseCode()).isEqualTo(200);
      assertThat(connection.getContentType()).startsWith("text/event-stream");
      reader = new Thread(this::read, "sse-reader");
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(
          connection.getInputStream(), StandardCharsets.UTF_8))) {
        Long id = null;
        String event = "message";
        StringBuilder data = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
          if (line.isEmpty()) {
            if (data.length() > 0) {
              frames.add(new Frame(id, event, data.toString()));
            }
            id = null;
            event = "message";
            data.setLength(0);
          } else if (line.startsWith(":")) {
            frames.add(new Frame(null, ":", line));
          } else if (line.startsWith("id: ")) {
            id = Long.parseLong(line.substring(4));
          } else if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ")) {
            data.append(line.substring(6));
          }
        }
      } catch (Exception closed) {
        // the stream ended
      }
    }

    /** The next frame that is not a comment. */
    Frame next() throws InterruptedException {
      while (true) {
        Frame f = frames.poll(10, TimeUnit.SECONDS);
        if (f == null) {
          throw new AssertionError("no SSE frame within 10 s");
        }
        if (!f.event().equals(":")) {
          return f;
        }
      }
    }

    @Override
    public void close() {
      connection.disconnect();
    }
  }

  @Test
  void aNewStreamStartsWithASnapshotThenEventsWhoseIdsAreOffsets() throws Exception {
    Api owner = server.as("sse-owner");
    String id = owner.create("{\"title\":\"sse\"}");
    try (Stream s = new Stream("?streams=task:" + id, owner.token(), null)) {
      Frame subscribed = s.next();
      assertThat(subscribed.event()).isEqualTo("subscribed");
      Frame snapshot = s.next();
      assertThat(snapshot.event()).isEqualTo("snapshot");
      assertThat(snapshot.json().get("tasks").get(0).get("id").asText()).isEqualTo(id);
      owner.post("/api/v1/tasks/" + id + "/start", null);
      Frame event = s.next();
      assertThat(event.event()).isEqualTo("task.status_changed");
      assertThat(event.id()).isEqualTo(event.json().get("offset").asLong())
          .isGreaterThan(snapshot.id());
    }
  }

  @Test
  void lastEventIdResumesWithExactlyTheMissedEventsAndNoSnapshot() throws Exception {
    Api owner = server.as("sse-resume");
    String id = owner.create("{\"title\":\"resume me\"}");
    long last;
    try (Stream s = new Stream("?streams=task:" + id, owner.token(), null)) {
      s.next();
      last = s.next().id();
    }
    List<Long> offsets = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      owner.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":" + i + "}");
    }
    try (Stream s = new Stream("?streams=task:" + id, owner.token(), Long.toString(last))) {
      Frame subscribed = s.next();
      assertThat(subscribed.json().get("recovered").asBoolean()).isTrue();
      for (int i = 1; i <= 20; i++) {
        Frame f = s.next();
        assertThat(f.event()).isEqualTo("task.progress");
        assertThat(f.json().get("task").get("progress").asInt()).isEqualTo(i);
        offsets.add(f.id());
      }
      assertThat(offsets).isSorted().doesNotHaveDuplicates();
      assertThat(offsets.get(0)).isGreaterThan(last);
      assertThat(s.frames.poll(300, TimeUnit.MILLISECONDS)).satisfiesAnyOf(
          f -> assertThat(f).isNull(), f -> assertThat(f.event()).isEqualTo(":"));
    }
  }

  @Test
  void anOffsetNoLongerHeldStartsWithASnapshot() throws Exception {
    Api owner = server.as("sse-trimmed");
    String id = owner.create("{\"title\":\"trimmed\"}");
    long before = owner.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
    owner.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":9}");
    EventLog log = new EventLog();
    server.node().db().write(tx -> log.trim(tx, Instant.now().plusSeconds(5), 1_000_000,
        1_000_000));
    try (Stream s = new Stream("", owner.token(), Long.toString(before - 1))) {
      assertThat(s.next().json().get("recovered").asBoolean()).isFalse();
      Frame snapshot = s.next();
      assertThat(snapshot.event()).isEqualTo("snapshot");
      assertThat(snapshot.json().get("tasks").get(0).get("progress").asInt()).isEqualTo(9);
    }
  }

  @Test
  void aMultiStreamSnapshotHoldsOnlyTheTasksOfThoseStreams() throws Exception {
    Api owner = server.as("sse-multi");
    owner.post("/api/v1/projects", "{\"id\":\"sse-a\",\"name\":\"A\"}");
    owner.post("/api/v1/projects", "{\"id\":\"sse-b\",\"name\":\"B\"}");
    owner.post("/api/v1/projects", "{\"id\":\"sse-c\",\"name\":\"C\"}");
    String a = owner.create("{\"title\":\"a\",\"projectId\":\"sse-a\"}");
    String b = owner.create("{\"title\":\"b\",\"projectId\":\"sse-b\"}");
    owner.create("{\"title\":\"c\",\"projectId\":\"sse-c\"}");
    try (Stream s = new Stream("?streams=project:sse-a,project:sse-b", owner.token(), null)) {
      s.next();
      Frame snapshot = s.next();
      assertThat(snapshot.json().get("tasks").findValuesAsText("id"))
          .containsExactlyInAnyOrder(a, b);
    }
  }

  @Test
  void heartbeatCommentsKeepAQuietStreamAlive() throws Exception {
    Api owner = server.as("sse-quiet");
    try (Stream s = new Stream("?token=" + owner.token(), null, null)) {
      Frame comment = null;
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (comment == null && System.nanoTime() < deadline) {
        Frame f = s.frames.poll(1, TimeUnit.SECONDS);
        if (f != null && f.event().equals(":")) {
          comment = f;
        }
      }
      assertThat(comment).isNotNull();
    }
  }

  @Test
  void aStreamOfATaskOneMayNotSeeIs404AndNoTokenIs401() throws Exception {
    Api owner = server.as("sse-private");
    String id = owner.create("{\"title\":\"private\"}");
    HttpURLConnection c = (HttpURLConnection) URI.create(server.baseUrl()
        + "/api/v1/events/stream?streams=task:" + id).toURL().openConnection();
    c.setRequestProperty("Authorization", "Bearer " + server.as("sse-stranger").token());
    assertThat(c.getResponseCode()).isEqualTo(404);
    HttpURLConnection anonymous = (HttpURLConnection) URI.create(server.baseUrl()
        + "/api/v1/events/stream").toURL().openConnection();
    assertThat(anonymous.getResponseCode()).isEqualTo(401);
  }
}
