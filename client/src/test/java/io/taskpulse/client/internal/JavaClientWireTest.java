package io.taskpulse.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.client.Event;
import io.taskpulse.client.Task;
import io.taskpulse.client.TaskpulseException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** JSON as the server writes it, including fields this client does not know yet. */
class JavaClientWireTest {

  @Test
  void aTaskWithUnknownFieldsAndNullsIsRead() throws Exception {
    String json = "{\"id\":\"184\",\"title\":\"Export\",\"status\":\"running\",\"progress\":45,"
        + "\"output\":{\"rows\":3},\"error\":null,\"sharedWith\":null,\"labels\":[\"a\"],"
        + "\"createdAt\":\"2026-11-30T09:00:00.123Z\",\"finishedAt\":null,\"version\":7,"
        + "\"attempt\":2,\"maxAttempts\":3,\"leaseExpiresAt\":\"2026-11-30T09:01:00.000Z\","
        + "\"someFutureField\":{\"nested\":[1,2]},\"anotherOne\":true}";
    Task t = Wire.MAPPER.readValue(json, Task.class);
    assertThat(t.id()).isEqualTo("184");
    assertThat(t.progress()).isEqualTo(45);
    assertThat(t.output().get("rows").asInt()).isEqualTo(3);
    assertThat(t.error()).isNull();
    assertThat(t.sharedWith()).isEmpty();
    assertThat(t.labels()).containsExactly("a");
    assertThat(t.createdAt()).isEqualTo(Instant.parse("2026-11-30T09:00:00.123Z"));
    assertThat(t.finishedAt()).isNull();
    assertThat(t.version()).isEqualTo(7);
    assertThat(t.attempt()).isEqualTo(2);
    assertThat(t.leaseExpiresAt()).isEqualTo(Instant.parse("2026-11-30T09:01:00Z"));
    assertThat(t.isFinished()).isFalse();
    assertThat(Wire.write(t)).doesNotContain("finished\":");
  }

  @Test
  void anEventCarriesItsChangesAsJson() throws Exception {
    String json = "{\"offset\":1235,\"type\":\"task.status_changed\",\"taskId\":\"184\","
        + "\"version\":7,\"at\":\"2026-11-30T09:00:00.000Z\",\"actor\":{\"id\":\"agent-7\","
        + "\"kind\":\"user\",\"via\":\"http\"},\"task\":{\"id\":\"184\",\"status\":\"running\"},"
        + "\"changes\":{\"status\":[\"pending\",\"running\"]},\"entry\":null,\"newThing\":1}";
    Event e = Wire.MAPPER.readValue(json, Event.class);
    assertThat(e.offset()).isEqualTo(1235);
    assertThat(e.actor().via()).isEqualTo("http");
    assertThat(e.changes().get("status").get(1).asText()).isEqualTo("running");
    assertThat(e.task().status()).isEqualTo("running");
    assertThat(e.entry()).isNull();
  }

  @Test
  void instantsAreWrittenAsRfc3339WithMilliseconds() {
    assertThat(Wire.write(Map.of("dueAt", Instant.parse("2026-11-30T09:00:00Z"))))
        .isEqualTo("{\"dueAt\":\"2026-11-30T09:00:00.000Z\"}");
  }

  @Test
  void theExpiryIsReadFromAJwtWithoutVerifyingIt() {
    String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"sub\":\"alice\",\"exp\":1900000000}".getBytes(StandardCharsets.UTF_8));
    assertThat(Jwt.expiry("eyJhbGciOiJIUzI1NiJ9." + payload + ".c2ln"))
        .contains(Instant.ofEpochSecond(1_900_000_000L));
    assertThat(Jwt.expiry("opaque-token")).isEmpty();
    assertThat(Jwt.expiry("a.%%%.c")).isEmpty();
    assertThat(Jwt.expiry(null)).isEmpty();
  }

  @Test
  void errorBodiesBecomeExceptionsWithCodeDetailsAndRetryAfter() throws Exception {
    TaskpulseException e = HttpCalls.error(400, Wire.MAPPER.readTree("{\"error\":{\"code\":"
        + "\"validation_failed\",\"message\":\"progress: bad\",\"details\":{\"field\":"
        + "\"progress\"}}}"), null);
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("validation_failed");
    assertThat(e.detail("field")).isEqualTo("progress");
    assertThat(e.retryAfter()).isEmpty();
    TaskpulseException limited = HttpCalls.error(429, null, "7");
    assertThat(limited.code()).isEqualTo("rate_limited");
    assertThat(limited.retryAfter()).contains(Duration.ofSeconds(7));
    assertThat(HttpCalls.error(502, null, null).code()).isEqualTo("http_502");
  }
}
