package io.taskpulse.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.bus.LocalBus;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.log.Event;
import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.log.Stream;
import io.taskpulse.server.tasks.Actor;
import io.taskpulse.server.tasks.Task;
import io.taskpulse.server.tasks.TaskService;
import io.taskpulse.server.testing.TestDatabases;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Group commit on PostgreSQL with the log appended at the end of the group: offsets come from
 * the head read once under its lock, events are inserted in one batch before the commit. A
 * change that fails anywhere (in Java, in SQL before or after it wrote, even after it
 * appended) leaves no row, no event and no gap, and its neighbours in the group commit.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GroupedAppendTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Principal ALICE = new Principal("alice", Set.of(), false, Instant.MAX);
  static final Actor VIA_TEST = Actor.user("alice", "test");

  /** How a change ends. */
  enum Fate { OK, REFUSED_BEFORE_WRITING, REFUSED_AFTER_WRITING, SQL_ERROR_AFTER_WRITING,
    SQL_ERROR_BEFORE_WRITING, FAILS_AFTER_APPENDING }

  String url;
  /** Two nodes on one database: two group committers contend for the log head. */
  final List<Db> nodes = new ArrayList<>();
  final List<TaskService> services = new ArrayList<>();
  final EventLog eventLog = new EventLog();

  @BeforeEach
  void open() {
    url = TestDatabases.freshPostgres();
    for (int i = 0; i < 2; i++) {
      Db db = Db.open(url, 8);
      nodes.add(db);
      services.add(new TaskService(db, new TaskStore(), eventLog, new LocalBus(),
          Clock.systemUTC()));
    }
    nodes.get(0).write(tx -> {
      eventLog.initialize(tx);
      return null;
    });
  }

  @AfterEach
  void close() {
    nodes.forEach(Db::close);
    TestDatabases.dropPostgres(url);
  }

  @Test
  void aChangeFailingAfterItWroteLeavesNothingAndTheRestOfItsGroupCommits() throws Exception {
    TaskService tasks = services.get(0);
    Db db = nodes.get(0);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(create(tasks, "t" + i));
    }
    // The first change holds the committer until every other change is queued behind it, so
    // those run together in the next shared transaction.
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Future<Long> holder = pool.submit(() -> change(db, tasks, ids.get(0), "held", Fate.OK, () -> {
      entered.countDown();
      awaitQuietly(release);
    }));
    awaitQuietly(entered);
    Fate[] fates = {Fate.SQL_ERROR_AFTER_WRITING, Fate.OK, Fate.SQL_ERROR_BEFORE_WRITING,
        Fate.REFUSED_AFTER_WRITING, Fate.OK, Fate.FAILS_AFTER_APPENDING};
    List<CompletableFuture<Long>> group = new ArrayList<>();
    for (int k = 0; k < fates.length; k++) {
      Fate fate = fates[k];
      String id = ids.get(1 + k % 4);
      String marker = "g" + k;
      CompletableFuture<Long> f = new CompletableFuture<>();
      Thread t = new Thread(() -> {
        try {
          f.complete(change(db, tasks, id, marker, fate, null));
        } catch (Throwable e) {
          f.completeExceptionally(e);
        }
      });
      t.start();
      waitUntilParked(t);
      group.add(f);
    }
    release.countDown();
    long heldXid = holder.get(30, TimeUnit.SECONDS);
    pool.shutdown();

    List<Object> outcome = new ArrayList<>();
    for (CompletableFuture<Long> f : group) {
      try {
        outcome.add(f.get(30, TimeUnit.SECONDS));
      } catch (ExecutionException e) {
        outcome.add(e.getCause());
      }
    }
    assertThat(outcome.get(0)).isInstanceOf(Db.UniqueViolation.class);
    assertThat(outcome.get(2)).isInstanceOf(IllegalStateException.class);
    assertThat(outcome.get(3)).isInstanceOf(Problem.class);
    assertThat(outcome.get(5)).isInstanceOf(IllegalStateException.class);
    // Both successes committed in one transaction after the held one's: they were one group.
    assertThat(outcome.get(1)).isInstanceOf(Long.class).isEqualTo(outcome.get(4))
        .isNotEqualTo(heldXid);

    List<LogEvent> log = all(db);
    assertThat(log).extracting(LogEvent::offset).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    assertThat(log.subList(5, 8)).extracting(e -> message(e)).containsExactly("held", "g1",
        "g4");
    assertThat(db.read(eventLog::position).head()).isEqualTo(8);
    // What the failed changes wrote before they failed is gone.
    assertThat(tasks.get(ALICE, ids.get(1)).progressMessage()).isEqualTo("g4"); // not g0
    assertThat(tasks.get(ALICE, ids.get(1)).version()).isEqualTo(2);
    assertThat(tasks.get(ALICE, ids.get(2)).progressMessage()).isEqualTo("g1"); // not g5
    assertThat(tasks.get(ALICE, ids.get(2)).version()).isEqualTo(2);
    assertThat(tasks.get(ALICE, ids.get(3)).version()).isEqualTo(1);
    assertThat(tasks.get(ALICE, ids.get(4)).version()).isEqualTo(1);
    assertThat(tasks.get(ALICE, ids.get(4)).progressMessage()).isNull();
    long entries = db.read(tx -> tx.queryLong("SELECT COUNT(*) FROM task_entries"));
    assertThat(entries).isZero();
  }

  @Test
  void manyGroupedWritersOnTwoNodesIncludingFailingOnesLeaveAGapFreeLogInCommitOrder()
      throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(create(services.get(0), "t" + i));
    }
    int writers = 16;
    int changes = 60;
    Fate[] fates = Fate.values();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Set<String> failed = ConcurrentHashMap.newKeySet();
    Map<Long, Integer> perTransaction = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      done.add(pool.submit(() -> {
        for (int i = 0; i < changes; i++) {
          String marker = "w" + writer + "-" + i;
          Fate fate = fates[(writer + i) % fates.length];
          int node = (writer + i) % 2;
          try {
            long xid = change(nodes.get(node), services.get(node),
                ids.get((writer * 7 + i) % ids.size()), marker, fate, null);
            assertThat(fate).isEqualTo(Fate.OK);
            acknowledged.add(marker);
            perTransaction.merge(xid, 1, Integer::sum);
          } catch (RuntimeException e) {
            assertThat(fate).as("%s failed with %s", marker, e).isNotEqualTo(Fate.OK);
            failed.add(marker);
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(100, TimeUnit.SECONDS);
    }
    pool.shutdown();

    List<LogEvent> log = all(nodes.get(0));
    assertThat(acknowledged).hasSize(writers * changes / fates.length);
    assertThat(failed).hasSize(writers * changes - acknowledged.size());
    assertThat(log).hasSize(ids.size() + acknowledged.size());
    Map<String, Long> lastVersion = new HashMap<>();
    Set<String> logged = new HashSet<>();
    for (int i = 0; i < log.size(); i++) {
      LogEvent e = log.get(i);
      assertThat(e.offset()).isEqualTo(i + 1);
      // Commit order: each task's versions rise one by one along the offsets.
      long version = JSON.readTree(e.json()).path("version").asLong();
      assertThat(version).isEqualTo(lastVersion.getOrDefault(e.taskId(), 0L) + 1);
      lastVersion.put(e.taskId(), version);
      if (e.type().equals(Event.PROGRESS)) {
        logged.add(message(e));
      }
    }
    assertThat(logged).isEqualTo(acknowledged);
    for (String id : ids) {
      assertThat(services.get(0).get(ALICE, id).version()).isEqualTo(lastVersion.get(id));
    }
    assertThat(nodes.get(0).read(eventLog::position).head()).isEqualTo(log.size());
    // The test is about shared transactions: some held several changes.
    assertThat(perTransaction.values()).anyMatch(n -> n > 1);
  }

  private String create(TaskService tasks, String title) {
    try {
      return tasks.create(ALICE, JSON.readTree("{\"title\":\"" + title + "\"}"), null, VIA_TEST)
          .task().id();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * One grouped change of task {@code id} to progress message {@code marker}, ending as
   * {@code fate} says; returns the id of the transaction it committed in. {@code first}, if
   * given, runs first inside its transaction.
   */
  private long change(Db db, TaskService tasks, String id, String marker, Fate fate,
      Runnable first) {
    TaskService.Change setMessage = (before, b, tx) -> {
      if (fate == Fate.REFUSED_BEFORE_WRITING) {
        throw Problem.conflict("refused before writing");
      }
      b.progressMessage = marker;
      return new TaskService.Outcome(Event.PROGRESS, null);
    };
    return db.writeGrouped(tx -> {
      if (first != null) {
        first.run();
      }
      if (fate == Fate.SQL_ERROR_BEFORE_WRITING) {
        tx.one("SELECT 1 / (SELECT COUNT(*) - COUNT(*) FROM log_head)", rs -> 1);
      }
      long xid = tx.queryLong("SELECT txid_current()");
      List<EventLog.Draft> drafts = new ArrayList<>();
      tasks.change(tx, ALICE, id, null, VIA_TEST, setMessage, drafts);
      if (fate == Fate.REFUSED_AFTER_WRITING) {
        tx.update("INSERT INTO task_entries (task_id, kind, text, actor_id, at)"
            + " VALUES (?, 'note', 'written, then refused', 'alice', 0)", Long.parseLong(id));
        throw Problem.conflict("refused after writing");
      }
      if (fate == Fate.SQL_ERROR_AFTER_WRITING) {
        // The head's key is taken: a constraint fails on this change's second write.
        tx.update("INSERT INTO log_head (id, last_offset, trimmed_to, epoch)"
            + " VALUES (1, 0, 0, 'again')");
      }
      eventLog.append(tx, drafts);
      if (fate == Fate.FAILS_AFTER_APPENDING) {
        throw new IllegalStateException("failed after appending");
      }
      return xid;
    });
  }

  private List<LogEvent> all(Db db) {
    return db.read(tx -> eventLog.range(tx, Stream.TASKS, 0, Long.MAX_VALUE, 100_000));
  }

  private static String message(LogEvent e) {
    try {
      return JSON.readTree(e.json()).path("task").path("progressMessage").asText();
    } catch (java.io.IOException x) {
      throw new IllegalStateException(x);
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Until {@code t} waits for its commit (its write is queued). */
  private static void waitUntilParked(Thread t) throws InterruptedException {
    while (t.getState() != Thread.State.WAITING) {
      Thread.sleep(5);
    }
  }
}
