package io.taskpulse.server.schedules;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.taskpulse.server.errors.Problem;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a schedule fires: five-field Unix cron in a time zone (cron-utils), the {@code @hourly}
 * family, or {@code @every <n>s|m|h} counted from an anchor. Immutable and thread-safe.
 */
public final class Timetable {

  private static final CronParser UNIX =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final Map<String, String> NICKNAMES = Map.of(
      "@hourly", "0 * * * *", "@daily", "0 0 * * *", "@midnight", "0 0 * * *",
      "@weekly", "0 0 * * 0", "@monthly", "0 0 1 * *", "@yearly", "0 0 1 1 *",
      "@annually", "0 0 1 1 *");
  private static final Pattern EVERY = Pattern.compile("@every\\s+(\\d{1,9})([smh])");

  private final ExecutionTime cron;
  private final Duration every;
  private final ZoneId zone;

  private Timetable(ExecutionTime cron, Duration every, ZoneId zone) {
    this.cron = cron;
    this.every = every;
    this.zone = zone;
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
      return new Timetable(null, d, zone);
    }
    String unix = NICKNAMES.getOrDefault(text, expression.trim());
    if (unix.startsWith("@")) {
      throw Problem.invalid("cron", "unknown shorthand " + expression
          + " (@hourly, @daily, @weekly, @monthly, @yearly or @every <n>s|m|h)");
    }
    try {
      return new Timetable(ExecutionTime.forCron(UNIX.parse(unix).validate()), null, zone);
    } catch (IllegalArgumentException e) {
      throw Problem.invalid("cron", "not a five-field cron expression: " + e.getMessage());
    }
  }

  /** The first fire time strictly after {@code after}; {@code anchor} counts @every. */
  public Instant next(Instant after, Instant anchor) {
    if (every != null) {
      long periods = Math.max(0, Duration.between(anchor, after).toMillis() / every.toMillis()) + 1;
      Instant candidate = anchor.plusMillis(periods * every.toMillis());
      return candidate.isAfter(after) ? candidate : candidate.plus(every);
    }
    return cron.nextExecution(after.atZone(zone)).map(z -> z.toInstant())
        .orElseThrow(() -> Problem.invalid("cron", "never fires"));
  }

  /** The last fire time at or before {@code atOrBefore} and not before {@code from}. */
  public Instant latest(Instant from, Instant atOrBefore, Instant anchor) {
    if (every != null) {
      long periods = Duration.between(anchor, atOrBefore).toMillis() / every.toMillis();
      Instant t = anchor.plusMillis(Math.max(0, periods) * every.toMillis());
      return t.isBefore(from) ? from : t;
    }
    Instant last = cron.lastExecution(atOrBefore.plusMillis(1).atZone(zone))
        .map(z -> z.toInstant()).orElse(from);
    return last.isBefore(from) ? from : last;
  }
}
