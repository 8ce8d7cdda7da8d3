package io.taskpulse.server.schedules;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.store.Db;
import io.taskpulse.server.store.Tx;
import io.taskpulse.server.tasks.Actor;
import io.taskpulse.server.tasks.Entry;
import io.taskpulse.server.tasks.Task;
import io.taskpulse.server.tasks.TaskFields;
import io.taskpulse.server.tasks.TaskService;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schedules create tasks on a timetable (PROTOCOL section 8). Firing takes a due schedule under
 * a row lock (passing over rows another node holds), records the fire time in
 * {@code schedule_runs}, creates the task and moves {@code next_run_at}, all in one
 * transaction. The primary key of {@code schedule_runs} is what makes each fire time create
 * exactly one task, however many nodes run, whichever of them crash and whatever their clocks
 * say; the row lock only keeps nodes from doing the same work twice. Blocks on the database.
 */
public final class ScheduleService {

  private static final Logger log = LoggerFactory.getLogger(ScheduleService.class);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  /** With catchUp "none", a fire time older than this at firing counts as missed. */
  private static final Duration ON_TIME = Duration.ofSeconds(60);
  private static final Set<String> FIELDS = Set.of("id", "cron", "timezone", "task", "enabled",
      "catchUp");
  private static final String COLUMNS = "id, cron, timezone, template, enabled, catch_up,"
      + " owner_id, team_id, next_run_at, last_run_at, last_task_id, created_at, updated_at";

  private final Db db;
  private final TaskService tasks;
  private final Clock clock;

  public ScheduleService(Db db, TaskService tasks, Clock clock) {
    this.db = db;
    this.tasks = tasks;
    this.clock = clock;
  }

  public Schedule create(Principal p, JsonNode body) {
    checkFields(body);
    String id = body.has("id") ? id(body.get("id"))
        : "s-" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    if (!body.has("cron")) {
      throw Problem.invalid("cron", "is required");
    }
    String cron = TaskFields.text("cron", body.get("cron"), 200, false);
    String zone = body.has("timezone") ? TaskFields.text("timezone", body.get("timezone"), 64,
        false) : "UTC";
    Timetable timetable = Timetable.parse(cron, zone);
    JsonNode template = template(p, body.get("task"));
    boolean enabled = !body.has("enabled") || bool("enabled", body.get("enabled"));
    String catchUp = body.has("catchUp") ? catchUp(body.get("catchUp")) : "one";
    Instant now = clock.instant();
    String team = template.path("teamId").isTextual() ? template.get("teamId").asText() : null;
    try {
      db.write(tx -> tx.update("INSERT INTO schedules (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?,"
              + " ?, ?, ?, NULL, NULL, ?, ?)", id, cron, zone, template.toString(),
          enabled ? 1 : 0, catchUp, p.userId(), team,
          timetable.next(now, now).toEpochMilli(), now.toEpochMilli(), now.toEpochMilli()));
    } catch (Db.UniqueViolation e) {
      throw Problem.conflict("a schedule " + id + " already exists");
    }
    return get(p, id);
  }

  public List<Schedule> list(Principal p) {
    return db.read(tx -> tx.query("SELECT " + COLUMNS + " FROM schedules ORDER BY id",
        ScheduleService::row)).stream().filter(s -> visible(p, s)).toList();
  }

  public Schedule get(Principal p, String id) {
    return db.read(tx -> find(tx, id)).filter(s -> visible(p, s))
        .orElseThrow(() -> Problem.notFound("schedule", id));
  }

  /** Changes cron, zone, template, enabled or catchUp; the next run is worked out anew. */
  public Schedule patch(Principal p, String id, JsonNode body) {
    checkFields(body);
    if (body.has("id")) {
      throw Problem.invalid("id", "cannot be changed");
    }
    Instant now = clock.instant();
    db.write(tx -> {
      Schedule s = tx.one("SELECT " + COLUMNS + " FROM schedules WHERE id = ?"
          + tx.dialect().forUpdate(), ScheduleService::row, id).filter(x -> visible(p, x))
          .orElseThrow(() -> Problem.notFound("schedule", id));
      String cron = body.has("cron") ? TaskFields.text("cron", body.get("cron"), 200, false)
          : s.cron();
      String zone = body.has("timezone") ? TaskFields.text("timezone", body.get("timezone"), 64,
          false) : s.timezone();
      Timetable timetable = Timetable.parse(cron, zone);
      JsonNode template = body.has("task") ? template(p, body.get("task")) : s.task();
      boolean enabled = body.has("enabled") ? bool("enabled", body.get("enabled")) : s.enabled();
      String catchUp = body.has("catchUp") ? catchUp(body.get("catchUp")) : s.catchUp();
      String team = template.path("teamId").isTextual() ? template.get("teamId").asText() : null;
      tx.update("UPDATE schedules SET cron = ?, timezone = ?, template = ?, enabled = ?,"
              + " catch_up = ?, team_id = ?, next_run_at = ?, updated_at = ? WHERE id = ?",
          cron, zone, template.toString(), enabled ? 1 : 0, catchUp, team,
          timetable.next(now, now).toEpochMilli(), now.toEpochMilli(), id);
      return null;
    });
    return get(p, id);
  }

  public void delete(Principal p, String id) {
    get(p, id);
    db.write(tx -> tx.update("DELETE FROM schedules WHERE id = ?", id));
  }

  /**
   * {@code POST /schedules/{id}/run}: its task, now, outside the timetable. It is not a fire
   * time: it writes no {@code schedule_runs} row and leaves {@code next_run_at} alone. The
   * caller is the task's creator, and the timeline entry says it was run by hand.
   */
  public Task runNow(Principal p, String id, Actor actor) {
    get(p, id);
    return tasks.commit((tx, drafts) -> {
      Schedule s = tx.one("SELECT " + COLUMNS + " FROM schedules WHERE id = ?"
          + tx.dialect().forUpdate(), ScheduleService::row, id)
          .orElseThrow(() -> Problem.notFound("schedule", id));
      Instant now = clock.instant();
      Entry entry = new Entry(null, null, "schedule", "run now by " + actor.id(),
          Json.MAPPER.valueToTree(Map.of("scheduleId", s.id(), "runNow", true)), null, now);
      Task task = createTask(tx, s, actor, entry, drafts);
      tx.update("UPDATE schedules SET last_run_at = ?, last_task_id = ? WHERE id = ?",
          now.toEpochMilli(), task.id(), id);
      return task;
    });
  }

  /**
   * Fires every due schedule (at most {@code batch}), each in a transaction of its own so one
   * schedule that cannot create its task (its project was deleted, say) does not hold back the
   * others: that one is moved on to its next fire time with a warning. Returns how many fired.
   */
  public int fireDue(int batch) {
    long now = clock.millis();
    List<String> due = db.read(tx -> tx.query("SELECT id FROM schedules WHERE enabled = 1"
        + " AND next_run_at <= ? ORDER BY next_run_at LIMIT ?", rs -> rs.getString(1), now,
        batch));
    for (String id : due) {
      try {
        fire(id);
      } catch (Problem refused) {
        skip(id, refused.getMessage());
      }
    }
    return due.size();
  }

  private void fire(String id) {
    tasks.commit((tx, drafts) -> {
      Instant now = clock.instant();
      Optional<Schedule> locked = tx.one("SELECT " + COLUMNS + " FROM schedules WHERE id = ?"
          + " AND enabled = 1 AND next_run_at <= ?" + tx.dialect().forUpdateSkipLocked(),
          ScheduleService::row, id, now.toEpochMilli());
      if (locked.isEmpty()) {
        return null; // another node fired it, or it changed meanwhile
      }
      Schedule s = locked.get();
      Timetable timetable = Timetable.parse(s.cron(), s.timezone());
      Instant latest = timetable.latest(s.nextRunAt(), now, s.createdAt());
      boolean onTime = Duration.between(latest, now).compareTo(ON_TIME) <= 0;
      String taskId = s.lastTaskId();
      Instant lastRun = s.lastRunAt();
      if ((s.catchUp().equals("one") || onTime) && claimRun(tx, s.id(), latest, now)) {
        taskId = createTask(tx, s, latest, drafts).id();
        lastRun = latest;
        tx.update("UPDATE schedule_runs SET task_id = ? WHERE schedule_id = ? AND fired_for = ?",
            Long.parseLong(taskId), s.id(), latest.toEpochMilli());
      }
      tx.update("UPDATE schedules SET next_run_at = ?, last_run_at = ?, last_task_id = ?"
              + " WHERE id = ?", timetable.next(now, s.createdAt()).toEpochMilli(),
          lastRun == null ? null : lastRun.toEpochMilli(), taskId, s.id());
      return null;
    });
  }

  /**
   * Takes the fire time {@code firedFor} of a schedule for this transaction, or returns false
   * when it was fired before: its row's primary key, not the schedule's row lock, is what
   * guarantees one task per fire time (a lagging clock or a PATCH can move next_run_at back).
   * A concurrent insert of the same key waits for the other transaction and then does nothing.
   */
  private static boolean claimRun(Tx tx, String scheduleId, Instant firedFor, Instant now)
      throws SQLException {
    int inserted = tx.update("INSERT INTO schedule_runs (schedule_id, fired_for, task_id,"
        + " fired_at) VALUES (?, ?, NULL, ?) ON CONFLICT (schedule_id, fired_for) DO NOTHING",
        scheduleId, firedFor.toEpochMilli(), now.toEpochMilli());
    if (inserted == 0) {
      log.info("schedule {} already fired for {}; not firing it again", scheduleId,
          Json.format(firedFor));
    }
    return inserted == 1;
  }

  /** Forgets fire times before {@code before}; a week back is far beyond any clock skew. */
  public int trimRuns(Instant before) {
    return db.write(tx -> tx.update("DELETE FROM schedule_runs WHERE fired_for < ?",
        before.toEpochMilli()));
  }

  /** A fire that cannot create its task is skipped, so it does not fail every tick. */
  private void skip(String id, String why) {
    log.warn("schedule {} could not create its task ({}); skipping to its next run", id, why);
    db.write(tx -> {
      Optional<Schedule> s = find(tx, id);
      if (s.isPresent()) {
        Instant now = clock.instant();
        tx.update("UPDATE schedules SET next_run_at = ? WHERE id = ?", Timetable.parse(
            s.get().cron(), s.get().timezone()).next(now, s.get().createdAt()).toEpochMilli(), id);
      }
      return null;
    });
  }

  /** The task of fire time {@code firedFor}, created by the system. */
  private Task createTask(Tx tx, Schedule s, Instant firedFor, List<EventLog.Draft> drafts)
      throws SQLException {
    Entry entry = new Entry(null, null, "schedule", "scheduled for " + Json.format(firedFor),
        Json.MAPPER.valueToTree(Map.of("scheduleId", s.id(), "scheduledFor",
            Json.format(firedFor))), null, clock.instant());
    return createTask(tx, s, Actor.system("schedule"), entry, drafts);
  }

  private Task createTask(Tx tx, Schedule s, Actor actor, Entry entry,
      List<EventLog.Draft> drafts) throws SQLException {
    Instant now = clock.instant();
    Task.Builder b = tasks.draft(s.ownerId(), s.task(), now);
    b.scheduleId = s.id();
    return tasks.insert(tx, b, actor, entry, now, drafts);
  }

  /** The task template: the fields of a create, checked now so every fire can succeed. */
  private JsonNode template(Principal p, JsonNode task) {
    if (task == null || !task.isObject()) {
      throw Problem.invalid("task", "is required: the fields of the task to create");
    }
    try {
      tasks.draft(p.userId(), task, clock.instant());
    } catch (Problem e) {
      String field = String.valueOf(e.details().getOrDefault("field", ""));
      throw Problem.invalid("task." + field, e.getMessage());
    }
    String team = task.path("teamId").isTextual() ? task.get("teamId").asText() : null;
    if (team != null && !p.admin() && !p.inTeam(team)) {
      throw Problem.invalid("task.teamId", "you are not a member of team " + team);
    }
    String project = task.path("projectId").isTextual() ? task.get("projectId").asText() : null;
    if (project != null && db.read(tx -> tx.one("SELECT 1 FROM projects WHERE id = ?",
        rs -> 1, project)).isEmpty()) {
      throw Problem.invalid("task.projectId", "no project " + project);
    }
    return task;
  }

  private static boolean visible(Principal p, Schedule s) {
    return p.admin() || p.userId().equals(s.ownerId()) || p.inTeam(s.teamId());
  }

  private static void checkFields(JsonNode body) {
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!FIELDS.contains(name)) {
        throw Problem.invalid(name, "is not a schedule field (id, cron, timezone, task, enabled,"
            + " catchUp)");
      }
    }
  }

  private static String id(JsonNode v) {
    String id = TaskFields.text("id", v, 64, false);
    if (!ID.matcher(id).matches()) {
      throw Problem.invalid("id", "must be 1 to 64 letters, digits or . _ -");
    }
    return id;
  }

  private static boolean bool(String field, JsonNode v) {
    if (!v.isBoolean()) {
      throw Problem.invalid(field, "must be true or false");
    }
    return v.asBoolean();
  }

  private static String catchUp(JsonNode v) {
    if (!v.isTextual() || !Set.of("one", "none").contains(v.asText())) {
      throw Problem.invalid("catchUp", "must be \"one\" or \"none\"");
    }
    return v.asText();
  }

  private static Optional<Schedule> find(Tx tx, String id) throws SQLException {
    return tx.one("SELECT " + COLUMNS + " FROM schedules WHERE id = ?", ScheduleService::row, id);
  }

  private static Schedule row(ResultSet rs) throws SQLException {
    return new Schedule(rs.getString(1), rs.getString(2), rs.getString(3),
        Json.tree(rs.getString(4)), rs.getInt(5) == 1, rs.getString(6), rs.getString(7),
        rs.getString(8), instant(rs, 9), instant(rs, 10), rs.getString(11), instant(rs, 12),
        instant(rs, 13));
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(v);
  }
}
