package io.taskpulse.server.work;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad claims, heartbeats, queue names and schedules are 400 {@code validation_failed} naming
 * the field, and change nothing: the log does not move, no task is taken, no worker is seen,
 * no schedule is saved. A node of its own, so nothing else moves its log meanwhile.
 */
class BadWorkInputTest {

  static TestServer server;
  static Api boss;
  static String pending;
  static String running;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"));
    boss = server.as("boss", "ops");
    pending = boss.create("{\"title\":\"waits\",\"teamId\":\"ops\",\"queue\":\"q.bad-input\"}");
    running = boss.create("{\"title\":\"runs\",\"teamId\":\"ops\",\"queue\":\"q.held\"}");
    boss.post("/api/v1/queues/q.held/claim", "{\"worker\":\"w-holder\",\"leaseSeconds\":600}");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static long offset() {
    return boss.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
  }

  /** Sends the request and checks it is a 400 naming {@code field} that moved nothing. */
  static void refused(String field, String method, String path, String body) {
    long before = offset();
    Response r = boss.send(method, path, body, Map.of());
    assertThat(r.status()).as(method + " " + path + " " + body + ": " + r.text()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("validation_failed");
    assertThat(r.json().at("/error/details/field").asText()).as(r.text()).isEqualTo(field);
    assertThat(offset()).as("the log moved for " + path + " " + body).isEqualTo(before);
  }

  @Test
  void claimsWithABadQueueNameOrOutOfRangeNumbersAreRefusedNamingTheField() {
    String claim = "{\"worker\":\"w-bad\"}";
    refused("queue", "POST", "/api/v1/queues/has%20space/claim", claim);
    refused("queue", "POST", "/api/v1/queues/caf%C3%A9/claim", claim);
    refused("queue", "POST", "/api/v1/queues/a*b/claim", claim);
    refused("queue", "POST", "/api/v1/queues/" + "q".repeat(101) + "/claim", claim);
    String ok = "/api/v1/queues/q.bad-input/claim";
    refused("max", "POST", ok, "{\"worker\":\"w-bad\",\"max\":0}");
    refused("max", "POST", ok, "{\"worker\":\"w-bad\",\"max\":101}");
    refused("max", "POST", ok, "{\"worker\":\"w-bad\",\"max\":\"2\"}");
    refused("max", "POST", ok, "{\"worker\":\"w-bad\",\"max\":1.5}");
    refused("leaseSeconds", "POST", ok, "{\"worker\":\"w-bad\",\"leaseSeconds\":0}");
    refused("leaseSeconds", "POST", ok, "{\"worker\":\"w-bad\",\"leaseSeconds\":3601}");
    refused("wait", "POST", ok, "{\"worker\":\"w-bad\",\"wait\":61}");
    refused("wait", "POST", ok, "{\"worker\":\"w-bad\",\"wait\":-1}");
    refused("worker", "POST", ok, "{}");
    refused("worker", "POST", ok, "{\"worker\":\"\"}");
    refused("worker", "POST", ok, "{\"worker\":\"" + "w".repeat(201) + "\"}");
    refused("workers", "POST", ok, "{\"worker\":\"w-bad\",\"workers\":2}");

    assertThat(boss.get("/api/v1/tasks/" + pending).json().get("status").asText())
        .isEqualTo("pending");
    assertThat(boss.get("/api/v1/workers").json().findValuesAsText("id"))
        .doesNotContain("w-bad");
    // The rule is not too tight: every allowed character claims.
    assertThat(boss.post("/api/v1/queues/Az09._:-/claim", claim).status()).isEqualTo(200);
  }

  @Test
  void heartbeatsOutOfRangeAreRefusedAndKeepTheLease() {
    String lease = boss.get("/api/v1/tasks/" + running).json().get("leaseExpiresAt").asText();
    String path = "/api/v1/tasks/" + running + "/heartbeat";
    refused("leaseSeconds", "POST", path, "{\"worker\":\"w-holder\",\"leaseSeconds\":0}");
    refused("leaseSeconds", "POST", path, "{\"worker\":\"w-holder\",\"leaseSeconds\":3601}");
    refused("progress", "POST", path, "{\"worker\":\"w-holder\",\"progress\":101}");
    refused("worker", "POST", path, "{\"leaseSeconds\":30}");
    assertThat(boss.get("/api/v1/tasks/" + running).json().get("leaseExpiresAt").asText())
        .isEqualTo(lease);
  }

  @Test
  void tasksWithABadQueueNameAreRefused() {
    refused("queue", "POST", "/api/v1/tasks", "{\"title\":\"x\",\"queue\":\"has space\"}");
    refused("queue", "POST", "/api/v1/tasks", "{\"title\":\"x\",\"queue\":\"a/b\"}");
    refused("queue", "POST", "/api/v1/tasks", "{\"title\":\"x\",\"queue\":\"\"}");
    refused("queue", "POST", "/api/v1/tasks", "{\"title\":\"x\",\"queue\":7}");
    refused("queue", "PATCH", "/api/v1/tasks/" + pending, "{\"queue\":\"q?x\"}");
    assertThat(boss.get("/api/v1/tasks/" + pending).json().get("queue").asText())
        .isEqualTo("q.bad-input");
  }

  @Test
  void badSchedulesAreRefusedAndNoneIsSaved() {
    int before = boss.get("/api/v1/schedules").json().get("schedules").size();
    String task = "\"task\":{\"title\":\"x\"}";
    refused("cron", "POST", "/api/v1/schedules", "{\"cron\":\"61 * * * *\"," + task + "}");
    refused("cron", "POST", "/api/v1/schedules", "{\"cron\":\"* * * *\"," + task + "}");
    refused("cron", "POST", "/api/v1/schedules", "{\"cron\":\"0 0 31 2 *\"," + task + "}");
    refused("cron", "POST", "/api/v1/schedules", "{\"cron\":\"@every 0s\"," + task + "}");
    refused("cron", "POST", "/api/v1/schedules", "{\"cron\":\"@every 5d\"," + task + "}");
    refused("cron", "POST", "/api/v1/schedules", "{\"cron\":\"@sometimes\"," + task + "}");
    refused("cron", "POST", "/api/v1/schedules", "{\"cron\":42," + task + "}");
    refused("timezone", "POST", "/api/v1/schedules",
        "{\"cron\":\"@daily\",\"timezone\":\"Mars/Olympus\"," + task + "}");
    refused("timezone", "POST", "/api/v1/schedules",
        "{\"cron\":\"@daily\",\"timezone\":\"\"," + task + "}");
    refused("task.queue", "POST", "/api/v1/schedules",
        "{\"cron\":\"@daily\",\"task\":{\"title\":\"x\",\"queue\":\"no spaces\"}}");
    assertThat(boss.get("/api/v1/schedules").json().get("schedules").size()).isEqualTo(before);

    Response saved = boss.post("/api/v1/schedules", "{\"id\":\"fine\",\"cron\":\"@daily\","
        + task + "}");
    assertThat(saved.status()).isEqualTo(201);
    refused("cron", "PATCH", "/api/v1/schedules/fine", "{\"cron\":\"0 25 * * *\"}");
    refused("timezone", "PATCH", "/api/v1/schedules/fine", "{\"timezone\":\"Nowhere/Land\"}");
    assertThat(boss.get("/api/v1/schedules/fine").json().get("cron").asText())
        .isEqualTo("@daily");
  }
}
