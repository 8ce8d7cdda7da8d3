package io.taskpulse.server.tasks;

import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.log.Event;
import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.store.Tx;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Work for workers (PROTOCOL section 7): claiming pending tasks of a queue under a lease,
 * heartbeats that keep the lease, and expiry that hands a silent worker's task back (or fails
 * it after its last attempt). Claims lock the rows they take, skipping rows another node is
 * taking, so two workers never get the same task. Blocks on the database.
 */
public final class Leases {

  /** What a heartbeat answers. */
  public record Heartbeat(Instant leaseExpiresAt, Task task) {}

  /** A worker as {@code GET /workers} shows it. */
  public record Worker(String id, List<String> queues, Instant lastSeenAt, List<String> running,
      long completed, long failed, Map<String, Object> lastTask) {}

  private static final Duration SEEN_WITHIN = Duration.ofHours(1);

  private final TaskService tasks;

  public Leases(TaskService tasks) {
    this.tasks = tasks;
  }

  /** Moves up to {@code max} due pending tasks of {@code queue} to running under {@code worker}. */
  public List<Task> claim(Principal p, String queue, String worker, int max, int leaseSeconds) {
    Actor actor = new Actor(worker, "worker", "http");
    return tasks.write(tx -> {
      Instant now = tasks.clock.instant();
      List<EventLog.Draft> drafts = new ArrayList<>();
      List<Task> claimed = new ArrayList<>();
      for (long id : tasks.store.claimable(tx, p, queue, now.toEpochMilli(), max)) {
        Task before = tasks.store.lock(tx, id).orElseThrow();
        Task.Builder b = before.toBuilder();
        b.updatedAt = now;
        tasks.move(before, b, Status.RUNNING);
        b.assignee = worker;
        b.attempt = before.attempt() + 1;
        b.leaseExpiresAt = now.plusSeconds(leaseSeconds);
        b.notBefore = null;
        b.version = before.version() + 1;
        Task after = b.build();
        tasks.store.update(tx, before, after);
        drafts.add(new EventLog.Draft(Event.STATUS_CHANGED, before, after, actor,
            TaskService.diff(before, after), null, now));
        claimed.add(after);
      }
      seen(tx, worker, queue, now);
      List<LogEvent> events = tasks.eventLog.append(tx, drafts);
      return new TaskService.Result<>(claimed, events);
    }).value();
  }

  /**
   * Keeps {@code worker}'s lease; with a progress report, also records it as a change. Refused
   * with 409 {@code lease_lost} once the task is not running under this worker any more.
   */
  public Heartbeat heartbeat(Principal p, String id, String worker, int leaseSeconds,
      Integer progress, String message) {
    long key = TaskService.taskId(id);
    Instant until = tasks.clock.instant().plusSeconds(leaseSeconds);
    boolean reports = progress != null || message != null;
    if (reports) {
      Task after = tasks.mutate(p, id, null, new Actor(worker, "worker", "http"),
          (before, b, tx) -> {
            TaskService.checkLease(before, worker);
            if (progress != null) {
              b.progress = progress;
            }
            if (message != null) {
              b.progressMessage = message;
            }
            b.leaseExpiresAt = until;
            seen(tx, worker, before.queue(), b.updatedAt);
            return new TaskService.Outcome(Event.PROGRESS, null);
          });
      return new Heartbeat(after.leaseExpiresAt(), after);
    }
    Task task = tasks.db.write(tx -> {
      Task before = tasks.visibleLocked(tx, p, key, id);
      TaskService.checkLease(before, worker);
      tasks.store.extendLease(tx, key, until.toEpochMilli());
      seen(tx, worker, before.queue(), tasks.clock.instant());
      return before.toBuilder().build();
    });
    Task.Builder b = task.toBuilder();
    b.leaseExpiresAt = until;
    return new Heartbeat(until, b.build());
  }

  /**
   * Hands back running tasks whose lease passed: to pending with a backoff while attempts
   * remain, else to failed. Returns how many it handled; call until it returns 0.
   */
  public int expire(int batch) {
    Actor actor = Actor.system("lease");
    return tasks.write(tx -> {
      Instant now = tasks.clock.instant();
      List<EventLog.Draft> drafts = new ArrayList<>();
      for (long id : tasks.store.expiredLeases(tx, now.toEpochMilli(), batch)) {
        Task before = tasks.store.lock(tx, id).orElseThrow();
        Task.Builder b = before.toBuilder();
        b.updatedAt = now;
        if (before.attempt() < before.maxAttempts()) {
          tasks.move(before, b, Status.PENDING);
          b.assignee = null;
          long backoff = (long) before.retryBackoffSeconds()
              * (1L << Math.min(20, Math.max(0, before.attempt() - 1)));
          b.notBefore = now.plusSeconds(backoff);
        } else {
          tasks.move(before, b, Status.FAILED);
          b.error = Json.MAPPER.getNodeFactory().textNode(
              "lease expired: no heartbeat from " + before.assignee() + " on attempt "
                  + before.attempt() + " of " + before.maxAttempts());
        }
        b.version = before.version() + 1;
        Task after = b.build();
        tasks.store.update(tx, before, after);
        drafts.add(new EventLog.Draft(Event.STATUS_CHANGED, before, after, actor,
            TaskService.diff(before, after), null, now));
      }
      return new TaskService.Result<>(drafts.size(), tasks.eventLog.append(tx, drafts));
    }).value();
  }

  /** Workers seen in the last hour, with what they run now and ran last (as {@code p} may see). */
  public List<Worker> workers(Principal p) {
    return tasks.db.read(tx -> {
      long since = tasks.clock.instant().minus(SEEN_WITHIN).toEpochMilli();
      List<Worker> out = new ArrayList<>();
      for (Object[] row : tx.query("SELECT id, queues, last_seen_at FROM workers"
          + " WHERE last_seen_at >= ? ORDER BY last_seen_at DESC", rs -> new Object[] {
              rs.getString(1), rs.getString(2), rs.getLong(3)}, since)) {
        String id = (String) row[0];
        List<String> running = tasks.store.assignedTo(tx, p, id, "running", 100).stream()
            .map(Task::id).toList();
        List<Task> completed = tasks.store.assignedTo(tx, p, id, "completed", 1);
        List<Task> failed = tasks.store.assignedTo(tx, p, id, "failed", 1);
        long completedCount = count(tx, p, id, "completed");
        long failedCount = count(tx, p, id, "failed");
        Optional<Task> last = Stream.concat(completed.stream(), failed.stream())
            .max(Comparator.comparing(Task::finishedAt,
                Comparator.nullsFirst(Comparator.naturalOrder())));
        out.add(new Worker(id, Arrays.asList(((String) row[1]).split("\n")),
            Instant.ofEpochMilli((Long) row[2]), running, completedCount, failedCount,
            last.map(Leases::summary).orElse(null)));
      }
      return out;
    });
  }

  private long count(Tx tx, Principal p, String worker, String status) throws SQLException {
    return tasks.store.countAssigned(tx, p, worker, status);
  }

  private static Map<String, Object> summary(Task t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", t.id());
    m.put("title", t.title());
    m.put("status", t.status());
    m.put("output", t.output());
    m.put("error", t.error());
    m.put("finishedAt", t.finishedAt());
    return m;
  }

  /** Records that {@code worker} was seen working {@code queue}. */
  private static void seen(Tx tx, String worker, String queue, Instant at) throws SQLException {
    Set<String> queues = new LinkedHashSet<>();
    tx.one("SELECT queues FROM workers WHERE id = ?", rs -> rs.getString(1), worker)
        .ifPresent(q -> queues.addAll(Arrays.asList(q.split("\n"))));
    if (queue != null) {
      queues.add(queue);
    }
    queues.remove("");
    tx.update("INSERT INTO workers (id, queues, last_seen_at) VALUES (?, ?, ?)"
        + " ON CONFLICT (id) DO UPDATE SET queues = excluded.queues,"
        + " last_seen_at = excluded.last_seen_at", worker, String.join("\n", queues),
        at.toEpochMilli());
  }

}
