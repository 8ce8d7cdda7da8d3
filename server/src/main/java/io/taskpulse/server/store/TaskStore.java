package io.taskpulse.server.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.tasks.Entry;
import io.taskpulse.server.tasks.Priority;
import io.taskpulse.server.tasks.Task;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** SQL for tasks, their shares and their timeline; one code path for both databases. */
public final class TaskStore {

  private static final String COLUMNS = "id, title, description, status, stage, progress,"
      + " progress_message, output, error, owner_id, assignee, project_id, team_id, shared_with,"
      + " priority, labels, queue, due_at, created_at, updated_at, started_at, finished_at,"
      + " version, attempt, max_attempts, retry_backoff_seconds, lease_expires_at, not_before,"
      + " schedule_id";

  /** Filters of a listing; null means "any". */
  public record Query(String projectId, List<String> statuses, String assignee, String teamId,
      String queue, String text, Long beforeId, int limit) {}

  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

  public Optional<Task> find(Tx tx, long id) throws SQLException {
    return tx.one("SELECT " + COLUMNS + " FROM tasks WHERE id = ?", TaskStore::row, id);
  }

  /** Reads the task and locks its row until the transaction ends. */
  public Optional<Task> lock(Tx tx, long id) throws SQLException {
    return tx.one("SELECT " + COLUMNS + " FROM tasks WHERE id = ?" + tx.dialect().forUpdate(),
        TaskStore::row, id);
  }

  /** Inserts a new task (its id is ignored) and returns its generated id. */
  public long insert(Tx tx, Task t) throws SQLException {
    long id = tx.queryLong("INSERT INTO tasks (title, description, status, stage, progress,"
            + " progress_message, output, error, owner_id, assignee, project_id, team_id,"
            + " shared_with, priority, priority_rank, labels, queue, due_at, created_at,"
            + " updated_at, started_at, finished_at, version, attempt, max_attempts,"
            + " retry_backoff_seconds, lease_expires_at, not_before, schedule_id)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            + " ?, ?, ?, ?) RETURNING id",
        t.title(), t.description(), t.status(), t.stage(), t.progress(), t.progressMessage(),
        json(t.output()), json(t.error()), t.ownerId(), t.assignee(), t.projectId(), t.teamId(),
        Json.write(t.sharedWith()), t.priority(), rank(t.priority()), Json.write(t.labels()),
        t.queue(), millis(t.dueAt()), millis(t.createdAt()), millis(t.updatedAt()),
        millis(t.startedAt()), millis(t.finishedAt()), t.version(), t.attempt(), t.maxAttempts(),
        t.retryBackoffSeconds(), millis(t.leaseExpiresAt()), millis(t.notBefore()),
        t.scheduleId());
    for (String user : t.sharedWith()) {
      tx.update("INSERT INTO task_shares (task_id, user_id) VALUES (?, ?)", id, user);
    }
    return id;
  }

  /** Writes every field of {@code t}; shares are kept in step with {@code sharedWith}. */
  public void update(Tx tx, Task before, Task t) throws SQLException {
    tx.update("UPDATE tasks SET title = ?, description = ?, status = ?, stage = ?, progress = ?,"
            + " progress_message = ?, output = ?, error = ?, owner_id = ?, assignee = ?,"
            + " project_id = ?, team_id = ?, shared_with = ?, priority = ?, priority_rank = ?,"
            + " labels = ?, queue = ?, due_at = ?, updated_at = ?, started_at = ?,"
            + " finished_at = ?, version = ?, attempt = ?, max_attempts = ?,"
            + " retry_backoff_seconds = ?, lease_expires_at = ?, not_before = ?, schedule_id = ?"
            + " WHERE id = ?",
        t.title(), t.description(), t.status(), t.stage(), t.progress(), t.progressMessage(),
        json(t.output()), json(t.error()), t.ownerId(), t.assignee(), t.projectId(), t.teamId(),
        Json.write(t.sharedWith()), t.priority(), rank(t.priority()), Json.write(t.labels()),
        t.queue(), millis(t.dueAt()), millis(t.updatedAt()), millis(t.startedAt()),
        millis(t.finishedAt()), t.version(), t.attempt(), t.maxAttempts(),
        t.retryBackoffSeconds(), millis(t.leaseExpiresAt()), millis(t.notBefore()),
        t.scheduleId(), Long.parseLong(t.id()));
    if (!before.sharedWith().equals(t.sharedWith())) {
      long id = Long.parseLong(t.id());
      for (String user : before.sharedWith()) {
        if (!t.sharedWith().contains(user)) {
          tx.update("DELETE FROM task_shares WHERE task_id = ? AND user_id = ?", id, user);
        }
      }
      for (String user : t.sharedWith()) {
        if (!before.sharedWith().contains(user)) {
          tx.update("INSERT INTO task_shares (task_id, user_id) VALUES (?, ?)", id, user);
        }
      }
    }
  }

  public void delete(Tx tx, long id) throws SQLException {
    tx.update("DELETE FROM task_entries WHERE task_id = ?", id);
    tx.update("DELETE FROM task_shares WHERE task_id = ?", id);
    tx.update("DELETE FROM tasks WHERE id = ?", id);
  }

  /** Tasks {@code viewer} may see that match {@code q}, newest first. */
  public List<Task> list(Tx tx, Principal viewer, Query q) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM tasks t WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    visibleTo(viewer, sql, args);
    if (q.projectId() != null) {
      sql.append(" AND project_id = ?");
      args.add(q.projectId());
    }
    if (q.statuses() != null && !q.statuses().isEmpty()) {
      sql.append(" AND status IN (").append(placeholders(q.statuses().size())).append(')');
      args.addAll(q.statuses());
    }
    if (q.assignee() != null) {
      sql.append(" AND assignee = ?");
      args.add(q.assignee());
    }
    if (q.teamId() != null) {
      sql.append(" AND team_id = ?");
      args.add(q.teamId());
    }
    if (q.queue() != null) {
      sql.append(" AND queue = ?");
      args.add(q.queue());
    }
    if (q.text() != null && !q.text().isBlank()) {
      String like = "%" + escapeLike(q.text().toLowerCase(Locale.ROOT)) + "%";
      sql.append(" AND (LOWER(title) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(description, ''))"
          + " LIKE ? ESCAPE '\\')");
      args.add(like);
      args.add(like);
    }
    if (q.beforeId() != null) {
      sql.append(" AND id < ?");
      args.add(q.beforeId());
    }
    sql.append(" ORDER BY id DESC LIMIT ?");
    args.add(q.limit());
    return tx.query(sql.toString(), TaskStore::row, args.toArray());
  }

  /**
   * Pending tasks of {@code queue} that {@code viewer} may see and that are due, highest
   * priority first then oldest, locked for this transaction; rows another node is claiming
   * are passed over.
   */
  public List<Long> claimable(Tx tx, Principal viewer, String queue, long nowMillis, int max)
      throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT id FROM tasks t WHERE queue = ?"
        + " AND status = 'pending' AND (not_before IS NULL OR not_before <= ?)");
    List<Object> args = new ArrayList<>(List.of(queue, nowMillis));
    visibleTo(viewer, sql, args);
    sql.append(" ORDER BY priority_rank DESC, id LIMIT ?").append(tx.dialect().forUpdateSkipLocked());
    args.add(max);
    return tx.query(sql.toString(), rs -> rs.getLong(1), args.toArray());
  }

  /** Running tasks whose lease ended before {@code nowMillis}, oldest expiry first, locked. */
  public List<Long> expiredLeases(Tx tx, long nowMillis, int max) throws SQLException {
    return tx.query("SELECT id FROM tasks WHERE status = 'running' AND lease_expires_at IS NOT NULL"
        + " AND lease_expires_at < ? ORDER BY lease_expires_at LIMIT ?"
        + tx.dialect().forUpdateSkipLocked(), rs -> rs.getLong(1), nowMillis, max);
  }

  /** Moves a lease on without a new version: the lease is bookkeeping, not a change. */
  public void extendLease(Tx tx, long id, long untilMillis) throws SQLException {
    tx.update("UPDATE tasks SET lease_expires_at = ? WHERE id = ?", untilMillis, id);
  }

  /** Visible tasks assigned to {@code assignee} in {@code status}, newest finish first. */
  public List<Task> assignedTo(Tx tx, Principal viewer, String assignee, String status, int max)
      throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM tasks t WHERE assignee = ?"
        + " AND status = ?");
    List<Object> args = new ArrayList<>(List.of(assignee, status));
    visibleTo(viewer, sql, args);
    sql.append(" ORDER BY COALESCE(finished_at, updated_at) DESC LIMIT ?");
    args.add(max);
    return tx.query(sql.toString(), TaskStore::row, args.toArray());
  }

  /** How many visible tasks assigned to {@code assignee} are in {@code status}. */
  public long countAssigned(Tx tx, Principal viewer, String assignee, String status)
      throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT COUNT(*) FROM tasks t WHERE assignee = ?"
        + " AND status = ?");
    List<Object> args = new ArrayList<>(List.of(assignee, status));
    visibleTo(viewer, sql, args);
    return tx.queryLong(sql.toString(), args.toArray());
  }

  /** Counts of visible tasks by status in one project. */
  public List<Object[]> countByStatus(Tx tx, Principal viewer, String projectId)
      throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT status, COUNT(*) FROM tasks t WHERE project_id = ?");
    List<Object> args = new ArrayList<>(List.of(projectId));
    visibleTo(viewer, sql, args);
    sql.append(" GROUP BY status");
    return tx.query(sql.toString(), rs -> new Object[] {rs.getString(1), rs.getLong(2)},
        args.toArray());
  }

  public long insertEntry(Tx tx, long taskId, String kind, String text, JsonNode data,
      String actorId, Instant at) throws SQLException {
    return tx.queryLong("INSERT INTO task_entries (task_id, kind, text, data, actor_id, at)"
        + " VALUES (?, ?, ?, ?, ?, ?) RETURNING id", taskId, kind, text, json(data), actorId,
        at.toEpochMilli());
  }

  public List<Entry> entries(Tx tx, long taskId, long afterId, int limit) throws SQLException {
    return tx.query("SELECT id, task_id, kind, text, data, actor_id, at FROM task_entries"
            + " WHERE task_id = ? AND id > ? ORDER BY id LIMIT ?",
        rs -> new Entry(Long.toString(rs.getLong(1)), Long.toString(rs.getLong(2)),
            rs.getString(3), rs.getString(4), Json.tree(rs.getString(5)), rs.getString(6),
            Instant.ofEpochMilli(rs.getLong(7))),
        taskId, afterId, limit);
  }

  /** Adds the visibility rule of PROTOCOL section 2 to a query on {@code tasks t}. */
  private static void visibleTo(Principal p, StringBuilder sql, List<Object> args) {
    if (p == null || p.admin()) {
      return;
    }
    sql.append(" AND (t.owner_id = ? OR t.assignee = ?");
    args.add(p.userId());
    args.add(p.userId());
    if (!p.teams().isEmpty()) {
      sql.append(" OR t.team_id IN (").append(placeholders(p.teams().size())).append(')');
      args.addAll(p.teams());
    }
    sql.append(" OR EXISTS (SELECT 1 FROM task_shares s WHERE s.task_id = t.id AND s.user_id = ?))");
    args.add(p.userId());
  }

  private static String placeholders(int n) {
    return String.join(", ", Collections.nCopies(n, "?"));
  }

  private static String escapeLike(String text) {
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }

  static int rank(String priority) {
    Priority p = Priority.parse(priority);
    return p == null ? Priority.NORMAL.ordinal() : p.ordinal();
  }

  private static String json(JsonNode node) {
    return node == null || node.isNull() ? null : Json.write(node);
  }

  private static Long millis(Instant instant) {
    return instant == null ? null : instant.toEpochMilli();
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(value);
  }

  private static List<String> strings(String text) {
    try {
      // Most tasks have no labels and no shares: no parser for those.
      return text == null || text.equals("[]") ? List.of() : Json.MAPPER.readValue(text, STRINGS);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Task row(ResultSet rs) throws SQLException {
    return new Task(
        Long.toString(rs.getLong(1)), rs.getString(2), rs.getString(3), rs.getString(4),
        rs.getString(5), rs.getInt(6), rs.getString(7), Json.tree(rs.getString(8)),
        Json.tree(rs.getString(9)), rs.getString(10), rs.getString(11), rs.getString(12),
        rs.getString(13), strings(rs.getString(14)), rs.getString(15), strings(rs.getString(16)),
        rs.getString(17), instant(rs, 18), instant(rs, 19), instant(rs, 20), instant(rs, 21),
        instant(rs, 22), rs.getLong(23), rs.getInt(24), rs.getInt(25), rs.getInt(26),
        instant(rs, 27), instant(rs, 28), rs.getString(29));
  }
}
