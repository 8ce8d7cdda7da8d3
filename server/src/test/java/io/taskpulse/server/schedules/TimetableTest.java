package io.taskpulse.server.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.taskpulse.server.errors.Problem;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Fire times across daylight saving changes in Europe/Berlin (2026: clocks jump from 02:00 to
 * 03:00 on March 29 and fall back from 03:00 to 02:00 on October 25).
 */
class TimetableTest {

  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  static final Instant ANCHOR = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant SPRING_FROM = Instant.parse("2026-03-26T12:00:00Z");
  static final Instant AUTUMN_FROM = Instant.parse("2026-10-22T12:00:00Z");

  /** Every fire time in [from, from + days), found by asking for the next one again and again. */
  static List<Instant> walk(Timetable t, Instant from, int days) {
    List<Instant> out = new ArrayList<>();
    Instant end = from.plus(Duration.ofDays(days));
    for (Instant at = t.next(from, ANCHOR); at.isBefore(end); at = t.next(at, ANCHOR)) {
      out.add(at);
    }
    return out;
  }

  static Map<LocalDate, List<String>> byLocalDate(List<Instant> fires) {
    Map<LocalDate, List<String>> out = new TreeMap<>();
    for (Instant i : fires) {
      out.computeIfAbsent(i.atZone(BERLIN).toLocalDate(), d -> new ArrayList<>())
          .add(i.toString());
    }
    return out;
  }

  @Test
  void aDailyRunAtASkippedLocalTimeFiresOnceAsTheClockJumps() {
    List<Instant> fires = walk(Timetable.parse("30 2 * * *", "Europe/Berlin"), SPRING_FROM, 6);
    assertThat(fires).containsExactly(
        Instant.parse("2026-03-27T01:30:00Z"), // 02:30 CET
        Instant.parse("2026-03-28T01:30:00Z"),
        Instant.parse("2026-03-29T01:00:00Z"), // 02:30 does not exist: at 03:00 CEST
        Instant.parse("2026-03-30T00:30:00Z"), // 02:30 CEST
        Instant.parse("2026-03-31T00:30:00Z"),
        Instant.parse("2026-04-01T00:30:00Z"));
  }

  @Test
  void aDailyRunAtARepeatedLocalTimeFiresOnlyTheFirstTime() {
    List<Instant> fires = walk(Timetable.parse("30 2 * * *", "Europe/Berlin"), AUTUMN_FROM, 6);
    assertThat(fires).containsExactly(
        Instant.parse("2026-10-23T00:30:00Z"),
        Instant.parse("2026-10-24T00:30:00Z"),
        Instant.parse("2026-10-25T00:30:00Z"), // 02:30 CEST; not again at 02:30 CET
        Instant.parse("2026-10-26T01:30:00Z"),
        Instant.parse("2026-10-27T01:30:00Z"),
        Instant.parse("2026-10-28T01:30:00Z"));
  }

  @Test
  void dailyRunsAroundTheChangesFireExactlyOncePerLocalDay() {
    for (String cron : List.of("30 1 * * *", "0 2 * * *", "30 2 * * *", "59 2 * * *",
        "0 3 * * *", "30 3 * * *", "@daily")) {
      Timetable t = Timetable.parse(cron, "Europe/Berlin");
      for (Instant from : List.of(SPRING_FROM, AUTUMN_FROM)) {
        Map<LocalDate, List<String>> days = byLocalDate(walk(t, from, 8));
        assertThat(days).as(cron + " from " + from).hasSize(8);
        days.forEach((day, times) -> assertThat(times).as(cron + " on " + day).hasSize(1));
      }
    }
  }

  @Test
  void theNextFireTimeIsTheSameWhereverTheSearchStarts() {
    // A node that fires late, or comes back after downtime, starts its search anywhere: it must
    // still land on the next time of the one sequence, never on a second 02:30 or past a day.
    for (String cron : List.of("30 2 * * *", "0 2 * * *", "0 3 * * *", "0 1-3 * * *",
        "0 * * * *", "*/20 * * * *", "15 2 * * 0")) {
      Timetable t = Timetable.parse(cron, "Europe/Berlin");
      for (Instant from : List.of(SPRING_FROM, AUTUMN_FROM)) {
        List<Instant> fires = walk(t, from.minus(Duration.ofDays(8)), 20);
        for (long step = 0; step < 4 * 24 * 60 / 7; step++) {
          Instant at = from.plusSeconds(step * (7 * 60 + 13));
          Instant expected = fires.stream().filter(f -> f.isAfter(at)).findFirst().orElseThrow();
          assertThat(t.next(at, ANCHOR)).as(cron + " after " + at).isEqualTo(expected);
          Instant last = fires.stream().filter(f -> !f.isAfter(at)).reduce((a, b) -> b)
              .orElseThrow();
          assertThat(t.latest(fires.get(0), at, ANCHOR)).as(cron + " up to " + at)
              .isEqualTo(last);
        }
        for (Instant f : fires.subList(1, fires.size() - 1)) {
          assertThat(t.latest(fires.get(0), f, ANCHOR)).as(cron + " at " + f).isEqualTo(f);
        }
      }
    }
  }

  @Test
  void anHourlyRunFollowsElapsedHoursThroughBothChanges() {
    Timetable hourly = Timetable.parse("@hourly", "Europe/Berlin");
    // March 29 has 23 hours in Berlin, October 25 has 25: an hourly schedule fires in each.
    for (LocalDate day : List.of(LocalDate.of(2026, 3, 29), LocalDate.of(2026, 10, 25))) {
      Instant start = day.atStartOfDay(BERLIN).toInstant();
      Instant end = day.plusDays(1).atStartOfDay(BERLIN).toInstant();
      List<Instant> fires = walk(hourly, start.minusSeconds(1), 2).stream()
          .filter(i -> i.isBefore(end)).toList();
      assertThat(fires).as(day.toString()).hasSize((int) Duration.between(start, end).toHours());
      for (int i = 1; i < fires.size(); i++) {
        assertThat(Duration.between(fires.get(i - 1), fires.get(i))).isEqualTo(Duration.ofHours(1));
      }
    }
  }

  @Test
  void everyCountsElapsedTimeAndIgnoresTheZone() {
    Timetable every = Timetable.parse("@every 90m", "Europe/Berlin");
    Instant anchor = Instant.parse("2026-10-24T22:00:00Z");
    Instant at = anchor;
    for (int i = 0; i < 6; i++) {
      Instant next = every.next(at, anchor);
      assertThat(Duration.between(at, next)).isEqualTo(Duration.ofMinutes(90));
      at = next;
    }
  }

  @Test
  void expressionsThatNeverFireOrUnknownZonesAreRefused() {
    assertThatThrownBy(() -> Timetable.parse("0 0 30 2 *", "UTC"))
        .isInstanceOfSatisfying(Problem.class,
            p -> assertThat(p.details()).containsEntry("field", "cron"));
    assertThatThrownBy(() -> Timetable.parse("0 2 * * *", "Europe/Atlantis"))
        .isInstanceOfSatisfying(Problem.class,
            p -> assertThat(p.details()).containsEntry("field", "timezone"));
  }
}
