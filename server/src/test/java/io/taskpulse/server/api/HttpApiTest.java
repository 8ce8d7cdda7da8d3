package io.taskpulse.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.Background;
import io.taskpulse.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every endpoint of the HTTP API on a real server and a real socket. */
class HttpApiTest {

  static TestServer server;
  static Api admin;
  static Api alice;
  static Api bob;
  static Api carol;

  @BeforeAll
  static void start() {
    server = TestServer.start(null);
    admin = server.asAdmin();
    alice = server.as("alice", "core");
    bob = server.as("bob");
    carol = server.as("carol", "core");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void createReturnsTheTaskWithItsFirstVersionAndLocation() {
    Response r = alice.post("/api/v1/tasks", """
        {"title":"Export contracts","description":"all of them","priority":"high",
         "labels":["export","q4"],"dueAt":"2026-11-30T09:00:00Z","stage":"analyzing"}""");
    assertThat(r.status()).isEqualTo(201);
    JsonNode t = r.json();
    assertThat(t.get("status").asText()).isEqualTo("pending");
    assertThat(t.get("version").asLong()).isEqualTo(1);
    assertThat(t.get("ownerId").asText()).isEqualTo("alice");
    assertThat(t.get("dueAt").asText()).isEqualTo("2026-11-30T09:00:00.000Z");
    assertThat(t.get("createdAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(t.get("labels").toString()).isEqualTo("[\"export\",\"q4\"]");
    assertThat(r.header("Location")).isEqualTo("/api/v1/tasks/" + t.get("id").asText());
    assertThat(r.header("ETag")).isEqualTo("\"1\"");
  }

  @Test
  void statusMovesSetTimestampsAndRefuseIllegalMoves() {
    String id = alice.create("{\"title\":\"run me\"}");
    Response bad = alice.post("/api/v1/tasks/" + id + "/complete", "{}");
    assertThat(bad.status()).isEqualTo(409);
    assertThat(bad.errorCode()).isEqualTo("invalid_transition");

    Response started = alice.post("/api/v1/tasks/" + id + "/start", null);
    assertThat(started.status()).isEqualTo(200);
    assertThat(started.json().get("startedAt").isNull()).isFalse();
    Response progress = alice.post("/api/v1/tasks/" + id + "/progress",
        "{\"progress\":45,\"message\":\"page 9 of 20\"}");
    assertThat(progress.json().get("progress").asInt()).isEqualTo(45);
    assertThat(progress.json().get("progressMessage").asText()).isEqualTo("page 9 of 20");
    Response failed = alice.post("/api/v1/tasks/" + id + "/fail",
        "{\"error\":{\"message\":\"disk full\"}}");
    assertThat(failed.json().get("status").asText()).isEqualTo("failed");
    assertThat(failed.json().get("error").get("message").asText()).isEqualTo("disk full");
    assertThat(failed.json().get("finishedAt").isNull()).isFalse();

    Response reopened = alice.post("/api/v1/tasks/" + id + "/reopen", null);
    assertThat(reopened.json().get("status").asText()).isEqualTo("pending");
    assertThat(reopened.json().get("finishedAt").isNull()).isTrue();
    assertThat(reopened.json().get("error").isNull()).isTrue();
    alice.post("/api/v1/tasks/" + id + "/start", null);
    Response done = alice.post("/api/v1/tasks/" + id + "/complete", "{\"output\":\"42 files\"}");
    assertThat(done.json().get("status").asText()).isEqualTo("completed");
    assertThat(done.json().get("progress").asInt()).isEqualTo(100);
    assertThat(done.json().get("output").asText()).isEqualTo("42 files");
    assertThat(done.json().get("version").asLong()).isEqualTo(7);

    Response late = alice.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":50}");
    assertThat(late.status()).isEqualTo(409);
    assertThat(late.errorCode()).isEqualTo("conflict");
    // A stage is a free label: it may change in any status.
    Response staged = alice.patch("/api/v1/tasks/" + id, "{\"stage\":\"archived\"}");
    assertThat(staged.status()).isEqualTo(200);
    assertThat(staged.json().get("stage").asText()).isEqualTo("archived");
  }

  @Test
  void cancelRecordsItsReasonOnTheTimeline() {
    String id = alice.create("{\"title\":\"cancel me\"}");
    Response r = alice.post("/api/v1/tasks/" + id + "/cancel", "{\"reason\":\"not needed\"}");
    assertThat(r.json().get("status").asText()).isEqualTo("cancelled");
    JsonNode entries = alice.get("/api/v1/tasks/" + id + "/entries").json().get("entries");
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).get("text").asText()).isEqualTo("cancelled: not needed");
    Response disabled = alice.patch("/api/v1/tasks/" + id, "{\"status\":\"disabled\"}");
    assertThat(disabled.status()).isEqualTo(409);
  }

  @Test
  void patchChecksIfMatchAndAnswersWithTheNewEtag() {
    String id = alice.create("{\"title\":\"v\"}");
    Response stale = alice.send("PATCH", "/api/v1/tasks/" + id, "{\"title\":\"w\"}",
        Map.of("If-Match", "\"5\""));
    assertThat(stale.status()).isEqualTo(412);
    assertThat(stale.errorCode()).isEqualTo("version_mismatch");
    assertThat(stale.json().at("/error/details/version").asLong()).isEqualTo(1);

    Response ok = alice.send("PATCH", "/api/v1/tasks/" + id,
        "{\"title\":\"w\",\"assignee\":\"agent-7\",\"stage\":\"needs_clarification\"}",
        Map.of("If-Match", "\"1\""));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.header("ETag")).isEqualTo("\"2\"");
    assertThat(ok.json().get("assignee").asText()).isEqualTo("agent-7");

    Response get = alice.get("/api/v1/tasks/" + id);
    assertThat(get.header("ETag")).isEqualTo("\"2\"");
    Response notModified = alice.send("GET", "/api/v1/tasks/" + id, null,
        Map.of("If-None-Match", "\"2\""));
    assertThat(notModified.status()).isEqualTo(304);

    Response move = alice.patch("/api/v1/tasks/" + id, "{\"status\":\"running\",\"progress\":5}");
    assertThat(move.json().get("status").asText()).isEqualTo("running");
    assertThat(move.json().get("progress").asInt()).isEqualTo(5);
  }

  @Test
  void badInputGetsAClearErrorNamingTheFieldAndChangesNothing() {
    String id = alice.create("{\"title\":\"keep\"}");
    long offset = alice.get("/api/v1/tasks?limit=1").json().get("offset").asLong();

    assertError(alice.post("/api/v1/tasks", "{}"), 400, "validation_failed", "title");
    assertError(alice.post("/api/v1/tasks", "{\"title\":\"   \"}"), 400, "validation_failed",
        "title");
    assertError(alice.post("/api/v1/tasks", "{\"title\":\"x\",\"progress\":\"lots\"}"), 400,
        "validation_failed", "progress");
    assertError(alice.post("/api/v1/tasks", "{\"title\":\"x\",\"priority\":\"asap\"}"), 400,
        "validation_failed", "priority");
    assertError(alice.post("/api/v1/tasks", "{\"title\":\"x\",\"dueAt\":\"tomorrow\"}"), 400,
        "validation_failed", "dueAt");
    assertError(alice.post("/api/v1/tasks", "{\"title\":\"x\",\"version\":9}"), 400,
        "validation_failed", "version");
    assertError(alice.post("/api/v1/tasks", "{\"title\":\"x\",\"status\":\"running\"}"), 400,
        "validation_failed", "status");
    assertError(alice.post("/api/v1/tasks", "{\"title\":\"x\",\"teamId\":\"other\"}"), 400,
        "validation_failed", "teamId");
    assertError(alice.post("/api/v1/tasks", "{\"title\":\"x\",\"projectId\":\"nope\"}"), 400,
        "validation_failed", "projectId");
    assertError(alice.post("/api/v1/tasks", "{\"title\":\"x\",\"labels\":[1]}"), 400,
        "validation_failed", "labels");
    assertThat(alice.post("/api/v1/tasks", "{\"title\":").errorCode()).isEqualTo("bad_request");
    assertThat(alice.post("/api/v1/tasks", "[1,2]").errorCode()).isEqualTo("bad_request");
    assertError(alice.patch("/api/v1/tasks/" + id, "{\"progress\":101}"), 400,
        "validation_failed", "progress");
    assertError(alice.patch("/api/v1/tasks/" + id, "{\"status\":\"done\"}"), 400,
        "validation_failed", "status");
    assertError(alice.patch("/api/v1/tasks/" + id, "{}"), 400, "validation_failed", "body");
    assertError(alice.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":-1}"), 400,
        "validation_failed", "progress");
    assertError(alice.post("/api/v1/tasks/" + id + "/start", "{\"force\":true}"), 400,
        "validation_failed", "force");
    assertError(alice.get("/api/v1/tasks?limit=0"), 400, "validation_failed", "limit");
    assertError(alice.get("/api/v1/tasks?status=sleeping"), 400, "validation_failed", "status");
    assertError(alice.get("/api/v1/tasks?cursor=zzz"), 400, "validation_failed", "cursor");
    assertError(alice.get("/api/v1/events?after=-3"), 400, "validation_failed", "after");
    assertError(alice.get("/api/v1/events?stream=everything"), 400, "validation_failed",
        "stream");
    assertError(alice.send("PATCH", "/api/v1/tasks/" + id, "{\"title\":\"y\"}",
        Map.of("If-Match", "soon")), 400, "validation_failed", "If-Match");

    assertThat(alice.get("/api/v1/tasks/" + id).json().get("version").asLong()).isEqualTo(1);
    assertThat(alice.get("/api/v1/tasks?limit=1").json().get("offset").asLong()).isEqualTo(offset);
  }

  @Test
  void aBodyOverTheLimitIs413() {
    String big = "{\"title\":\"x\",\"description\":\"" + "a".repeat(1024 * 1024 + 10) + "\"}";
    Response r = alice.post("/api/v1/tasks", big);
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.errorCode()).isEqualTo("too_large");
  }

  @Test
  void aLargeJsonBodySentAsFormDataAsCurlDashDSendsItIsStillRead() {
    // curl -d labels its body application/x-www-form-urlencoded; past 8 KiB this was a 500.
    String description = "b".repeat(20_000);
    Response r = alice.send("POST", "/api/v1/tasks", "{\"title\":\"from curl\","
        + "\"description\":\"" + description + "\"}",
        Map.of("Content-Type", "application/x-www-form-urlencoded"));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    assertThat(r.json().get("description").asText()).hasSize(20_000);
    String ampersands = "&x=1".repeat(2_000);
    Response many = alice.send("POST", "/api/v1/tasks", "{\"title\":\"t\",\"description\":\""
        + ampersands + "\"}", Map.of("Content-Type", "application/x-www-form-urlencoded"));
    assertThat(many.status()).as(many.text()).isEqualTo(201);
  }

  @Test
  void requestsWithoutAValidTokenAre401WithAChallenge() {
    Api anonymous = new Api(server.baseUrl(), null);
    Response r = anonymous.get("/api/v1/tasks");
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.errorCode()).isEqualTo("unauthorized");
    assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(new Api(server.baseUrl(), "not.a.token").get("/api/v1/tasks").status())
        .isEqualTo(401);
    String forged = new io.taskpulse.server.auth.Tokens(
        "another-secret-another-secret-another-secret".getBytes(), List.of(),
        java.time.Clock.systemUTC()).sign("alice", List.of(), true, java.time.Duration.ofHours(1));
    assertThat(new Api(server.baseUrl(), forged).get("/api/v1/tasks").status()).isEqualTo(401);
    String expired = server.node().tokens().sign("alice", List.of(), false,
        java.time.Duration.ofSeconds(-5));
    Response old = new Api(server.baseUrl(), expired).get("/api/v1/tasks");
    assertThat(old.status()).isEqualTo(401);
    assertThat(old.json().at("/error/message").asText()).contains("expired");
  }

  @Test
  void unknownRoutesAndTasksAre404() {
    assertThat(alice.get("/api/v1/nothing").status()).isEqualTo(404);
    assertThat(alice.get("/api/v1/tasks/999999").errorCode()).isEqualTo("not_found");
    assertThat(alice.get("/api/v1/tasks/abc").errorCode()).isEqualTo("not_found");
  }

  @Test
  void visibilityMatrixHoldsOnEveryRoute() {
    Api dave = server.as("dave");
    Api erin = server.as("erin");
    String id = alice.create("{\"title\":\"secret plan\",\"teamId\":\"core\",\"assignee\":\"dave\"}");
    alice.put("/api/v1/tasks/" + id + "/shares/erin");

    // owner, assignee, team member, shared user and admin see it; a stranger does not.
    for (Api viewer : List.of(alice, dave, carol, erin, admin)) {
      assertThat(viewer.get("/api/v1/tasks/" + id).status()).as(viewer.token()).isEqualTo(200);
      assertThat(ids(viewer.get("/api/v1/tasks?limit=500"))).contains(id);
      assertThat(viewer.get("/api/v1/tasks/" + id + "/entries").status()).isEqualTo(200);
      assertThat(viewer.get("/api/v1/events?after=0&stream=task:" + id).status()).isEqualTo(200);
    }
    assertThat(bob.get("/api/v1/tasks/" + id).status()).isEqualTo(404);
    assertThat(ids(bob.get("/api/v1/tasks?limit=500"))).doesNotContain(id);
    assertThat(bob.get("/api/v1/tasks/" + id + "/entries").status()).isEqualTo(404);
    assertThat(bob.patch("/api/v1/tasks/" + id, "{\"title\":\"mine now\"}").status()).isEqualTo(404);
    assertThat(bob.post("/api/v1/tasks/" + id + "/cancel", "{}").status()).isEqualTo(404);
    assertThat(bob.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":1}").status())
        .isEqualTo(404);
    assertThat(bob.post("/api/v1/tasks/" + id + "/entries", "{\"text\":\"hi\"}").status())
        .isEqualTo(404);
    assertThat(bob.put("/api/v1/tasks/" + id + "/shares/bob").status()).isEqualTo(404);
    assertThat(bob.delete("/api/v1/tasks/" + id).status()).isEqualTo(404);
    assertThat(bob.get("/api/v1/events?after=0&stream=task:" + id).status()).isEqualTo(404);
    assertThat(bob.get("/api/v1/events?after=0&limit=1000").json().get("events").findValues("taskId"))
        .extracting(JsonNode::asText).doesNotContain(id);

    // Seeing is not managing: only the owner or an admin shares and deletes.
    assertThat(carol.put("/api/v1/tasks/" + id + "/shares/bob").status()).isEqualTo(403);
    assertThat(dave.delete("/api/v1/tasks/" + id).status()).isEqualTo(403);
    assertThat(admin.delete("/api/v1/tasks/" + id).status()).isEqualTo(204);
    assertThat(alice.get("/api/v1/tasks/" + id).status()).isEqualTo(404);
  }

  @Test
  void theFeedRetypesTheEventThatTookAReadersSightAsUnshared() {
    Api lena = server.as("lena");
    String id = alice.create("{\"title\":\"handed over\",\"assignee\":\"lena\"}");
    long from = lena.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
    alice.patch("/api/v1/tasks/" + id, "{\"assignee\":\"mike\"}");
    alice.patch("/api/v1/tasks/" + id, "{\"title\":\"after\"}");
    JsonNode events = lena.get("/api/v1/events?after=" + from).json().get("events");
    assertThat(events.findValuesAsText("type")).containsExactly("task.unshared");
  }

  @Test
  void theFeedShowsAnUnshareAsAnUpdateToThoseWhoKeepSight() {
    String id = alice.create("{\"title\":\"shared a while\"}");
    assertThat(alice.put("/api/v1/tasks/" + id + "/shares/bob").status()).isEqualTo(200);
    long from = alice.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
    assertThat(alice.delete("/api/v1/tasks/" + id + "/shares/bob").status()).isEqualTo(200);
    JsonNode owners = alice.get("/api/v1/events?after=" + from).json().get("events");
    assertThat(owners.findValuesAsText("type")).containsExactly("task.updated");
    assertThat(owners.get(0).at("/changes/sharedWith").toString()).isEqualTo("[[\"bob\"],[]]");
    JsonNode bobs = bob.get("/api/v1/events?after=" + from).json().get("events");
    assertThat(bobs.findValuesAsText("type")).containsExactly("task.unshared");
  }

  @Test
  void aSharedUserOutsideTheTasksTeamMayStillChangeIt() {
    String id = alice.create("{\"title\":\"team work\",\"teamId\":\"core\"}");
    alice.put("/api/v1/tasks/" + id + "/shares/bob");
    Response r = bob.patch("/api/v1/tasks/" + id, "{\"title\":\"edited by bob\"}");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(bob.patch("/api/v1/tasks/" + id, "{\"teamId\":\"other\"}").status())
        .isEqualTo(403);
    Response bare = alice.send("GET", "/api/v1/tasks/" + id, null,
        Map.of("If-None-Match", r.json().get("version").asText()));
    assertThat(bare.status()).isEqualTo(304);
  }

  @Test
  void sharingAndUnsharingChangeWhoSeesTheTask() {
    String id = alice.create("{\"title\":\"for bob\"}");
    assertThat(bob.get("/api/v1/tasks/" + id).status()).isEqualTo(404);
    Response shared = alice.put("/api/v1/tasks/" + id + "/shares/bob");
    assertThat(shared.json().get("sharedWith").toString()).isEqualTo("[\"bob\"]");
    assertThat(bob.get("/api/v1/tasks/" + id).status()).isEqualTo(200);
    alice.delete("/api/v1/tasks/" + id + "/shares/bob");
    assertThat(bob.get("/api/v1/tasks/" + id).status()).isEqualTo(404);
  }

  @Test
  void listingFiltersSearchesAndPagesWithACursor() {
    Api frank = server.as("frank");
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      made.add(frank.create("{\"title\":\"Report " + i + "\",\"assignee\":\""
          + (i % 2 == 0 ? "even" : "odd") + "\",\"description\":\"" + (i == 3 ? "100% special_"
          : "plain") + "\"}"));
    }
    frank.post("/api/v1/tasks/" + made.get(0) + "/start", null);

    Response page1 = frank.get("/api/v1/tasks?limit=3");
    assertThat(ids(page1)).containsExactly(made.get(6), made.get(5), made.get(4));
    assertThat(page1.json().get("offset").asLong()).isPositive();
    String cursor = page1.json().get("nextCursor").asText();
    Response page2 = frank.get("/api/v1/tasks?limit=3&cursor=" + cursor);
    assertThat(ids(page2)).containsExactly(made.get(3), made.get(2), made.get(1));
    Response page3 = frank.get("/api/v1/tasks?limit=3&cursor="
        + page2.json().get("nextCursor").asText());
    assertThat(ids(page3)).containsExactly(made.get(0));
    assertThat(page3.json().get("nextCursor").isNull()).isTrue();

    assertThat(ids(frank.get("/api/v1/tasks?assignee=odd"))).hasSize(3);
    assertThat(ids(frank.get("/api/v1/tasks?status=running"))).containsExactly(made.get(0));
    assertThat(ids(frank.get("/api/v1/tasks?status=pending,running"))).hasSize(7);
    assertThat(ids(frank.get("/api/v1/tasks?q=report%204"))).containsExactly(made.get(4));
    assertThat(ids(frank.get("/api/v1/tasks?q=100%25%20special_"))).containsExactly(made.get(3));
    assertThat(ids(frank.get("/api/v1/tasks?q=%25"))).containsExactly(made.get(3));
  }

  @Test
  void idempotencyKeyMakesARetryReturnTheFirstResult() {
    Map<String, String> key = Map.of("Idempotency-Key", "retry-1");
    Response first = alice.send("POST", "/api/v1/tasks", "{\"title\":\"once\"}", key);
    Response again = alice.send("POST", "/api/v1/tasks", "{\"title\":\"once\"}", key);
    assertThat(first.status()).isEqualTo(201);
    assertThat(again.status()).isEqualTo(201);
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.json().get("id")).isEqualTo(first.json().get("id"));
    Response different = alice.send("POST", "/api/v1/tasks", "{\"title\":\"twice\"}", key);
    assertThat(different.status()).isEqualTo(409);
    assertThat(different.errorCode()).isEqualTo("conflict");
  }

  @Test
  void timelineEntriesAreAddedListedAndPaged() {
    String id = alice.create("{\"title\":\"with history\"}");
    Response added = alice.post("/api/v1/tasks/" + id + "/entries",
        "{\"kind\":\"link\",\"text\":\"PR #12\",\"data\":{\"url\":\"https://example.test/pr/12\"}}");
    assertThat(added.status()).isEqualTo(201);
    assertThat(added.json().get("kind").asText()).isEqualTo("link");
    for (int i = 0; i < 4; i++) {
      alice.post("/api/v1/tasks/" + id + "/entries", "{\"text\":\"line " + i + "\"}");
    }
    Response first = alice.get("/api/v1/tasks/" + id + "/entries?limit=3");
    assertThat(first.json().get("entries")).hasSize(3);
    assertThat(first.json().get("entries").get(1).get("kind").asText()).isEqualTo("log");
    Response rest = alice.get("/api/v1/tasks/" + id + "/entries?after="
        + first.json().get("next").asText());
    assertThat(rest.json().get("entries")).hasSize(2);
    assertThat(rest.json().get("next").isNull()).isTrue();
    assertThat(alice.get("/api/v1/tasks/" + id).json().get("version").asLong()).isEqualTo(6);
    assertError(alice.post("/api/v1/tasks/" + id + "/entries", "{\"kind\":\"log\"}"), 400,
        "validation_failed", "text");
  }

  @Test
  void theFeedReturnsEventsAfterAnOffsetWithTheEpoch() {
    Api gina = server.as("gina");
    long start = gina.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
    String id = gina.create("{\"title\":\"fed\"}");
    gina.post("/api/v1/tasks/" + id + "/start", null);
    Response feed = gina.get("/api/v1/events?after=" + start);
    JsonNode events = feed.json().get("events");
    assertThat(events).hasSize(2);
    assertThat(events.get(0).get("type").asText()).isEqualTo("task.created");
    assertThat(events.get(1).get("type").asText()).isEqualTo("task.status_changed");
    assertThat(events.get(1).get("actor").get("id").asText()).isEqualTo("gina");
    assertThat(events.get(1).get("offset").asLong()).isGreaterThan(events.get(0).get("offset")
        .asLong());
    assertThat(feed.json().get("recovered").asBoolean()).isTrue();
    assertThat(feed.json().get("next").asLong()).isEqualTo(events.get(1).get("offset").asLong());
    String epoch = feed.json().get("epoch").asText();
    assertThat(gina.get("/api/v1/events?after=" + start + "&epoch=" + epoch).json()
        .get("events")).hasSize(2);
    Response foreign = gina.get("/api/v1/events?after=" + start + "&epoch=elsewhere");
    assertThat(foreign.json().get("recovered").asBoolean()).isFalse();
  }

  @Test
  void aLongPollWakesAsSoonAsAnEventArrives() throws Exception {
    Api hank = server.as("hank");
    String id = hank.create("{\"title\":\"watched\"}");
    long offset = hank.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
    long began = System.nanoTime();
    CompletableFuture<Response> poll = Background.supply(() ->
        hank.get("/api/v1/events?after=" + offset + "&wait=20&stream=task:" + id));
    Thread.sleep(300);
    assertThat(poll).isNotDone();
    hank.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":10}");
    Response r = poll.get(5, TimeUnit.SECONDS);
    long tookMillis = (System.nanoTime() - began) / 1_000_000;
    assertThat(r.json().get("events")).hasSize(1);
    assertThat(r.json().get("events").get(0).get("type").asText()).isEqualTo("task.progress");
    assertThat(tookMillis).isLessThan(5_000);

    long head = r.json().get("next").asLong();
    long t0 = System.nanoTime();
    Response empty = hank.get("/api/v1/events?after=" + head + "&wait=1");
    assertThat(empty.json().get("events")).isEmpty();
    assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(900);
  }

  @Test
  void adminsManageUsersAndUsersChangeTheirOwnNameAndPassword() {
    Response created = admin.post("/api/v1/users",
        "{\"id\":\"ivy\",\"name\":\"Ivy\",\"password\":\"ivy-password\",\"roles\":[]}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().get("name").asText()).isEqualTo("Ivy");
    assertThat(created.json().has("password")).isFalse();
    assertThat(admin.post("/api/v1/users", "{\"id\":\"ivy\",\"password\":\"ivy-password\"}")
        .errorCode()).isEqualTo("conflict");
    assertError(admin.post("/api/v1/users", "{\"id\":\"x y\",\"password\":\"long-enough\"}"), 400,
        "validation_failed", "id");
    assertError(admin.post("/api/v1/users", "{\"id\":\"jo\",\"password\":\"short\"}"), 400,
        "validation_failed", "password");
    assertThat(alice.post("/api/v1/users", "{\"id\":\"mallory\",\"password\":\"12345678\"}")
        .status()).isEqualTo(403);

    Response login = login("ivy", "ivy-password");
    assertThat(login.status()).isEqualTo(200);
    Api ivy = new Api(server.baseUrl(), login.json().get("token").asText());
    assertThat(ivy.get("/api/v1/me").json().get("id").asText()).isEqualTo("ivy");
    assertThat(ivy.patch("/api/v1/users/ivy", "{\"name\":\"Ivy B.\"}").json().get("name").asText())
        .isEqualTo("Ivy B.");
    assertError(ivy.patch("/api/v1/users/ivy",
        "{\"password\":\"new-password\",\"currentPassword\":\"wrong\"}"), 400,
        "validation_failed", "currentPassword");
    assertThat(ivy.patch("/api/v1/users/ivy",
        "{\"password\":\"new-password\",\"currentPassword\":\"ivy-password\"}").status())
        .isEqualTo(200);
    assertThat(login("ivy", "ivy-password").status()).isEqualTo(401);
    assertThat(login("ivy", "new-password").status()).isEqualTo(200);
    assertThat(ivy.patch("/api/v1/users/ivy", "{\"roles\":[\"admin\"]}").status()).isEqualTo(403);
    assertThat(ivy.patch("/api/v1/users/admin", "{\"name\":\"pwned\"}").status()).isEqualTo(404);

    // An admin resets a password and disables the account: its tokens stop working.
    assertThat(admin.patch("/api/v1/users/ivy", "{\"password\":\"reset-password\"}").status())
        .isEqualTo(200);
    assertThat(login("ivy", "reset-password").status()).isEqualTo(200);
    assertThat(admin.patch("/api/v1/users/ivy", "{\"disabled\":true}").json().get("disabled")
        .asBoolean()).isTrue();
    assertThat(login("ivy", "reset-password").status()).isEqualTo(401);
    assertThat(ivy.get("/api/v1/tasks").status()).isEqualTo(401);
    admin.patch("/api/v1/users/ivy", "{\"disabled\":false}");
    assertThat(ivy.get("/api/v1/tasks").status()).isEqualTo(200);
    assertThat(admin.get("/api/v1/users").json().get("users").findValuesAsText("id"))
        .contains("admin", "ivy");
  }

  @Test
  void loginGivesATokenCarryingTheUsersTeams() {
    admin.post("/api/v1/users", "{\"id\":\"jack\",\"password\":\"jack-password\"}");
    admin.post("/api/v1/teams", "{\"id\":\"ops\",\"name\":\"Operations\"}");
    Response added = admin.put("/api/v1/teams/ops/members/jack");
    assertThat(added.json().get("members").toString()).isEqualTo("[\"jack\"]");
    Response login = login("jack", "jack-password");
    assertThat(login.json().get("user").get("teams").toString()).isEqualTo("[\"ops\"]");
    assertThat(login.json().get("expiresAt").asText()).endsWith("Z");
    Api jack = new Api(server.baseUrl(), login.json().get("token").asText());
    assertThat(jack.get("/api/v1/me").json().get("teams").toString()).isEqualTo("[\"ops\"]");
    String opsTask = admin.create("{\"title\":\"ops work\",\"teamId\":\"ops\"}");
    assertThat(jack.get("/api/v1/tasks/" + opsTask).status()).isEqualTo(200);
    assertThat(login("jack", "wrong-password").status()).isEqualTo(401);
    assertThat(login("nobody", "whatever-pass").status()).isEqualTo(401);
    assertError(new Api(server.baseUrl(), null).post("/api/v1/auth/login", "{}"), 400,
        "validation_failed", "username");
  }

  @Test
  void teamsAreCreatedRenamedAndTheirMembershipManaged() {
    assertThat(admin.post("/api/v1/teams", "{\"id\":\"design\"}").status()).isEqualTo(201);
    assertThat(admin.post("/api/v1/teams", "{\"id\":\"design\"}").errorCode())
        .isEqualTo("conflict");
    assertThat(alice.post("/api/v1/teams", "{\"id\":\"mine\"}").status()).isEqualTo(403);
    assertThat(admin.patch("/api/v1/teams/design", "{\"name\":\"Design\"}").json().get("name")
        .asText()).isEqualTo("Design");
    admin.post("/api/v1/users", "{\"id\":\"kim\",\"password\":\"kim-password\"}");
    admin.put("/api/v1/teams/design/members/kim");
    assertThat(admin.put("/api/v1/teams/design/members/ghost").status()).isEqualTo(404);
    Api kim = server.as("kim");
    assertThat(kim.get("/api/v1/teams").json().get("teams").findValuesAsText("id"))
        .containsExactly("design");
    assertThat(admin.delete("/api/v1/teams/design/members/kim").json().get("members")).isEmpty();
    assertThat(kim.get("/api/v1/teams").json().get("teams")).isEmpty();
    assertThat(admin.patch("/api/v1/teams/none", "{\"name\":\"x\"}").status()).isEqualTo(404);
  }

  @Test
  void projectsAreCreatedListedByVisibilityAndSummarized() {
    Response p = alice.post("/api/v1/projects", "{\"id\":\"launch\",\"name\":\"Launch\","
        + "\"teamId\":\"core\"}");
    assertThat(p.status()).isEqualTo(201);
    Response generated = alice.post("/api/v1/projects", "{\"name\":\"Scratch\"}");
    assertThat(generated.json().get("id").asText()).startsWith("p-");
    assertError(alice.post("/api/v1/projects", "{\"name\":\"x\",\"teamId\":\"ops\"}"), 400,
        "validation_failed", "teamId");
    assertThat(alice.post("/api/v1/projects", "{\"id\":\"launch\",\"name\":\"again\"}")
        .errorCode()).isEqualTo("conflict");
    assertThat(bob.get("/api/v1/projects").json().get("projects").findValuesAsText("id"))
        .doesNotContain("launch");
    assertThat(bob.get("/api/v1/projects/launch").status()).isEqualTo(404);
    assertThat(carol.get("/api/v1/projects/launch").status()).isEqualTo(200);
    assertThat(carol.patch("/api/v1/projects/launch", "{\"name\":\"Nope\"}").status())
        .isEqualTo(403);
    assertThat(alice.patch("/api/v1/projects/launch", "{\"name\":\"Launch v2\"}").json()
        .get("name").asText()).isEqualTo("Launch v2");

    String a = alice.create("{\"title\":\"a\",\"projectId\":\"launch\",\"teamId\":\"core\"}");
    alice.create("{\"title\":\"b\",\"projectId\":\"launch\",\"teamId\":\"core\"}");
    alice.create("{\"title\":\"hidden from carol\",\"projectId\":\"launch\"}");
    alice.post("/api/v1/tasks/" + a + "/start", null);
    alice.post("/api/v1/tasks/" + a + "/complete", null);
    JsonNode summary = carol.get("/api/v1/projects/launch/summary").json();
    assertThat(summary.get("counts").get("completed").asLong()).isEqualTo(1);
    assertThat(summary.get("counts").get("pending").asLong()).isEqualTo(1);
    assertThat(summary.get("total").asLong()).isEqualTo(2);
    assertThat(alice.get("/api/v1/projects/launch/summary").json().get("total").asLong())
        .isEqualTo(3);
    assertThat(ids(carol.get("/api/v1/tasks?projectId=launch"))).hasSize(2);
  }

  @Test
  void healthProbesAnswerWithoutAToken() {
    Api anonymous = new Api(server.baseUrl(), null);
    assertThat(anonymous.get("/api/v1/health/live").status()).isEqualTo(200);
    Response ready = anonymous.get("/api/v1/health/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().get("database").asText()).isEqualTo("up");
  }

  static Response login(String user, String password) {
    return new Api(server.baseUrl(), null).post("/api/v1/auth/login",
        "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}");
  }

  static List<String> ids(Response listing) {
    return listing.json().get("tasks").findValuesAsText("id");
  }

  static void assertError(Response r, int status, String code, String field) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.errorCode()).as(r.text()).isEqualTo(code);
    assertThat(r.json().at("/error/details/field").asText()).as(r.text()).isEqualTo(field);
    assertThat(r.json().at("/error/message").asText()).contains(field);
  }
}
