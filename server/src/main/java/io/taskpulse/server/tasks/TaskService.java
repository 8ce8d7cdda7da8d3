package io.taskpulse.server.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.auth.Visibility;
import io.taskpulse.server.bus.Bus;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.log.Event;
import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.log.LogPosition;
import io.taskpulse.server.log.Stream;
import io.taskpulse.server.store.Db;
import io.taskpulse.server.store.TaskStore;
import io.taskpulse.server.store.Tx;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The rules of tasks: who may see and change what, the status moves, versions. Every change
 * writes the task and appends its event in one transaction, then hands the committed event to
 * the bus. All methods block on the database: call them from a worker thread.
 */
public final class TaskService {

  /** The outcome of a create: the task, and whether it is the replay of an earlier request. */
  public record Created(Task task, boolean replayed) {}

  /** A page of a listing, consistent with log offset {@code offset}. */
  public record Page(List<Task> tasks, long offset, String epoch, String nextCursor) {}

  /** Works out one change on a copy of the task; returns its event type and timeline entry. */
  @FunctionalInterface
  public interface Change {
    Outcome apply(Task before, Task.Builder after, Tx tx) throws SQLException;
  }

  public record Outcome(String type, Entry entry) {}

  private static final int SNAPSHOT_ENTRIES = 1_000;
  private static final RecordComponent[] FIELDS = Task.class.getRecordComponents();
  private static final Set<String> NOT_DIFFED = Set.of("version", "updatedAt");

  final Db db;
  final TaskStore store;
  final EventLog eventLog;
  private final Bus bus;
  final Clock clock;

  public TaskService(Db db, TaskStore store, EventLog eventLog, Bus bus, Clock clock) {
    this.db = db;
    this.store = store;
    this.eventLog = eventLog;
    this.bus = bus;
    this.clock = clock;
  }

  public Created create(Principal p, JsonNode body, String idempotencyKey, Actor actor) {
    Instant now = clock.instant();
    Task.Builder b = draft(p.userId(), body, now);
    checkTeam(p, b.teamId);
    String requestHash = idempotencyKey == null ? null : sha256(body.toString());
    try {
      return this.<Created>write(tx -> {
        if (idempotencyKey != null) {
          Optional<Created> replay = replay(tx, p, idempotencyKey, requestHash);
          if (replay.isPresent()) {
            return new Result<>(replay.get(), List.of());
          }
        }
        List<EventLog.Draft> drafts = new ArrayList<>();
        Task task = insert(tx, b, actor, null, now, drafts);
        if (idempotencyKey != null) {
          tx.update("INSERT INTO idempotency_keys (user_id, key, request_hash, task_id, response,"
                  + " created_at) VALUES (?, ?, ?, ?, ?, ?)", p.userId(), idempotencyKey,
              requestHash, Long.parseLong(task.id()), Json.write(task), now.toEpochMilli());
        }
        return new Result<>(new Created(task, false), eventLog.append(tx, drafts));
      }).value();
    } catch (Db.UniqueViolation raced) {
      // Another request with the same key committed first: answer with its result.
      return db.read(tx -> replay(tx, p, idempotencyKey, requestHash))
          .orElseThrow(() -> raced);
    }
  }

  /**
   * A new task from client fields, validated but not stored: pending (or disabled), owned by
   * {@code ownerId}, version 1.
   */
  public Task.Builder draft(String ownerId, JsonNode body, Instant now) {
    TaskFields.checkNames(body, Set.of());
    Task.Builder b = new Task.Builder();
    b.status = Status.PENDING.wire();
    b.priority = Priority.NORMAL.wire();
    b.ownerId = ownerId;
    b.maxAttempts = 3;
    b.retryBackoffSeconds = 10;
    b.createdAt = now;
    b.updatedAt = now;
    b.version = 1;
    if (!body.has("title")) {
      throw Problem.invalid("title", "is required");
    }
    TaskFields.apply(body, b);
    if (body.has("status")) {
      Status initial = TaskFields.status(body.get("status"));
      if (initial != Status.PENDING && initial != Status.DISABLED) {
        throw Problem.invalid("status", "a new task is pending or disabled");
      }
      b.status = initial.wire();
    }
    return b;
  }

  /**
   * Stores a drafted task in {@code tx} and adds its {@code task.created} event (with
   * {@code entry} on its timeline, if given) to {@code drafts}; the caller appends them.
   */
  public Task insert(Tx tx, Task.Builder b, Actor actor, Entry entry, Instant now,
      List<EventLog.Draft> drafts) throws SQLException {
    checkProject(tx, b.projectId);
    long id = store.insert(tx, b.build());
    b.id = Long.toString(id);
    Task task = b.build();
    Entry added = entry == null ? null : addEntry(tx, task, entry.kind(), entry.text(),
        entry.data(), actor);
    drafts.add(new EventLog.Draft(Event.CREATED, null, task, actor, Map.of(), added, now));
    return task;
  }

  private static Optional<Created> replay(Tx tx, Principal p, String key, String hash)
      throws SQLException {
    Optional<String[]> row = tx.one("SELECT request_hash, response FROM idempotency_keys"
            + " WHERE user_id = ? AND key = ?", rs -> new String[] {rs.getString(1), rs.getString(2)},
        p.userId(), key);
    if (row.isEmpty()) {
      return Optional.empty();
    }
    if (!row.get()[0].equals(hash)) {
      throw Problem.conflict("this Idempotency-Key was used with a different request body");
    }
    try {
      return Optional.of(new Created(Json.MAPPER.readValue(row.get()[1], Task.class), true));
    } catch (java.io.IOException e) {
      throw new SQLException("unreadable idempotent response", e);
    }
  }

  public Task get(Principal p, String id) {
    long key = taskId(id);
    return db.read(tx -> store.find(tx, key))
        .filter(t -> Visibility.canSee(p, t))
        .orElseThrow(() -> Problem.notFound("task", id));
  }

  public Page list(Principal p, TaskStore.Query q) {
    return db.read(tx -> {
      LogPosition pos = eventLog.position(tx);
      List<Task> rows = store.list(tx, p, new TaskStore.Query(q.projectId(), q.statuses(),
          q.assignee(), q.teamId(), q.queue(), q.text(), q.beforeId(), q.limit() + 1));
      String next = null;
      if (rows.size() > q.limit()) {
        rows = rows.subList(0, q.limit());
        next = rows.get(rows.size() - 1).id();
      }
      return new Page(List.copyOf(rows), pos.head(), pos.epoch(), next);
    });
  }

  /**
   * What a new subscriber to {@code stream} starts from: the visible tasks (at most
   * {@code max}, newest first) and, for one task, its timeline, at one log offset.
   */
  public Snapshot snapshot(Principal p, Stream stream, int max) {
    return db.read(tx -> {
      LogPosition pos = eventLog.position(tx);
      if (stream.kind() == Stream.Kind.TASK) {
        long key = taskId(stream.id());
        Task task = store.find(tx, key).filter(t -> Visibility.canSee(p, t))
            .orElseThrow(() -> Problem.notFound("task", stream.id()));
        return new Snapshot(pos.head(), pos.epoch(), List.of(task),
            store.entries(tx, key, 0, SNAPSHOT_ENTRIES), true);
      }
      String project = stream.kind() == Stream.Kind.PROJECT ? stream.id() : null;
      List<Task> rows = store.list(tx, p, new TaskStore.Query(project, null, null, null, null,
          null, null, max + 1));
      boolean complete = rows.size() <= max;
      return new Snapshot(pos.head(), pos.epoch(), complete ? rows : rows.subList(0, max),
          List.of(), complete);
    });
  }

  /** Changes fields, and the status when {@code status} is present. */
  public Task patch(Principal p, String id, JsonNode body, Long expectedVersion, Actor actor) {
    TaskFields.checkNames(body, Set.of());
    if (body.size() == 0) {
      throw Problem.invalid("body", "names no field to change");
    }
    Status to = body.has("status") ? TaskFields.status(body.get("status")) : null;
    return mutate(p, id, expectedVersion, actor, (before, b, tx) -> {
      if (body.has("teamId") && !Objects.equals(before.teamId(), textOrNull(body, "teamId"))) {
        requireManager(p, before, "move it to another team");
      }
      TaskFields.apply(body, b);
      if (!Objects.equals(before.teamId(), b.teamId)) {
        checkTeam(p, b.teamId); // only a move into a team needs membership of it
      }
      if (!Objects.equals(before.projectId(), b.projectId)) {
        checkProject(tx, b.projectId);
      }
      if (to != null && to != before.statusValue()) {
        move(before, b, to);
      }
      boolean progressOnly = body.size() > 0;
      for (var it = body.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        progressOnly &= f.equals("progress") || f.equals("progressMessage") || f.equals("stage");
      }
      if (body.has("progress") || body.has("progressMessage")) {
        requireActive(b.build()); // a stage alone is a free label, allowed in any status
      }
      String type = to != null && to != before.statusValue() ? Event.STATUS_CHANGED
          : progressOnly ? Event.PROGRESS : Event.UPDATED;
      return new Outcome(type, null);
    });
  }

  /**
   * A status move. {@code detail} carries {@code output} for completed, {@code error} for
   * failed, and {@code reason} for cancelled, which goes on the timeline.
   */
  public Task moveTo(Principal p, String id, Status to, JsonNode detail, Long expectedVersion,
      Actor actor) {
    String reason = detail.has("reason")
        ? TaskFields.text("reason", detail.get("reason"), TaskFields.MAX_TEXT, true) : null;
    String worker = detail.has("worker") ? TaskFields.id("worker", detail.get("worker"), false)
        : null;
    return mutate(p, id, expectedVersion, actor, (before, b, tx) -> {
      checkLease(before, worker);
      move(before, b, to);
      if (to == Status.COMPLETED && detail.has("output")) {
        b.output = TaskFields.jsonValue("output", detail.get("output"));
      }
      if (to == Status.FAILED && detail.has("error")) {
        b.error = TaskFields.jsonValue("error", detail.get("error"));
      }
      Entry entry = null;
      if (reason != null) {
        entry = addEntry(tx, before, "status", to.wire() + ": " + reason, null, actor);
      }
      return new Outcome(Event.STATUS_CHANGED, entry);
    });
  }

  /** A progress report; with {@code worker}, only while that worker holds the task. */
  public Task progress(Principal p, String id, int progress, String message, String worker,
      Actor actor) {
    return mutate(p, id, null, actor, (before, b, tx) -> {
      checkLease(before, worker);
      requireActive(before);
      b.progress = progress;
      b.progressMessage = message;
      return new Outcome(Event.PROGRESS, null);
    });
  }

  /** Adds a timeline entry; the event carries it, and the task's version moves on. */
  public Entry addEntry(Principal p, String id, String kind, String text, JsonNode data,
      Actor actor) {
    return addEntry(p, id, kind, text, data, null, actor);
  }

  /** As above; with {@code worker}, only while that worker holds the task (like progress). */
  public Entry addEntry(Principal p, String id, String kind, String text, JsonNode data,
      String worker, Actor actor) {
    Entry[] added = new Entry[1];
    mutate(p, id, null, actor, (before, b, tx) -> {
      checkLease(before, worker);
      added[0] = addEntry(tx, before, kind, text, data, actor);
      return new Outcome(Event.ENTRY_ADDED, added[0]);
    });
    return added[0];
  }

  public Entry addEntry(Tx tx, Task task, String kind, String text, JsonNode data, Actor actor)
      throws SQLException {
    Instant now = clock.instant();
    long entryId = store.insertEntry(tx, Long.parseLong(task.id()), kind, text, data, actor.id(),
        now);
    return new Entry(Long.toString(entryId), task.id(), kind, text, data, actor.id(), now);
  }

  public List<Entry> entries(Principal p, String id, long afterId, int limit) {
    long key = taskId(id);
    return db.read(tx -> {
      store.find(tx, key).filter(t -> Visibility.canSee(p, t))
          .orElseThrow(() -> Problem.notFound("task", id));
      return store.entries(tx, key, afterId, limit);
    });
  }

  public Task share(Principal p, String id, String userId, Actor actor) {
    return mutate(p, id, null, actor, (before, b, tx) -> {
      requireManager(p, before, "share it");
      if (!before.sharedWith().contains(userId)) {
        List<String> shared = new ArrayList<>(before.sharedWith());
        shared.add(userId);
        b.sharedWith = shared;
      }
      return new Outcome(Event.SHARED, null);
    });
  }

  public Task unshare(Principal p, String id, String userId, Actor actor) {
    return mutate(p, id, null, actor, (before, b, tx) -> {
      requireManager(p, before, "unshare it");
      List<String> shared = new ArrayList<>(before.sharedWith());
      shared.remove(userId);
      b.sharedWith = shared;
      return new Outcome(Event.UNSHARED, null);
    });
  }

  public void delete(Principal p, String id, Long expectedVersion, Actor actor) {
    long key = taskId(id);
    this.<Void>write(tx -> {
      Task before = visibleLocked(tx, p, key, id);
      requireManager(p, before, "delete it");
      checkVersion(before, expectedVersion);
      store.delete(tx, key);
      Instant now = clock.instant();
      return new Result<>(null, eventLog.append(tx, List.of(new EventLog.Draft(Event.DELETED,
          before, null, actor, Map.of(), null, now))));
    });
  }

  /** Moves the status by the table, and sets what the move implies, as of {@code b.updatedAt}. */
  public void move(Task before, Task.Builder b, Status to) {
    Status from = before.statusValue();
    if (!from.canMoveTo(to)) {
      throw Problem.invalidTransition(from.wire(), to.wire());
    }
    Instant now = b.updatedAt;
    b.status = to.wire();
    switch (to) {
      case RUNNING -> {
        b.startedAt = now;
        b.finishedAt = null;
      }
      case COMPLETED -> {
        b.finishedAt = now;
        b.progress = 100;
        b.leaseExpiresAt = null;
      }
      case FAILED, CANCELLED -> {
        b.finishedAt = now;
        b.leaseExpiresAt = null;
      }
      case PENDING -> {
        // Reopened or handed back: a fresh start, the last run's outcome stays in the log.
        b.startedAt = null;
        b.finishedAt = null;
        b.progress = 0;
        b.progressMessage = null;
        b.output = null;
        b.error = null;
        b.leaseExpiresAt = null;
      }
      case DISABLED -> b.leaseExpiresAt = null;
    }
  }

  Task mutate(Principal p, String id, Long expectedVersion, Actor actor, Change change) {
    return commit((tx, drafts) -> change(tx, p, id, expectedVersion, actor, change, drafts));
  }

  /**
   * One change of one task inside the caller's transaction: locks it, applies {@code change},
   * stores the result with version + 1 and adds its event to {@code drafts}. A change that
   * changes nothing stores and drafts nothing.
   */
  public Task change(Tx tx, Principal p, String id, Long expectedVersion, Actor actor,
      Change change, List<EventLog.Draft> drafts) throws SQLException {
    Task before = visibleLocked(tx, p, taskId(id), id);
    checkVersion(before, expectedVersion);
    Instant now = clock.instant();
    Task.Builder b = before.toBuilder();
    b.updatedAt = now; // the moment of this change, for the timestamps a move sets
    Outcome outcome = change.apply(before, b, tx);
    Map<String, Object[]> changes = diff(before, b.build());
    if (changes.isEmpty() && outcome.entry() == null) {
      return before; // nothing changed: no version, no event
    }
    b.version = before.version() + 1;
    b.updatedAt = now;
    Task after = b.build();
    store.update(tx, before, after);
    drafts.add(new EventLog.Draft(outcome.type(), before, after, actor, changes,
        outcome.entry(), now));
    return after;
  }

  record Result<T>(T value, List<LogEvent> events) {}

  @FunctionalInterface
  interface Body<T> {
    Result<T> run(Tx tx) throws SQLException;
  }

  /** Whether a task with this id exists (whoever may see it). */
  public boolean exists(Tx tx, String id) throws SQLException {
    try {
      return store.find(tx, taskId(id)).isPresent();
    } catch (Problem notANumber) {
      return false;
    }
  }

  /** A write transaction that may add task events to {@code drafts}. */
  @FunctionalInterface
  public interface Changes<T> {
    T run(Tx tx, List<EventLog.Draft> drafts) throws SQLException;
  }

  /**
   * Runs {@code changes} in one write transaction, appends the events it drafted as the
   * transaction's last step, commits, then publishes them.
   */
  public <T> T commit(Changes<T> changes) {
    return this.<T>write(tx -> {
      List<EventLog.Draft> drafts = new ArrayList<>();
      T value = changes.run(tx, drafts);
      return new Result<>(value, eventLog.append(tx, drafts));
    }).value();
  }

  /**
   * Commits, then publishes what was committed; nothing is published for a rollback. On
   * PostgreSQL the transaction may be shared with other changes queued beside it (group
   * commit): the change and its event still commit together, and this returns after.
   */
  <T> Result<T> write(Body<T> body) {
    Result<T> result = db.writeGrouped(body::run);
    bus.publish(result.events());
    return result;
  }

  Task visibleLocked(Tx tx, Principal p, long key, String id) throws SQLException {
    return store.lock(tx, key).filter(t -> Visibility.canSee(p, t))
        .orElseThrow(() -> Problem.notFound("task", id));
  }

  private static void checkVersion(Task task, Long expected) {
    if (expected != null && expected != task.version()) {
      throw Problem.versionMismatch(expected, task.version());
    }
  }

  private static void requireManager(Principal p, Task task, String what) {
    if (!Visibility.canManage(p, task)) {
      throw Problem.forbidden("only the task's owner or an admin may " + what);
    }
  }

  /** A call naming a worker is refused once that worker no longer runs the task. */
  static void checkLease(Task task, String worker) {
    if (worker != null && (task.statusValue() != Status.RUNNING
        || !worker.equals(task.assignee()))) {
      throw Problem.leaseLost(worker, task.status());
    }
  }

  private static void requireActive(Task task) {
    Status s = task.statusValue();
    if (s != Status.PENDING && s != Status.RUNNING) {
      throw Problem.conflict("progress is reported on pending or running tasks; this one is "
          + s.wire());
    }
  }

  /** A task may be put in a team only by a member of it (or an admin). */
  private static void checkTeam(Principal p, String teamId) {
    if (teamId != null && !p.admin() && !p.inTeam(teamId)) {
      throw Problem.invalid("teamId", "you are not a member of team " + teamId);
    }
  }

  private static void checkProject(Tx tx, String projectId) throws SQLException {
    if (projectId != null && tx.one("SELECT 1 FROM projects WHERE id = ?", rs -> 1, projectId)
        .isEmpty()) {
      throw Problem.invalid("projectId", "no project " + projectId);
    }
  }

  static long taskId(String id) {
    try {
      long key = Long.parseLong(id);
      if (key > 0) {
        return key;
      }
    } catch (NumberFormatException ignored) {
      // not a number: no such task
    }
    throw Problem.notFound("task", id);
  }

  private static String textOrNull(JsonNode body, String field) {
    JsonNode v = body.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  /** Field-by-field differences, as {@code {"field": [old, new]}}. */
  static Map<String, Object[]> diff(Task before, Task after) {
    Map<String, Object[]> changes = new LinkedHashMap<>();
    try {
      for (RecordComponent field : FIELDS) {
        if (NOT_DIFFED.contains(field.getName())) {
          continue;
        }
        Object a = field.getAccessor().invoke(before);
        Object b = field.getAccessor().invoke(after);
        if (!Objects.equals(a, b)) {
          changes.put(field.getName(), new Object[] {a, b});
        }
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
    return changes;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
