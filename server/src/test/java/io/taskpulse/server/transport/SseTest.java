package io.taskpulse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.SseClient;
import io.taskpulse.server.testing.TestServer;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Server-Sent Events on a real socket: ids are offsets, Last-Event-ID resumes, snapshots. */
class SseTest {

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_HEARTBEAT_SECONDS", "1"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static SseClient stream(String query, String token, String lastEventId) {
    return SseClient.open(server.baseUrl(), query, token, lastEventId);
  }

  @Test
  void aNewStreamStartsWithASnapshotThenEventsWhoseIdsAreOffsets() throws Exception {
    Api owner = server.as("sse-owner");
    String id = owner.create("{\"title\":\"sse\"}");
    try (SseClient s = stream("?streams=task:" + id, owner.token(), null)) {
      SseClient.Frame subscribed = s.next();
      assertThat(subscribed.event()).isEqualTo("subscribed");
      SseClient.Frame snapshot = s.next();
      assertThat(snapshot.event()).isEqualTo("snapshot");
      assertThat(snapshot.json().get("tasks").get(0).get("id").asText()).isEqualTo(id);
      owner.post("/api/v1/tasks/" + id + "/start", null);
      SseClient.Frame event = s.next();
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
    try (SseClient s = stream("?streams=task:" + id, owner.token(), null)) {
      s.next();
      last = s.next().id();
    }
    List<Long> offsets = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      owner.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":" + i + "}");
    }
    try (SseClient s = stream("?streams=task:" + id, owner.token(), Long.toString(last))) {
      SseClient.Frame subscribed = s.next();
      assertThat(subscribed.json().get("recovered").asBoolean()).isTrue();
      for (int i = 1; i <= 20; i++) {
        SseClient.Frame f = s.next();
        assertThat(f.event()).isEqualTo("task.progress");
        assertThat(f.json().get("task").get("progress").asInt()).isEqualTo(i);
        offsets.add(f.id());
      }
      assertThat(offsets).isSorted().doesNotHaveDuplicates();
      assertThat(offsets.get(0)).isGreaterThan(last);
      assertThat(s.poll(300)).as("nothing after the missed events").isNull();
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
    try (SseClient s = stream("", owner.token(), Long.toString(before - 1))) {
      assertThat(s.next().json().get("recovered").asBoolean()).isFalse();
      SseClient.Frame snapshot = s.next();
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
    try (SseClient s = stream("?streams=project:sse-a,project:sse-b", owner.token(), null)) {
      s.next();
      SseClient.Frame snapshot = s.next();
      assertThat(snapshot.json().get("tasks").findValuesAsText("id"))
          .containsExactlyInAnyOrder(a, b);
    }
  }

  @Test
  void heartbeatCommentsKeepAQuietStreamAlive() throws Exception {
    Api owner = server.as("sse-quiet");
    try (SseClient s = stream("?token=" + owner.token(), null, null)) {
      assertThat(s.comment(5_000)).as("a heartbeat comment within 5 s").isNotNull()
          .startsWith(":");
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
