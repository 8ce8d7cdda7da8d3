package io.taskpulse.server.work;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.TestDatabases;
import io.taskpulse.server.testing.TestServer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Schedules create exactly one task per fire time, on one node or many. */
class SchedulesTest {

  static TestServer server;
  static Api owner;

  @BeforeAll
  static void start() {
    server = TestServer.start(null);
    owner = server.as("planner", "ops");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /**
   * task.created events of a schedule's fire times (not its runs by hand), by the fire time
   * their timeline entry names.
   */
  static Map<String, List<String>> createdByFireTime(Api admin, String scheduleId) {
    Map<String, List<String>> out = new HashMap<>();
    for (JsonNode e : LogReader.readAll(admin)) {
      if (e.get("type").asText().equals("task.created")
          && scheduleId.equals(e.at("/task/scheduleId").asText())
          && !e.at("/entry/data/runNow").asBoolean()) {
        assertThat(e.at("/actor/via").asText()).isEqualTo("schedule");
        assertThat(e.at("/entry/kind").asText()).isEqualTo("schedule");
        out.computeIfAbsent(e.at("/entry/data/scheduledFor").asText(), k -> new ArrayList<>())
            .add(e.get("taskId").asText());
      }
    }
    return out;
  }

  @Test
  void badSchedulesAreRefusedNamingTheField() {
    assertField(owner.post("/api/v1/schedules", "{\"cron\":\"61 * * * *\",\"task\":"
        + "{\"title\":\"x\"}}"), "cron");
    assertField(owner.post("/api/v1/schedules", "{\"cron\":\"@sometimes\",\"task\":"
        + "{\"title\":\"x\"}}"), "cron");
    assertField(owner.post("/api/v1/schedules", "{\"cron\":\"@every 0s\",\"task\":"
        + "{\"title\":\"x\"}}"), "cron");
    assertField(owner.post("/api/v1/schedules", "{\"cron\":\"@daily\",\"timezone\":"
        + "\"Mars/Olympus\",\"task\":{\"title\":\"x\"}}"), "timezone");
    assertField(owner.post("/api/v1/schedules", "{\"cron\":\"@daily\"}"), "task");
    assertField(owner.post("/api/v1/schedules", "{\"cron\":\"@daily\",\"task\":"
        + "{\"title\":\"x\",\"priority\":\"asap\"}}"), "task.priority");
    assertField(owner.post("/api/v1/schedules", "{\"cron\":\"@daily\",\"catchUp\":\"all\","
        + "\"task\":{\"title\":\"x\"}}"), "catchUp");
  }

  @Test
  void aCronScheduleReportsItsNextRunInItsTimeZone() {
    Response r = owner.post("/api/v1/schedules", "{\"id\":\"nightly\",\"cron\":\"0 2 * * *\","
        + "\"timezone\":\"Europe/Berlin\",\"task\":{\"title\":\"Nightly export\","
        + "\"queue\":\"exports\",\"teamId\":\"ops\"}}");
    assertThat(r.status()).isEqualTo(201);
    Instant next = Instant.parse(r.json().get("nextRunAt").asText());
    assertThat(next).isAfter(Instant.now()).isBefore(Instant.now().plus(25, ChronoUnit.HOURS));
    assertThat(next.atZone(java.time.ZoneId.of("Europe/Berlin")).getHour()).isEqualTo(2);
    assertThat(server.as("teammate", "ops").get("/api/v1/schedules/nightly").status())
        .isEqualTo(200);
    assertThat(server.as("stranger").get("/api/v1/schedules/nightly").status()).isEqualTo(404);

    Response run = owner.post("/api/v1/schedules/nightly/run", null);
    assertThat(run.status()).isEqualTo(201);
    assertThat(run.json().get("scheduleId").asText()).isEqualTo("nightly");
    assertThat(run.json().get("queue").asText()).isEqualTo("exports");
    JsonNode byHand = LogReader.readAll(server.asAdmin()).stream()
        .filter(e -> e.get("taskId").asText().equals(run.json().get("id").asText()))
        .findFirst().orElseThrow();
    assertThat(byHand.at("/actor/id").asText()).isEqualTo("planner");
    assertThat(byHand.at("/actor/via").asText()).isEqualTo("http");
    assertThat(byHand.at("/entry/text").asText()).isEqualTo("run now by planner");
    assertThat(byHand.at("/entry/data/runNow").asBoolean()).isTrue();
    // Runs by hand are not fire times: they leave the timetable as it was.
    assertThat(createdByFireTime(server.asAdmin(), "nightly")).isEmpty();
    assertThat(owner.get("/api/v1/schedules/nightly").json().get("nextRunAt").asText())
        .isEqualTo(r.json().get("nextRunAt").asText());
    assertThat(owner.get("/api/v1/schedules/nightly").json().get("lastTaskId").asText())
        .isEqualTo(run.json().get("id").asText());
  }

  @Test
  void anEverySecondScheduleCreatesOneTaskPerFireTimeAndStopsWhenDisabled() throws Exception {
    owner.post("/api/v1/schedules", "{\"id\":\"ticker\",\"cron\":\"@every 1s\",\"task\":"
        + "{\"title\":\"tick\"}}");
    Thread.sleep(3_500);
    owner.patch("/api/v1/schedules/ticker", "{\"enabled\":false}");
    Map<String, List<String>> fired = createdByFireTime(server.asAdmin(), "ticker");
    assertThat(fired.size()).isBetween(2, 5);
    fired.values().forEach(ids -> assertThat(ids).hasSize(1));
    Thread.sleep(1_500);
    assertThat(createdByFireTime(server.asAdmin(), "ticker")).hasSameSizeAs(fired);
  }

  @Test
  void afterDowntimeCatchUpOneCreatesOneTaskForTheLatestMissedTimeAndNoneCreatesNone()
      throws Exception {
    // Yearly, on January 1st; the node "was down" since the fire time a year before the last.
    owner.post("/api/v1/schedules", "{\"id\":\"late-one\",\"cron\":\"0 0 1 1 *\",\"catchUp\":"
        + "\"one\",\"task\":{\"title\":\"catch up\"}}");
    owner.post("/api/v1/schedules", "{\"id\":\"late-none\",\"cron\":\"0 0 1 1 *\",\"catchUp\":"
        + "\"none\",\"task\":{\"title\":\"skip\"}}");
    int year = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).getYear();
    Instant lastYear = Instant.parse((year - 1) + "-01-01T00:00:00Z");
    server.node().db().write(tx -> tx.update("UPDATE schedules SET next_run_at = ? WHERE id IN"
        + " ('late-one', 'late-none')", lastYear.toEpochMilli()));
    Thread.sleep(1_500);
    Map<String, List<String>> one = createdByFireTime(server.asAdmin(), "late-one");
    assertThat(one).containsOnlyKeys(year + "-01-01T00:00:00.000Z");
    assertThat(one.values().iterator().next()).hasSize(1);
    assertThat(createdByFireTime(server.asAdmin(), "late-none")).isEmpty();
    for (String id : List.of("late-one", "late-none")) {
      assertThat(owner.get("/api/v1/schedules/" + id).json().get("nextRunAt").asText())
          .isEqualTo((year + 1) + "-01-01T00:00:00.000Z");
    }
  }

  @Test
  void aScheduleThatCannotCreateItsTaskDoesNotHoldBackTheOthers() throws Exception {
    assertField(owner.post("/api/v1/schedules", "{\"cron\":\"@daily\",\"task\":"
        + "{\"title\":\"x\",\"projectId\":\"gone\"}}"), "task.projectId");
    owner.post("/api/v1/schedules", "{\"id\":\"broken\",\"cron\":\"@every 1s\",\"task\":"
        + "{\"title\":\"broken\"}}");
    owner.post("/api/v1/schedules", "{\"id\":\"healthy\",\"cron\":\"@every 1s\",\"task\":"
        + "{\"title\":\"healthy\"}}");
    // The template's project disappears after the schedule was saved.
    server.node().db().write(tx -> tx.update("UPDATE schedules SET template = ? WHERE id ="
        + " 'broken'", "{\"title\":\"broken\",\"projectId\":\"gone\"}"));
    Thread.sleep(3_500);
    owner.patch("/api/v1/schedules/healthy", "{\"enabled\":false}");
    owner.patch("/api/v1/schedules/broken", "{\"enabled\":false}");
    assertThat(createdByFireTime(server.asAdmin(), "healthy").size()).isGreaterThanOrEqualTo(2);
    assertThat(createdByFireTime(server.asAdmin(), "broken")).isEmpty();
  }

  @Test
  void twoNodesFiringAnEverySecondScheduleForTenSecondsCreateTenTasksNoneTwice()
      throws Exception {
    String url = TestDatabases.freshPostgres();
    try (TestServer a = TestServer.start(url); TestServer b = TestServer.start(url)) {
      Response created = a.as("planner").post("/api/v1/schedules", "{\"id\":\"shared\","
          + "\"cron\":\"@every 1s\",\"task\":{\"title\":\"once per second\"}}");
      Instant anchor = Instant.parse(created.json().get("createdAt").asText());
      Thread.sleep(10_000);
      b.as("planner").patch("/api/v1/schedules/shared", "{\"enabled\":false}");
      Map<String, List<String>> fired = createdByFireTime(b.asAdmin(), "shared");
      assertThat(fired.size()).isBetween(9, 11);
      fired.forEach((time, ids) -> assertThat(ids).as(time).hasSize(1));
      // Each is a whole number of seconds after the schedule was made: a real fire time.
      fired.keySet().forEach(time -> assertThat(
          java.time.Duration.between(anchor, Instant.parse(time)).toMillis() % 1000).isZero());
      // The two nodes shared the work: no task of a fire time came from both.
      long runs = a.node().db().read(tx -> tx.queryLong("SELECT COUNT(*) FROM schedule_runs"
          + " WHERE schedule_id = 'shared'"));
      assertThat(runs).isEqualTo(fired.size());
    } finally {
      TestDatabases.dropPostgres(url);
    }
  }

  static void assertField(Response r, String field) {
    assertThat(r.status()).as(r.text()).isEqualTo(400);
    assertThat(r.json().at("/error/details/field").asText()).as(r.text()).isEqualTo(field);
  }
}
