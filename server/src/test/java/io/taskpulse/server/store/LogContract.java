package io.taskpulse.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.bus.LocalBus;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.log.Stream;
import io.taskpulse.server.tasks.Actor;
import io.taskpulse.server.tasks.Status;
import io.taskpulse.server.tasks.Task;
import io.taskpulse.server.tasks.TaskService;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour of the store and the log that both databases must show. Subclasses name the
 * database; every test starts on an empty one.
 */
abstract class LogContract {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Principal ALICE = new Principal("alice", Set.of("core"), false, Instant.MAX);
  static final Principal BOB = new Principal("bob", Set.of(), false, Instant.MAX);
  static final Principal CAROL = new Principal("carol", Set.of("core"), false, Instant.MAX);
  static final Principal ADMIN = new Principal("root", Set.of(), true, Instant.MAX);
  static final Actor VIA_TEST = Actor.user("alice", "http");

  Db db;
  EventLog eventLog;
  TaskService tasks;
  final List<LogEvent> published = Collections.synchronizedList(new ArrayList<>());

  /** A JDBC URL of an empty database. */
  abstract String freshDatabase();

  void dropDatabase() {}

  @BeforeEach
  void open() throws Exception {
    db = Db.open(freshDatabase(), 8);
    eventLog = new EventLog();
    db.write(tx -> {
      eventLog.initialize(tx);
      return null;
    });
    LocalBus bus = new LocalBus();
    bus.onEvents(published::addAll);
    tasks = new TaskService(db, new TaskStore(), eventLog, bus, Clock.systemUTC());
  }

  @AfterEach
  void close() {
    db.close();
    dropDatabase();
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  Task create(Principal p, String body) {
    return tasks.create(p, json(body), null, Actor.user(p.userId(), "http")).task();
  }

  List<LogEvent> all() {
    return db.read(tx -> eventLog.range(tx, Stream.TASKS, 0, Long.MAX_VALUE, 100_000));
  }

  @Test
  void everyChangeAppendsExactlyOneEventInOffsetOrder() {
    Task t = create(ALICE, "{\"title\":\"Export\"}");
    tasks.moveTo(ALICE, t.id(), Status.RUNNING, json("{}"), null, VIA_TEST);
    tasks.progress(ALICE, t.id(), 40, "page 4", null, VIA_TEST);
    tasks.moveTo(ALICE, t.id(), Status.COMPLETED, json("{\"output\":\"done\"}"), null, VIA_TEST);

    List<LogEvent> events = all();
    assertThat(events).extracting(LogEvent::offset).containsExactly(1L, 2L, 3L, 4L);
    assertThat(events).extracting(LogEvent::type).containsExactly("task.created",
        "task.status_changed", "task.progress", "task.status_changed");
    assertThat(published).extracting(LogEvent::offset).containsExactly(1L, 2L, 3L, 4L);
    JsonNode last = json(events.get(3).json());
    assertThat(last.path("version").asLong()).isEqualTo(4);
    assertThat(last.path("task").path("status").asText()).isEqualTo("completed");
    assertThat(last.path("task").path("output").asText()).isEqualTo("done");
    assertThat(last.path("changes").path("status").toString())
        .isEqualTo("[\"running\",\"completed\"]");
  }

  @Test
  void aRefusedChangeLeavesNoTraceInTasksOrLog() {
    Task t = create(ALICE, "{\"title\":\"Export\"}");
    assertThatThrownBy(() -> tasks.moveTo(ALICE, t.id(), Status.COMPLETED, json("{}"), null,
        VIA_TEST)).isInstanceOf(Problem.class)
        .extracting(e -> ((Problem) e).code()).isEqualTo(Problem.Code.INVALID_TRANSITION);
    assertThatThrownBy(() -> tasks.patch(ALICE, t.id(), json("{\"progress\":101}"), null,
        VIA_TEST)).isInstanceOf(Problem.class);
    assertThatThrownBy(() -> tasks.patch(ALICE, t.id(), json("{\"title\":\"x\"}"), 7L, VIA_TEST))
        .extracting(e -> ((Problem) e).code()).isEqualTo(Problem.Code.VERSION_MISMATCH);

    assertThat(tasks.get(ALICE, t.id()).version()).isEqualTo(1);
    assertThat(all()).hasSize(1);
    assertThat(db.read(eventLog::position).head()).isEqualTo(1);
  }

  @Test
  void aChangeThatChangesNothingWritesNoEvent() {
    Task t = create(ALICE, "{\"title\":\"Export\"}");
    Task same = tasks.patch(ALICE, t.id(), json("{\"title\":\"Export\"}"), null, VIA_TEST);
    assertThat(same.version()).isEqualTo(1);
    assertThat(all()).hasSize(1);
  }

  @Test
  void concurrentWritersGetGapFreeOffsetsAndContiguousVersions() throws Exception {
    int writers = 8;
    int changes = 200;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      ids.add(create(ALICE, "{\"title\":\"t" + i + "\"}").id());
    }
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<Future<Integer>> done = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      done.add(pool.submit(() -> {
        int ok = 0;
        for (int i = 0; i < changes; i++) {
          // Writers cross over tasks so rows are contended too.
          String id = ids.get((writer + i) % ids.size());
          tasks.patch(ALICE, id, json("{\"progressMessage\":\"w" + writer + "-" + i + "\"}"), null,
              VIA_TEST);
          ok++;
        }
        return ok;
      }));
    }
    int acknowledged = 0;
    for (Future<Integer> f : done) {
      acknowledged += f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();

    List<LogEvent> events = all();
    assertThat(acknowledged).isEqualTo(writers * changes);
    assertThat(events).hasSize(writers + writers * changes);
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).offset()).isEqualTo(i + 1);
    }
    Map<String, Long> lastVersion = new HashMap<>();
    Set<String> messages = new java.util.HashSet<>();
    for (LogEvent e : events) {
      JsonNode ev = json(e.json());
      long version = ev.path("version").asLong();
      assertThat(version).isEqualTo(lastVersion.getOrDefault(e.taskId(), 0L) + 1);
      lastVersion.put(e.taskId(), version);
      if (ev.path("type").asText().equals("task.progress")) {
        messages.add(ev.path("task").path("progressMessage").asText());
      }
    }
    assertThat(messages).hasSize(writers * changes);
  }

  @Test
  void readsSkipEventsTheReaderMayNotSee() {
    Task mine = create(ALICE, "{\"title\":\"mine\"}");
    Task team = create(CAROL, "{\"title\":\"team\",\"teamId\":\"core\"}");
    create(CAROL, "{\"title\":\"private\"}");

    EventLog.Page bobs = db.read(tx -> eventLog.read(tx, 0, null, Stream.TASKS, BOB, 100, 1000));
    assertThat(bobs.events()).isEmpty();
    assertThat(bobs.next()).isEqualTo(3);

    EventLog.Page alices = db.read(tx -> eventLog.read(tx, 0, null, Stream.TASKS, ALICE, 100,
        1000));
    assertThat(alices.events()).extracting(LogEvent::taskId).containsExactly(mine.id(), team.id());

    tasks.share(ALICE, mine.id(), "bob", VIA_TEST);
    tasks.unshare(ALICE, mine.id(), "bob", VIA_TEST);
    tasks.progress(ALICE, mine.id(), 10, null, null, VIA_TEST);
    EventLog.Page later = db.read(tx -> eventLog.read(tx, 3, null, Stream.TASKS, BOB, 100, 1000));
    assertThat(later.events()).extracting(LogEvent::type)
        .containsExactly("task.shared", "task.unshared");
    assertThat(later.next()).isEqualTo(6);

    EventLog.Page admins = db.read(tx -> eventLog.read(tx, 0, null, Stream.TASKS, ADMIN, 100,
        1000));
    assertThat(admins.events()).hasSize(6);
  }

  @Test
  void streamsNarrowToOneProjectOrOneTask() throws Exception {
    db.write(tx -> tx.update("INSERT INTO projects (id, name, owner_id, created_at, updated_at)"
        + " VALUES ('p1', 'P1', 'alice', 0, 0), ('p2', 'P2', 'alice', 0, 0)"));
    Task a = create(ALICE, "{\"title\":\"a\",\"projectId\":\"p1\"}");
    Task b = create(ALICE, "{\"title\":\"b\",\"projectId\":\"p2\"}");
    tasks.patch(ALICE, b.id(), json("{\"projectId\":\"p1\"}"), null, VIA_TEST);
    tasks.progress(ALICE, a.id(), 5, null, null, VIA_TEST);

    List<LogEvent> p1 = db.read(tx -> eventLog.read(tx, 0, null, new Stream(Stream.Kind.PROJECT,
        "p1"), ALICE, 100, 1000)).events();
    assertThat(p1).extracting(LogEvent::offset).containsExactly(1L, 3L, 4L);
    List<LogEvent> p2 = db.read(tx -> eventLog.read(tx, 0, null, new Stream(Stream.Kind.PROJECT,
        "p2"), ALICE, 100, 1000)).events();
    assertThat(p2).extracting(LogEvent::offset).containsExactly(2L, 3L);
    List<LogEvent> one = db.read(tx -> eventLog.read(tx, 0, null, new Stream(Stream.Kind.TASK,
        a.id()), ALICE, 100, 1000)).events();
    assertThat(one).extracting(LogEvent::offset).containsExactly(1L, 4L);
  }

  @Test
  void pagesStopAtTheLimitAndContinueWhereTheyStopped() {
    Task t = create(ALICE, "{\"title\":\"t\"}");
    for (int i = 1; i <= 9; i++) {
      tasks.progress(ALICE, t.id(), i, null, null, VIA_TEST);
    }
    EventLog.Page first = db.read(tx -> eventLog.read(tx, 0, null, Stream.TASKS, ALICE, 4, 1000));
    assertThat(first.events()).extracting(LogEvent::offset).containsExactly(1L, 2L, 3L, 4L);
    assertThat(first.next()).isEqualTo(4);
    EventLog.Page rest = db.read(tx -> eventLog.read(tx, first.next(), null, Stream.TASKS, ALICE,
        100, 1000));
    assertThat(rest.events()).extracting(LogEvent::offset)
        .containsExactly(5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(rest.next()).isEqualTo(10);
  }

  @Test
  void retentionTrimsOldEventsAndAResumeBeforeThemIsNotRecovered() {
    Task t = create(ALICE, "{\"title\":\"t\"}");
    for (int i = 1; i <= 20; i++) {
      tasks.progress(ALICE, t.id(), i, null, null, VIA_TEST);
    }
    int removed = db.write(tx -> eventLog.trim(tx, Instant.EPOCH, 5, 10_000));
    assertThat(removed).isEqualTo(16);
    assertThat(all()).extracting(LogEvent::offset).containsExactly(17L, 18L, 19L, 20L, 21L);

    EventLog.Page gone = db.read(tx -> eventLog.read(tx, 10, null, Stream.TASKS, ALICE, 100, 1000));
    assertThat(gone.recovered()).isFalse();
    assertThat(gone.events()).isEmpty();
    EventLog.Page held = db.read(tx -> eventLog.read(tx, 16, null, Stream.TASKS, ALICE, 100, 1000));
    assertThat(held.recovered()).isTrue();
    assertThat(held.events()).hasSize(5);

    int byAge = db.write(tx -> eventLog.trim(tx, Instant.now().plusSeconds(60), 1_000_000, 10_000));
    assertThat(byAge).isEqualTo(5);
    assertThat(db.read(eventLog::position).trimmedTo()).isEqualTo(21);
    assertThat(db.read(tx -> eventLog.read(tx, 21, null, Stream.TASKS, ALICE, 100, 1000))
        .recovered()).isTrue();
  }

  @Test
  void aResumeFromAnotherEpochIsNotRecovered() {
    create(ALICE, "{\"title\":\"t\"}");
    String epoch = db.read(eventLog::position).epoch();
    assertThat(db.read(tx -> eventLog.read(tx, 0, epoch, Stream.TASKS, ALICE, 10, 100)).recovered())
        .isTrue();
    assertThat(db.read(tx -> eventLog.read(tx, 0, "other", Stream.TASKS, ALICE, 10, 100))
        .recovered()).isFalse();
    assertThat(db.read(tx -> eventLog.read(tx, 99, epoch, Stream.TASKS, ALICE, 10, 100))
        .recovered()).isFalse();
  }

  @Test
  void aListingCarriesTheOffsetItIsConsistentWith() {
    create(ALICE, "{\"title\":\"one\"}");
    create(ALICE, "{\"title\":\"two\"}");
    TaskService.Page page = tasks.list(ALICE, new TaskStore.Query(null, null, null, null, null,
        null, null, 10));
    assertThat(page.offset()).isEqualTo(2);
    assertThat(page.tasks()).extracting(Task::title).containsExactly("two", "one");
  }

  @Test
  void aRetriedCreateWithTheSameKeyReturnsTheFirstTask() {
    TaskService.Created first = tasks.create(ALICE, json("{\"title\":\"once\"}"), "k1", VIA_TEST);
    TaskService.Created again = tasks.create(ALICE, json("{\"title\":\"once\"}"), "k1", VIA_TEST);
    assertThat(again.replayed()).isTrue();
    assertThat(again.task().id()).isEqualTo(first.task().id());
    assertThat(all()).hasSize(1);
    assertThatThrownBy(() -> tasks.create(ALICE, json("{\"title\":\"other\"}"), "k1", VIA_TEST))
        .extracting(e -> ((Problem) e).code()).isEqualTo(Problem.Code.CONFLICT);
    // Keys belong to their user.
    assertThat(tasks.create(BOB, json("{\"title\":\"once\"}"), "k1", VIA_TEST).replayed())
        .isFalse();
  }

  @Test
  void concurrentCreatesWithOneKeyMakeOneTask() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<String>> ids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ids.add(pool.submit(() -> tasks.create(ALICE, json("{\"title\":\"x\"}"), "same", VIA_TEST)
          .task().id()));
    }
    Set<String> distinct = new java.util.HashSet<>();
    for (Future<String> f : ids) {
      distinct.add(f.get(30, TimeUnit.SECONDS));
    }
    pool.shutdown();
    assertThat(distinct).hasSize(1);
    assertThat(all()).hasSize(1);
  }

  @Test
  void deletingATaskAppendsItsDeletedEventCarryingTheTaskAsItWas() {
    Task t = create(ALICE, "{\"title\":\"to go\",\"teamId\":\"core\"}");
    tasks.addEntry(ALICE, t.id(), "comment", "hello", null, VIA_TEST);
    tasks.delete(ALICE, t.id(), null, VIA_TEST);
    List<LogEvent> events = all();
    assertThat(events).extracting(LogEvent::type)
        .containsExactly("task.created", "task.entry_added", "task.deleted");
    JsonNode deleted = json(events.get(2).json());
    assertThat(deleted.path("task").path("title").asText()).isEqualTo("to go");
    assertThat(events.get(2).visibleTo(CAROL)).isTrue();
    assertThatThrownBy(() -> tasks.get(ALICE, t.id())).isInstanceOf(Problem.class);
  }

  @Test
  void losingSightStillDeliversTheEventThatTookIt() {
    Task t = create(ALICE, "{\"title\":\"t\",\"assignee\":\"bob\"}");
    tasks.patch(ALICE, t.id(), json("{\"assignee\":\"dave\"}"), null, VIA_TEST);
    List<LogEvent> events = all();
    assertThat(events.get(1).visibleTo(BOB)).isTrue();
    tasks.progress(ALICE, t.id(), 3, null, null, VIA_TEST);
    assertThat(all().get(2).visibleTo(BOB)).isFalse();
  }
}
