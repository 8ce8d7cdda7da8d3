package io.taskpulse.server.schedules;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.taskpulse.server.errors.Problem;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a schedule fires: five-field Unix cron in a time zone, the {@code @hourly} family, or
 * {@code @every <n>s|m|h} counted from an anchor. Immutable and thread-safe.
 *
 * <p>Daylight saving time follows Vixie cron. A <em>fixed-time</em> expression (neither the
 * minute nor the hour field starts with {@code *}, e.g. {@code 30 2 * * *}) fires once per
 * matching local time: a time the clock skips (02:30 when 02:00 jumps to 03:00) fires at the
 * first moment after the jump, and a time the clock passes twice (02:30 when 03:00 falls back to
 * 02:00) fires only the first time. Other expressions ({@code 0 * * * *}, {@code *&#47;15 2 * * *})
 * run on the wall clock as it is: skipped local times do not fire, and a repeated hour fires
 * again, so an hourly schedule fires every elapsed hour. cron-utils matches expressions on a
 * local timeline without zones (where it is exact); this class maps matches to instants,
 * because cron-utils' own zoned search skips a daily run on the spring change and doubles it
 * on the autumn one. {@code @every} counts elapsed time and ignores the zone.
 */
public final class Timetable {

  private static final CronParser UNIX =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final Map<String, String> NICKNAMES = Map.of(
      "@hourly", "0 * * * *", "@daily", "0 0 * * *", "@midnight", "0 0 * * *",
      "@weekly", "0 0 * * 0", "@monthly", "0 0 1 * *", "@yearly", "0 0 1 1 *",
      "@annually", "0 0 1 1 *");
  private static final Pattern EVERY = Pattern.compile("@every\\s+(\\d{1,9})([smh])");
  /** Zone transitions a single search may cross: years of a yearly cron in a DST zone. */
  private static final int MAX_TRANSITIONS = 1_000;

  private final ExecutionTime cron;
  private final boolean fixedTime;
  private final Duration every;
  private final ZoneRules rules;

  private Timetable(ExecutionTime cron, boolean fixedTime, Duration every, ZoneId zone) {
    this.cron = cron;
    this.fixedTime = fixedTime;
    this.every = every;
    this.rules = zone.getRules();
  }

  /** Parses; a bad expression or zone is 400 naming {@code cron} or {@code timezone}. */
  public static Timetable parse(String expression, String timezone) {
    ZoneId zone;
    try {
      zone = ZoneId.of(timezone);
    } catch (DateTimeException e) {
      throw Problem.invalid("timezone", "unknown time zone " + timezone
          + " (an IANA name such as Europe/Berlin, or UTC)");
    }
    String text = expression.trim().toLowerCase(Locale.ROOT);
    Matcher m = EVERY.matcher(text);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d = switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
      if (d.isZero()) {
        throw Problem.invalid("cron", "@every needs at least 1 s");
      }
      return new Timetable(null, false, d, zone);
    }
    String unix = NICKNAMES.getOrDefault(text, expression.trim());
    if (unix.startsWith("@")) {
      throw Problem.invalid("cron", "unknown shorthand " + expression
          + " (@hourly, @daily, @weekly, @monthly, @yearly or @every <n>s|m|h)");
    }
    ExecutionTime cron;
    try {
      cron = ExecutionTime.forCron(UNIX.parse(unix).validate());
    } catch (IllegalArgumentException e) {
      throw Problem.invalid("cron", "not a five-field cron expression: " + e.getMessage());
    }
    String[] fields = unix.trim().split("\\s+");
    boolean fixed = !fields[0].startsWith("*") && !fields[1].startsWith("*");
    Timetable t = new Timetable(cron, fixed, null, zone);
    // "0 0 30 2 *" parses but never fires: refuse it now rather than at every tick.
    if (t.nextLocal(LocalDateTime.of(2000, 1, 1, 0, 0)).isEmpty()) {
      throw Problem.invalid("cron", "never fires: " + expression);
    }
    return t;
  }

  /** The first fire time strictly after {@code after}; {@code anchor} counts @every. */
  public Instant next(Instant after, Instant anchor) {
    if (every != null) {
      long periods = Math.max(0, Duration.between(anchor, after).toMillis() / every.toMillis()) + 1;
      Instant candidate = anchor.plusMillis(periods * every.toMillis());
      return candidate.isAfter(after) ? candidate : candidate.plus(every);
    }
    // Walk the stretches of constant offset between zone transitions, oldest first.
    Instant from = after;
    ZoneOffset offset = rules.getOffset(after);
    LocalDateTime localFrom = LocalDateTime.ofInstant(after, offset); // exclusive
    for (int i = 0; i < MAX_TRANSITIONS; i++) {
      ZoneOffsetTransition change = rules.nextTransition(from);
      LocalDateTime m = nextLocal(localFrom).orElseThrow(Timetable::neverFires);
      while (fixedTime && within(m, change) && secondPass(m, offset)) {
        m = nextLocal(m).orElseThrow(Timetable::neverFires);
      }
      if (within(m, change)) {
        return m.toInstant(offset);
      }
      if (change.isGap() && fixedTime && m.isBefore(change.getDateTimeAfter())) {
        return change.getInstant(); // a skipped local time fires as the clock jumps
      }
      from = change.getInstant();
      offset = change.getOffsetAfter();
      localFrom = change.getDateTimeAfter().minusNanos(1); // the transition's instant included
    }
    throw neverFires();
  }

  /** The last fire time at or before {@code atOrBefore} and not before {@code from}. */
  public Instant latest(Instant from, Instant atOrBefore, Instant anchor) {
    Instant last;
    if (every != null) {
      long periods = Duration.between(anchor, atOrBefore).toMillis() / every.toMillis();
      last = anchor.plusMillis(Math.max(0, periods) * every.toMillis());
    } else {
      last = previous(atOrBefore, from);
    }
    return last == null || last.isBefore(from) ? from : last;
  }

  /** The last cron fire time at or before {@code to}, or null if none since {@code floor}. */
  private Instant previous(Instant to, Instant floor) {
    Instant until = to;
    ZoneOffset offset = rules.getOffset(to);
    // Inclusive of `to`: matches are whole minutes, and cron-utils counts whole seconds.
    LocalDateTime localTo = LocalDateTime.ofInstant(to, offset).truncatedTo(ChronoUnit.SECONDS)
        .plusSeconds(1);
    for (int i = 0; i < MAX_TRANSITIONS && !until.isBefore(floor); i++) {
      ZoneOffsetTransition change = rules.previousTransition(until.plusNanos(1));
      Optional<LocalDateTime> found = previousLocal(localTo);
      while (fixedTime && found.isPresent() && secondPass(found.get(), offset)
          && (change == null || !found.get().isBefore(change.getDateTimeAfter()))) {
        found = previousLocal(found.get());
      }
      if (found.isPresent()
          && (change == null || !found.get().isBefore(change.getDateTimeAfter()))) {
        return found.get().toInstant(offset);
      }
      if (change == null) {
        return null;
      }
      if (change.isGap() && fixedTime) {
        Optional<LocalDateTime> inGap = previousLocal(change.getDateTimeAfter());
        if (inGap.isPresent() && !inGap.get().isBefore(change.getDateTimeBefore())) {
          return change.getInstant();
        }
      }
      until = change.getInstant().minusNanos(1);
      offset = change.getOffsetBefore();
      localTo = change.getDateTimeBefore(); // exclusive: the instants before the transition
    }
    return null;
  }

  /** Whether a local time of the stretch that ends at {@code change} lies before its end. */
  private static boolean within(LocalDateTime local, ZoneOffsetTransition change) {
    return change == null || local.isBefore(change.getDateTimeBefore());
  }

  /** A local time the clock passes twice, now on its second pass (the later offset). */
  private boolean secondPass(LocalDateTime local, ZoneOffset offset) {
    List<ZoneOffset> valid = rules.getValidOffsets(local);
    return valid.size() == 2 && offset.equals(rules.getTransition(local).getOffsetAfter());
  }

  /** The first match strictly after {@code local} on a timeline without zones. */
  private Optional<LocalDateTime> nextLocal(LocalDateTime local) {
    return cron.nextExecution(local.atZone(ZoneOffset.UTC)).map(z -> z.toLocalDateTime());
  }

  /** The last match strictly before {@code local} on a timeline without zones. */
  private Optional<LocalDateTime> previousLocal(LocalDateTime local) {
    return cron.lastExecution(local.atZone(ZoneOffset.UTC)).map(z -> z.toLocalDateTime());
  }

  private static Problem neverFires() {
    return Problem.invalid("cron", "never fires");
  }
}
