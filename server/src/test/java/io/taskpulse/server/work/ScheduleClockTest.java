package io.taskpulse.server.work;

import static io.taskpulse.server.work.SchedulesTest.createdByFireTime;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.TestClock;
import io.taskpulse.server.testing.TestDatabases;
import io.taskpulse.server.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Schedules against a clock the test moves ({@link TestClock}): daylight saving changes,
 * downtime, and clocks that disagree. The node's timers tick in real time and read the moved
 * clock at each tick, so each step waits for the node to have fired what is due.
 */
class ScheduleClockTest {

  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  static void create(TestServer server, String body) {
    Response r = server.as("planner", "ops").post("/api/v1/schedules", body);
    assertThat(r.status()).as(r.text()).isEqualTo(201);
  }

  static JsonNode schedule(TestServer server, String id) {
    return server.as("planner", "ops").get("/api/v1/schedules/" + id).json();
  }

  static Instant nextRunAt(TestServer server, String id) {
    return Instant.parse(schedule(server, id).get("nextRunAt").asText());
  }

  /** Waits until no schedule of {@code ids} is due at the clock's time any more. */
  static void awaitFired(TestServer server, TestClock clock, List<String> ids)
      throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (ids.stream().anyMatch(id -> !nextRunAt(server, id).isAfter(clock.instant()))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("schedules " + ids + " not fired by " + clock.instant());
      }
      Thread.sleep(50);
    }
  }

  /** Moves the clock from fire time to fire time (one second past each) until {@code until}. */
  static void walk(TestServer server, TestClock clock, List<String> ids, Instant until)
      throws InterruptedException {
    while (true) {
      Instant next = ids.stream().map(id -> nextRunAt(server, id)).min(Instant::compareTo)
          .orElseThrow();
      if (next.isAfter(until)) {
        return;
      }
      clock.set(next.plusSeconds(1));
      awaitFired(server, clock, ids);
    }
  }

  /** The fire times of a schedule, by the Berlin date they fell on. */
  static Map<LocalDate, List<String>> firedByBerlinDate(TestServer server, String id) {
    Map<LocalDate, List<String>> out = new TreeMap<>();
    createdByFireTime(server.asAdmin(), id).forEach((time, tasks) -> {
      assertThat(tasks).as(id + " at " + time).hasSize(1);
      out.computeIfAbsent(Instant.parse(time).atZone(BERLIN).toLocalDate(),
          d -> new java.util.ArrayList<>()).add(time);
    });
    return out;
  }

  @Test
  void dailyRunsNeitherSkipNorDoubleAcrossBothDaylightSavingChangesInBerlin() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-03-27T12:00:00Z"));
    List<String> ids = List.of("at-0130", "at-0230", "at-0300");
    try (TestServer server = TestServer.start(null, Map.of(), clock)) {
      create(server, "{\"id\":\"at-0130\",\"cron\":\"30 1 * * *\",\"timezone\":\"Europe/Berlin\","
          + "\"task\":{\"title\":\"01:30\"}}");
      create(server, "{\"id\":\"at-0230\",\"cron\":\"30 2 * * *\",\"timezone\":\"Europe/Berlin\","
          + "\"task\":{\"title\":\"02:30\"}}");
      create(server, "{\"id\":\"at-0300\",\"cron\":\"0 3 * * *\",\"timezone\":\"Europe/Berlin\","
          + "\"task\":{\"title\":\"03:00\"}}");

      // Spring: on March 29 the clock jumps from 02:00 to 03:00.
      walk(server, clock, ids, Instant.parse("2026-03-31T12:00:00Z"));
      List<LocalDate> springDays = List.of(LocalDate.of(2026, 3, 28), LocalDate.of(2026, 3, 29),
          LocalDate.of(2026, 3, 30), LocalDate.of(2026, 3, 31));
      for (String id : ids) {
        Map<LocalDate, List<String>> fired = firedByBerlinDate(server, id);
        assertThat(fired.keySet()).as(id).containsExactlyElementsOf(springDays);
        fired.values().forEach(times -> assertThat(times).as(id).hasSize(1));
      }
      // 02:30 does not exist that night: it ran as the clock jumped, at 03:00 CEST.
      assertThat(firedByBerlinDate(server, "at-0230").get(LocalDate.of(2026, 3, 29)))
          .containsExactly("2026-03-29T01:00:00.000Z");
      assertThat(firedByBerlinDate(server, "at-0300").get(LocalDate.of(2026, 3, 29)))
          .containsExactly("2026-03-29T01:00:00.000Z");

      // Autumn: on October 25 the clock falls back from 03:00 to 02:00. Pause over summer.
      for (String id : ids) {
        server.as("planner", "ops").patch("/api/v1/schedules/" + id, "{\"enabled\":false}");
      }
      clock.set(Instant.parse("2026-10-23T12:00:00Z"));
      for (String id : ids) {
        server.as("planner", "ops").patch("/api/v1/schedules/" + id, "{\"enabled\":true}");
      }
      walk(server, clock, ids, Instant.parse("2026-10-27T12:00:00Z"));
      for (String id : ids) {
        Map<LocalDate, List<String>> fired = firedByBerlinDate(server, id);
        for (LocalDate day = LocalDate.of(2026, 10, 24); !day.isAfter(LocalDate.of(2026, 10, 27));
            day = day.plusDays(1)) {
          assertThat(fired.get(day)).as(id + " on " + day).hasSize(1);
        }
      }
      // 02:30 happened twice that night: the run was at the first, 02:30 CEST.
      assertThat(firedByBerlinDate(server, "at-0230").get(LocalDate.of(2026, 10, 25)))
          .containsExactly("2026-10-25T00:30:00.000Z");
      assertThat(firedByBerlinDate(server, "at-0300").get(LocalDate.of(2026, 10, 25)))
          .containsExactly("2026-10-25T02:00:00.000Z");
    }
  }

  @Test
  void aNodeDownForThreeFireTimesCatchesUpOnceWithOneAndNotAtAllWithNone() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-05-04T10:10:00Z"));
    Path dir = Files.createTempDirectory("taskpulse-down");
    try (TestServer before = TestServer.startAt(0, dir, Map.of(), clock)) {
      create(before, "{\"id\":\"down-one\",\"cron\":\"@hourly\",\"catchUp\":\"one\","
          + "\"task\":{\"title\":\"catch up\"}}");
      create(before, "{\"id\":\"down-none\",\"cron\":\"@hourly\",\"catchUp\":\"none\","
          + "\"task\":{\"title\":\"skip\"}}");
      assertThat(nextRunAt(before, "down-one")).isEqualTo("2026-05-04T11:00:00Z");
    }
    // Down through 11:00, 12:00 and 13:00.
    clock.set(Instant.parse("2026-05-04T13:40:00Z"));
    try (TestServer after = TestServer.startAt(0, dir, Map.of(), clock)) {
      awaitFired(after, clock, List.of("down-one", "down-none"));
      assertThat(createdByFireTime(after.asAdmin(), "down-one"))
          .containsOnlyKeys("2026-05-04T13:00:00.000Z")
          .allSatisfy((time, tasks) -> assertThat(tasks).hasSize(1));
      assertThat(createdByFireTime(after.asAdmin(), "down-none")).isEmpty();
      for (String id : List.of("down-one", "down-none")) {
        assertThat(nextRunAt(after, id)).as(id).isEqualTo("2026-05-04T14:00:00Z");
      }
      assertThat(schedule(after, "down-one").get("lastRunAt").asText())
          .isEqualTo("2026-05-04T13:00:00.000Z");

      // Both go on as usual at the next fire time.
      clock.set(Instant.parse("2026-05-04T14:00:01Z"));
      awaitFired(after, clock, List.of("down-one", "down-none"));
      assertThat(createdByFireTime(after.asAdmin(), "down-one")).hasSize(2);
      assertThat(createdByFireTime(after.asAdmin(), "down-none"))
          .containsOnlyKeys("2026-05-04T14:00:00.000Z");
    }
  }

  @Test
  void onSqliteAClockSteppedBackCannotFireATimeAgain() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-06-01T11:59:00Z"));
    try (TestServer node = TestServer.start(null, Map.of(), clock)) {
      firedTimeIsNeverFiredAgain(node, clock, node, clock);
    }
  }

  @Test
  void onPostgresANodeWithALaggingClockCannotFireATimeAnotherNodeFired() throws Exception {
    String url = TestDatabases.freshPostgres();
    TestClock ahead = new TestClock(Instant.parse("2026-06-01T11:59:00Z"));
    TestClock behind = new TestClock(Instant.parse("2026-06-01T11:58:40Z"));
    try (TestServer a = TestServer.start(url, Map.of(), ahead);
        TestServer b = TestServer.start(url, Map.of(), behind)) {
      firedTimeIsNeverFiredAgain(a, ahead, b, behind);
    } finally {
      TestDatabases.dropPostgres(url);
    }
  }

  /**
   * {@code first} fires noon; then {@code second}, whose clock says it is not noon yet, saves a
   * change, which puts the next run back on noon. Noon must not fire a second time: the row lock
   * cannot know it fired, the fire time's unique key does. Running it by hand is not a fire time
   * and still works, before and after.
   */
  static void firedTimeIsNeverFiredAgain(TestServer first, TestClock firstClock,
      TestServer second, TestClock secondClock) throws Exception {
    create(first, "{\"id\":\"noon\",\"cron\":\"0 12 * * *\",\"task\":{\"title\":\"noon v1\"}}");
    Response early = first.as("planner", "ops").post("/api/v1/schedules/noon/run", null);
    assertThat(early.status()).isEqualTo(201);

    firstClock.set(Instant.parse("2026-06-01T12:00:05Z"));
    awaitFired(first, firstClock, List.of("noon"));
    assertThat(createdByFireTime(first.asAdmin(), "noon"))
        .containsOnlyKeys("2026-06-01T12:00:00.000Z");

    secondClock.set(Instant.parse("2026-06-01T11:59:45Z"));
    Response patched = second.as("planner", "ops").patch("/api/v1/schedules/noon",
        "{\"task\":{\"title\":\"noon v2\"}}");
    assertThat(patched.json().get("nextRunAt").asText()).isEqualTo("2026-06-01T12:00:00.000Z");
    secondClock.set(Instant.parse("2026-06-01T12:00:01Z"));
    awaitFired(second, secondClock, List.of("noon"));
    assertThat(nextRunAt(second, "noon")).isEqualTo("2026-06-02T12:00:00Z");

    Map<String, List<String>> fired = createdByFireTime(first.asAdmin(), "noon");
    assertThat(fired).containsOnlyKeys("2026-06-01T12:00:00.000Z");
    assertThat(fired.get("2026-06-01T12:00:00.000Z")).hasSize(1);
    String noonTask = fired.get("2026-06-01T12:00:00.000Z").get(0);
    assertThat(first.asAdmin().get("/api/v1/tasks/" + noonTask).json().get("title").asText())
        .isEqualTo("noon v1");

    Response late = second.as("planner", "ops").post("/api/v1/schedules/noon/run", null);
    assertThat(late.status()).isEqualTo(201);
    assertThat(late.json().get("title").asText()).isEqualTo("noon v2");
    assertThat(late.json().get("scheduleId").asText()).isEqualTo("noon");
  }
}
