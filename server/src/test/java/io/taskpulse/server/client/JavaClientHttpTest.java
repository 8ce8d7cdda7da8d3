package io.taskpulse.server.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.taskpulse.client.Entry;
import io.taskpulse.client.Event;
import io.taskpulse.client.EventPage;
import io.taskpulse.client.NewTask;
import io.taskpulse.client.Task;
import io.taskpulse.client.TaskPage;
import io.taskpulse.client.TaskQuery;
import io.taskpulse.client.TaskpulseClient;
import io.taskpulse.client.TaskpulseException;
import io.taskpulse.server.testing.Background;
import io.taskpulse.server.testing.TestServer;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java client's typed calls against a real server, and its errors with their codes. */
class JavaClientHttpTest {

  static TestServer server;
  static TaskpulseClient alice;
  static TaskpulseClient bob;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"));
    alice = clientAs("http-alice");
    bob = clientAs("http-bob");
  }

  @AfterAll
  static void stop() {
    alice.close();
    bob.close();
    server.close();
  }

  static TaskpulseClient clientAs(String user) {
    return TaskpulseClient.builder(URI.create(server.baseUrl()))
        .tokenSupplier(() -> server.token(user, List.of(), false)).build();
  }

  @Test
  void aTaskIsCreatedWithEveryFieldAndReadBackTyped() {
    Instant due = Instant.parse("2030-11-30T09:00:00.000Z");
    Task created = alice.create(NewTask.titled("Export contracts").description("all of them")
        .stage("analyzing").assignee("agent-7").priority("high").labels("export", "q4")
        .queue("exports").dueAt(due).maxAttempts(5).retryBackoffSeconds(3));
    assertThat(created.id()).isNotBlank();
    assertThat(created.title()).isEqualTo("Export contracts");
    assertThat(created.description()).isEqualTo("all of them");
    assertThat(created.status()).isEqualTo("pending");
    assertThat(created.stage()).isEqualTo("analyzing");
    assertThat(created.ownerId()).isEqualTo("http-alice");
    assertThat(created.assignee()).isEqualTo("agent-7");
    assertThat(created.priority()).isEqualTo("high");
    assertThat(created.labels()).containsExactly("export", "q4");
    assertThat(created.queue()).isEqualTo("exports");
    assertThat(created.dueAt()).isEqualTo(due);
    assertThat(created.maxAttempts()).isEqualTo(5);
    assertThat(created.retryBackoffSeconds()).isEqualTo(3);
    assertThat(created.attempt()).isZero();
    assertThat(created.version()).isEqualTo(1);
    assertThat(created.createdAt()).isNotNull();
    assertThat(created.output()).isNull();
    assertThat(created.sharedWith()).isEmpty();

    assertThat(alice.get(created.id())).isEqualTo(created);
  }

  @Test
  void anIdempotencyKeyMakesARetryReturnTheFirstTask() {
    Map<String, Object> fields = Map.of("title", "only once");
    Task first = alice.create(fields, "key-1");
    Task again = alice.create(fields, "key-1");
    assertThat(again.id()).isEqualTo(first.id());
    TaskpulseException reused = catchThrowableOfType(TaskpulseException.class,
        () -> alice.create(Map.of("title", "another body"), "key-1"));
    assertThat(reused.status()).isEqualTo(409);
    assertThat(reused.code()).isEqualTo("conflict");
  }

  @Test
  void listingFiltersAndPagesWithACursor() {
    TaskpulseClient lister = clientAs("http-lister");
    try {
      Task a = lister.create(NewTask.titled("list a").assignee("w1"));
      Task b = lister.create(NewTask.titled("list b").assignee("w1"));
      Task c = lister.create(NewTask.titled("list c needle").assignee("w2"));
      lister.start(c.id());

      TaskPage first = lister.list(TaskQuery.all().withLimit(2));
      assertThat(first.tasks()).extracting(Task::id).containsExactly(c.id(), b.id());
      assertThat(first.offset()).isPositive();
      assertThat(first.epoch()).isNotBlank();
      assertThat(first.nextCursor()).isNotNull();
      TaskPage second = lister.list(TaskQuery.all().withLimit(2).withCursor(first.nextCursor()));
      assertThat(second.tasks()).extracting(Task::id).containsExactly(a.id());
      assertThat(second.nextCursor()).isNull();

      assertThat(lister.list(TaskQuery.all().withStatuses("running")).tasks())
          .extracting(Task::id).containsExactly(c.id());
      assertThat(lister.list(TaskQuery.all().withAssignee("w1")).tasks())
          .extracting(Task::id).containsExactlyInAnyOrder(a.id(), b.id());
      assertThat(lister.list(TaskQuery.all().withText("needle")).tasks())
          .extracting(Task::id).containsExactly(c.id());
    } finally {
      lister.close();
    }
  }

  @Test
  void statusMovesCarryOutputErrorAndReason() throws Exception {
    ObjectMapper json = new ObjectMapper();
    Task t = alice.create(Map.of("title", "moves"));
    assertThat(alice.start(t.id()).status()).isEqualTo("running");
    Task progressed = alice.progress(t.id(), 40, "page 8 of 20");
    assertThat(progressed.progress()).isEqualTo(40);
    assertThat(progressed.progressMessage()).isEqualTo("page 8 of 20");
    Task done = alice.complete(t.id(), Map.of("rows", 3, "file", "out.csv"));
    assertThat(done.status()).isEqualTo("completed");
    assertThat(done.isFinished()).isTrue();
    assertThat(done.output()).isEqualTo(json.readTree("{\"rows\":3,\"file\":\"out.csv\"}"));
    assertThat(done.finishedAt()).isNotNull();

    assertThat(alice.reopen(t.id()).status()).isEqualTo("pending");
    alice.start(t.id());
    Task failed = alice.fail(t.id(), "disk full");
    assertThat(failed.status()).isEqualTo("failed");
    assertThat(failed.error().asText()).isEqualTo("disk full");
    alice.reopen(t.id());
    Task cancelled = alice.cancel(t.id(), "not needed");
    assertThat(cancelled.status()).isEqualTo("cancelled");
    assertThat(cancelled.version()).isEqualTo(9);
  }

  @Test
  void aMoveTheTableForbidsIsInvalidTransition() {
    Task t = alice.create(Map.of("title", "not started"));
    TaskpulseException e = catchThrowableOfType(TaskpulseException.class,
        () -> alice.complete(t.id(), null));
    assertThat(e.status()).isEqualTo(409);
    assertThat(e.code()).isEqualTo("invalid_transition");
    assertThat(e.detail("from")).isEqualTo("pending");
    assertThat(e.detail("to")).isEqualTo("completed");
    assertThat(alice.get(t.id()).status()).isEqualTo("pending");
  }

  @Test
  void aPatchWithAStaleVersionIsVersionMismatchAndAFreshOneApplies() {
    Task t = alice.create(Map.of("title", "v1"));
    Task v2 = alice.patch(t.id(), Map.of("title", "v2"), 1);
    assertThat(v2.title()).isEqualTo("v2");
    assertThat(v2.version()).isEqualTo(2);
    TaskpulseException stale = catchThrowableOfType(TaskpulseException.class,
        () -> alice.patch(t.id(), Map.of("title", "v3"), 1));
    assertThat(stale.status()).isEqualTo(412);
    assertThat(stale.code()).isEqualTo("version_mismatch");
    assertThat(stale.details().get("version").asLong()).isEqualTo(2);

    Map<String, Object> clear = new HashMap<>();
    clear.put("stage", null);
    clear.put("assignee", "someone");
    Task v3 = alice.patch(t.id(), clear);
    assertThat(v3.assignee()).isEqualTo("someone");
    assertThat(v3.stage()).isNull();
    assertThat(alice.get(t.id()).version()).isEqualTo(3);
  }

  @Test
  void badInputIsValidationFailedNamingTheField() {
    Task t = alice.create(Map.of("title", "valid"));
    TaskpulseException progress = catchThrowableOfType(TaskpulseException.class,
        () -> alice.progress(t.id(), 150, null));
    assertThat(progress.status()).isEqualTo(400);
    assertThat(progress.code()).isEqualTo("validation_failed");
    assertThat(progress.detail("field")).isEqualTo("progress");

    TaskpulseException noTitle = catchThrowableOfType(TaskpulseException.class,
        () -> alice.create(Map.of("description", "no title")));
    assertThat(noTitle.code()).isEqualTo("validation_failed");
    assertThat(noTitle.detail("field")).isEqualTo("title");

    TaskpulseException unknown = catchThrowableOfType(TaskpulseException.class,
        () -> alice.create(NewTask.titled("x").set("version", 12)));
    assertThat(unknown.detail("field")).isEqualTo("version");
  }

  @Test
  void aTaskOneMayNotSeeIsNotFoundUntilSharedAndAfterUnshared() {
    Task t = alice.create(Map.of("title", "private"));
    TaskpulseException hidden = catchThrowableOfType(TaskpulseException.class,
        () -> bob.get(t.id()));
    assertThat(hidden.status()).isEqualTo(404);
    assertThat(hidden.code()).isEqualTo("not_found");

    assertThat(alice.share(t.id(), "http-bob").sharedWith()).containsExactly("http-bob");
    assertThat(bob.get(t.id()).title()).isEqualTo("private");
    assertThat(alice.unshare(t.id(), "http-bob").sharedWith()).isEmpty();
    assertThat(catchThrowableOfType(TaskpulseException.class, () -> bob.get(t.id())).code())
        .isEqualTo("not_found");

    assertThat(catchThrowableOfType(TaskpulseException.class, () -> alice.get("999999"))
        .code()).isEqualTo("not_found");
  }

  @Test
  void entriesAreAddedAndReadBackInOrder() {
    Task t = alice.create(Map.of("title", "timeline"));
    Entry first = alice.addEntry(t.id(), null, "started", null);
    Map<String, Object> link = new LinkedHashMap<>();
    link.put("url", "https://example.com/pr/1");
    link.put("number", 1);
    Entry second = alice.addEntry(t.id(), "link", null, link);
    assertThat(first.kind()).isEqualTo("log");
    assertThat(first.actorId()).isEqualTo("http-alice");
    assertThat(second.data().get("number").asInt()).isEqualTo(1);
    assertThat(alice.entries(t.id())).extracting(Entry::id)
        .containsExactly(first.id(), second.id());
    assertThat(alice.entries(t.id(), first.id(), 10).entries()).extracting(Entry::id)
        .containsExactly(second.id());
    TaskpulseException empty = catchThrowableOfType(TaskpulseException.class,
        () -> alice.addEntry(t.id(), "log", null, null));
    assertThat(empty.code()).isEqualTo("validation_failed");
  }

  @Test
  void aDeletedTaskIsGoneAndADeleteWithAStaleVersionIsRefused() {
    Task t = alice.create(Map.of("title", "doomed"));
    alice.progress(t.id(), 1, null);
    assertThat(catchThrowableOfType(TaskpulseException.class, () -> alice.delete(t.id(), 1))
        .code()).isEqualTo("version_mismatch");
    alice.delete(t.id(), 2);
    assertThat(catchThrowableOfType(TaskpulseException.class, () -> alice.get(t.id())).code())
        .isEqualTo("not_found");
  }

  @Test
  void theEventFeedReadsAfterAnOffsetAndLongPollsUntilAChange() throws Exception {
    Task t = alice.create(Map.of("title", "feed"));
    long after = alice.list(TaskQuery.all().withLimit(1)).offset();
    alice.start(t.id());
    alice.progress(t.id(), 50, "half");
    EventPage page = alice.events(after, "task:" + t.id(), 100, null);
    assertThat(page.recovered()).isTrue();
    assertThat(page.epoch()).isNotBlank();
    assertThat(page.events()).extracting(Event::type)
        .containsExactly(Event.STATUS_CHANGED, Event.PROGRESS);
    Event moved = page.events().get(0);
    assertThat(moved.offset()).isGreaterThan(after);
    assertThat(moved.actor().id()).isEqualTo("http-alice");
    assertThat(moved.actor().via()).isEqualTo("http");
    assertThat(moved.changes().get("status").get(1).asText()).isEqualTo("running");
    assertThat(moved.task().status()).isEqualTo("running");
    assertThat(page.events().get(1).task().progress()).isEqualTo(50);

    // Nothing new yet: a long poll waits, and returns as soon as something happens.
    long next = page.next();
    CompletableFuture<EventPage> polled = Background.supply(() ->
        alice.events(next, "task:" + t.id(), 100, Duration.ofSeconds(20)));
    assertThat(alice.events(next, "task:" + t.id(), 100, null).events()).isEmpty();
    long t0 = System.nanoTime();
    alice.complete(t.id(), null);
    EventPage woken = polled.get(10, TimeUnit.SECONDS);
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
    assertThat(woken.events()).extracting(Event::type).containsExactly(Event.STATUS_CHANGED);
    assertThat(woken.events().get(0).task().status()).isEqualTo("completed");

    EventPage otherLog = alice.events(after, "not-this-epoch", "task:" + t.id(), 100, null);
    assertThat(otherLog.recovered()).isFalse();
    assertThat(otherLog.events()).isEmpty();
  }

  @Test
  void aRateLimitedWriteCarriesRetryAfter() {
    try (TestServer limited = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "1",
        "TASKPULSE_WRITE_BURST", "1"));
        TaskpulseClient client = TaskpulseClient.builder(URI.create(limited.baseUrl()))
            .token(limited.token("hasty", List.of(), false)).build()) {
      client.create(Map.of("title", "first"));
      TaskpulseException e = catchThrowableOfType(TaskpulseException.class,
          () -> client.create(Map.of("title", "second")));
      assertThat(e.status()).isEqualTo(429);
      assertThat(e.code()).isEqualTo("rate_limited");
      assertThat(e.retryAfter()).isPresent();
      assertThat(e.retryAfter().get()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }
  }

  @Test
  void aServerThatIsNotThereIsUnreachable() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    try (TaskpulseClient client = TaskpulseClient.builder(URI.create("http://127.0.0.1:" + port))
        .token("t").connectTimeout(Duration.ofSeconds(2)).build()) {
      TaskpulseException e = catchThrowableOfType(TaskpulseException.class,
          () -> client.get("1"));
      assertThat(e.status()).isZero();
      assertThat(e.code()).isEqualTo(TaskpulseException.UNREACHABLE);
      assertThat(e.getCause()).isInstanceOf(java.io.IOException.class);
    }
  }

  @Test
  void aClosedClientRefusesCalls() {
    TaskpulseClient client = clientAs("http-closer");
    client.close();
    client.close(); // idempotent
    assertThat(catchThrowableOfType(IllegalStateException.class, () -> client.get("1")))
        .hasMessageContaining("closed");
  }
}
