package io.taskpulse.server.log;

import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.store.DeferredLog;
import io.taskpulse.server.store.Tx;
import io.taskpulse.server.tasks.Actor;
import io.taskpulse.server.tasks.Entry;
import io.taskpulse.server.tasks.Task;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The ordered log of task events. {@link #append} runs inside the caller's write transaction,
 * after the task rows are written: it takes the next offsets from the one {@code log_head}
 * row, whose row lock is held until commit, so a transaction that commits later always gets
 * higher offsets, and a reader that sees offset N has every offset below it (DESIGN point 2).
 */
public final class EventLog {

  private static final String COLUMNS = "event_offset, type, task_id, project_id,"
      + " prior_project_id, viewers, teams, prior_viewers, prior_teams, statuses, assignees,"
      + " payload, at";

  /** An event to append: the task after the change, and before it when it existed. */
  public record Draft(String type, Task before, Task after, Actor actor,
      Map<String, Object[]> changes, Entry entry, Instant at) {}

  /** One read of the log: events a reader may see, and the offset to continue after. */
  public record Page(List<LogEvent> events, long next, LogPosition position, boolean recovered) {}

  /** Creates the head row on a new database, with a fresh epoch. */
  public void initialize(Tx tx) throws SQLException {
    byte[] bytes = new byte[6];
    new SecureRandom().nextBytes(bytes);
    tx.update("INSERT INTO log_head (id, last_offset, trimmed_to, epoch) VALUES (1, 0, 0, ?)"
        + " ON CONFLICT (id) DO NOTHING", HexFormat.of().formatHex(bytes));
  }

  private static final String INSERT = "INSERT INTO events (" + COLUMNS + ")"
      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  /**
   * Appends the drafts in order, as the last step of a write transaction. In a grouped
   * transaction the offsets come from its head in memory and the rows wait for the group's
   * commit (DeferredLog); they are taken only once every row is built, so a draft that cannot
   * be written takes none.
   */
  public List<LogEvent> append(Tx tx, List<Draft> drafts) throws SQLException {
    if (drafts.isEmpty()) {
      return List.of();
    }
    DeferredLog deferred = tx.deferredLog();
    long first = deferred != null ? deferred.head() + 1 : tx.queryLong(
        "UPDATE log_head SET last_offset = last_offset + ? WHERE id = 1 RETURNING last_offset",
        drafts.size()) - drafts.size() + 1;
    long offset = first - 1;
    List<Object[]> rows = new ArrayList<>(drafts.size());
    List<LogEvent> out = new ArrayList<>(drafts.size());
    for (Draft d : drafts) {
      offset++;
      Task task = d.after() != null ? d.after() : d.before();
      Event event = new Event(offset, d.type(), task.id(), task.version(), d.at(), d.actor(),
          task, d.changes(), d.entry());
      String json = Json.write(event);
      Set<String> viewers = viewersOf(d.after());
      Set<String> teams = teamOf(d.after());
      Set<String> priorViewers = minus(viewersOf(d.before()), viewers);
      Set<String> priorTeams = minus(teamOf(d.before()), teams);
      Set<String> statuses = pair(d.after() == null ? null : d.after().status(),
          d.before() == null ? null : d.before().status());
      Set<String> assignees = pair(d.after() == null ? null : d.after().assignee(),
          d.before() == null ? null : d.before().assignee());
      String project = task.projectId();
      String prior = d.before() != null && d.after() != null
          && !Objects.equals(d.before().projectId(), d.after().projectId())
          ? d.before().projectId() : null;
      rows.add(new Object[] {offset, d.type(), Long.parseLong(task.id()), project, prior,
          join(viewers), join(teams), join(priorViewers), join(priorTeams), join(statuses),
          join(assignees), json, d.at().toEpochMilli()});
      out.add(new LogEvent(offset, d.type(), task.id(), d.at().toEpochMilli(), viewers, teams,
          priorViewers,
          priorTeams, pair(project, prior), statuses, assignees, json));
    }
    if (deferred != null) {
      deferred.add(first, INSERT, rows);
    } else {
      for (Object[] row : rows) {
        tx.update(INSERT, row);
      }
    }
    return out;
  }

  public LogPosition position(Tx tx) throws SQLException {
    return tx.one("SELECT last_offset, trimmed_to, epoch FROM log_head WHERE id = 1",
            rs -> new LogPosition(rs.getLong(1), rs.getLong(2), rs.getString(3)))
        .orElseThrow(() -> new SQLException("the log has no head row"));
  }

  /**
   * Reads up to {@code limit} events after {@code after} that {@code reader} may see on
   * {@code stream}, looking at no more than {@code scanLimit} rows. {@code next} is where the
   * reader continues: past invisible events too, and never past what this snapshot holds.
   * When {@code after} is no longer held (trimmed, or from another epoch) the page is empty and
   * not recovered: the reader needs a snapshot.
   */
  public Page read(Tx tx, long after, String epoch, Stream stream, Principal reader, int limit,
      int scanLimit) throws SQLException {
    LogPosition pos = position(tx);
    if (!pos.canResume(after, epoch)) {
      return new Page(List.of(), pos.head(), pos, false);
    }
    List<LogEvent> events = new ArrayList<>();
    long next = after;
    long cursor = after;
    int batch = Math.min(scanLimit, Math.max(limit, 256));
    int scanned = 0;
    outer:
    while (scanned < scanLimit && cursor < pos.head()) {
      List<LogEvent> rows = range(tx, stream, cursor, pos.head(), batch);
      if (rows.isEmpty()) {
        break;
      }
      for (LogEvent e : rows) {
        scanned++;
        cursor = e.offset();
        if (reader == null || e.visibleTo(reader)) {
          events.add(e);
        }
        next = e.offset();
        if (events.size() >= limit || scanned >= scanLimit) {
          break outer;
        }
      }
      if (rows.size() < batch) {
        cursor = pos.head();
      }
    }
    if (events.size() < limit && scanned < scanLimit) {
      next = pos.head(); // nothing else on this stream up to the head of this snapshot
    }
    return new Page(events, next, pos, true);
  }

  /** Events of {@code stream} with offsets in (after, upTo], oldest first. */
  public List<LogEvent> range(Tx tx, Stream stream, long after, long upTo, int max)
      throws SQLException {
    String where = switch (stream.kind()) {
      case TASKS -> "";
      case PROJECT -> " AND (project_id = ? OR prior_project_id = ?)";
      case TASK -> " AND task_id = ?";
    };
    Object[] args = switch (stream.kind()) {
      case TASKS -> new Object[] {after, upTo, max};
      case PROJECT -> new Object[] {after, upTo, stream.id(), stream.id(), max};
      case TASK -> new Object[] {after, upTo, parseTaskId(stream.id()), max};
    };
    return tx.query("SELECT " + COLUMNS + " FROM events WHERE event_offset > ? AND event_offset <= ?"
        + where + " ORDER BY event_offset LIMIT ?", EventLog::row, args);
  }

  private static long parseTaskId(String id) {
    try {
      return Long.parseLong(id);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Removes events older than {@code maxAge} or beyond the newest {@code maxEvents}, at most
   * {@code batch} at a time, and records how far the log is trimmed. Returns how many went.
   */
  public int trim(Tx tx, Instant olderThan, long maxEvents, int batch) throws SQLException {
    LogPosition pos = position(tx);
    long byCount = Math.max(0, pos.head() - maxEvents);
    long byAge = tx.one("SELECT MAX(event_offset) FROM events WHERE at < ? AND event_offset <= ?",
        rs -> rs.getLong(1), olderThan.toEpochMilli(), pos.trimmedTo() + batch).orElse(0L);
    long upTo = Math.min(Math.max(byCount, byAge), pos.trimmedTo() + batch);
    if (upTo <= pos.trimmedTo()) {
      return 0;
    }
    int removed = tx.update("DELETE FROM events WHERE event_offset <= ?", upTo);
    tx.update("UPDATE log_head SET trimmed_to = ? WHERE id = 1 AND trimmed_to < ?", upTo, upTo);
    return removed;
  }

  private static LogEvent row(ResultSet rs) throws SQLException {
    return new LogEvent(rs.getLong(1), rs.getString(2), Long.toString(rs.getLong(3)),
        rs.getLong(13), split(rs.getString(6)), split(rs.getString(7)), split(rs.getString(8)),
        split(rs.getString(9)), pair(rs.getString(4), rs.getString(5)), split(rs.getString(10)),
        split(rs.getString(11)), rs.getString(12));
  }

  /** Owner, assignee and shares of a task; nobody for no task. */
  private static Set<String> viewersOf(Task t) {
    if (t == null) {
      return Set.of();
    }
    Set<String> out = new LinkedHashSet<>();
    out.add(t.ownerId());
    if (t.assignee() != null) {
      out.add(t.assignee());
    }
    out.addAll(t.sharedWith());
    return Set.copyOf(out);
  }

  private static Set<String> teamOf(Task t) {
    return t == null || t.teamId() == null ? Set.of() : Set.of(t.teamId());
  }

  private static Set<String> minus(Set<String> a, Set<String> b) {
    Set<String> out = new LinkedHashSet<>(a);
    out.removeAll(b);
    return Set.copyOf(out);
  }

  /** The non-null values among two, as a set. */
  private static Set<String> pair(String a, String b) {
    Set<String> out = new LinkedHashSet<>();
    if (a != null) {
      out.add(a);
    }
    if (b != null) {
      out.add(b);
    }
    return Set.copyOf(out);
  }

  private static String join(Set<String> ids) {
    return String.join("\n", ids);
  }

  private static Set<String> split(String text) {
    if (text == null || text.isEmpty()) {
      return Set.of();
    }
    return Arrays.stream(text.split("\n")).collect(Collectors.toUnmodifiableSet());
  }
}
