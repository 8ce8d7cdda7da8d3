package io.taskpulse.server.github;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GitHub's own example deliveries (test resources {@code github/}, from GitHub's docs),
 * signed as GitHub signs them, acting on linked tasks. A delivery is linked to a task only by
 * putting {@code TP-<id>} in its head branch or title; nothing else of GitHub's payload changes.
 */
class GitHubWebhookTest {

  static final String SECRET = "github-webhook-secret";
  static TestServer server;
  static Api owner;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_GITHUB_WEBHOOK_SECRET", SECRET));
    owner = server.as("dev");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A payload exactly as GitHub's docs publish it. */
  static String example(String name) {
    try (InputStream in = GitHubWebhookTest.class.getResourceAsStream("/github/" + name
        + ".payload.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The example with its head branch ("changes") naming the task. */
  static String onBranch(String name, String branch) {
    String body = example(name);
    assertThat(body).contains("\"ref\": \"changes\"");
    return body.replace("\"ref\": \"changes\"", "\"ref\": \"" + branch + "\"");
  }

  /** The example with the task named in front of its title. */
  static String inTitle(String name, String prefix) {
    String title = "\"title\": \"Update the README with new information.\"";
    String body = example(name);
    assertThat(body).contains(title);
    return body.replace(title, "\"title\": \"" + prefix + " Update the README with new"
        + " information.\"");
  }

  static String sign(String body, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(
          StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A delivery with GitHub's headers; {@code signature} null sends none. */
  static Response deliver(String event, String delivery, String body, String signature) {
    Map<String, String> headers = new HashMap<>(Map.of("X-GitHub-Event", event,
        "X-GitHub-Delivery", delivery, "User-Agent", "GitHub-Hookshot/test"));
    if (signature != null) {
      headers.put("X-Hub-Signature-256", signature);
    }
    return new Api(server.baseUrl(), null).send("POST", "/api/v1/webhooks/github", body,
        headers);
  }

  static Response signed(String event, String body) {
    return deliver(event, UUID.randomUUID().toString(), body, sign(body, SECRET));
  }

  static long head() {
    return owner.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
  }

  static List<JsonNode> eventsAfter(long offset) {
    return LogReader.readAll(server.asAdmin()).stream()
        .filter(e -> e.get("offset").asLong() > offset).toList();
  }

  @Test
  void aMissingWrongOrTamperedSignatureIs401AndChangesNothing() {
    String id = owner.create("{\"title\":\"guarded\"}");
    String body = onBranch("pull_request.opened", "TP-" + id + "-readme");
    long before = head();
    assertThat(deliver("pull_request", "d-1", body, null).status()).isEqualTo(401);
    assertThat(deliver("pull_request", "d-2", body, sign(body, "not-the-secret")).status())
        .isEqualTo(401);
    assertThat(deliver("pull_request", "d-3", body, "sha256=zz").status()).isEqualTo(401);
    assertThat(deliver("pull_request", "d-4", body, "sha1=" + sign(body, SECRET).substring(7))
        .status()).isEqualTo(401);
    String tampered = body.replace("\"merged\": false", "\"merged\": true");
    assertThat(deliver("pull_request", "d-5", tampered, sign(body, SECRET)).status())
        .isEqualTo(401);
    assertThat(head()).isEqualTo(before);
    JsonNode task = owner.get("/api/v1/tasks/" + id).json();
    assertThat(task.get("version").asInt()).isEqualTo(1);
    assertThat(task.get("stage").isNull()).isTrue();
    // The refused deliveries were not recorded: the same ids, properly signed, now apply.
    assertThat(deliver("pull_request", "d-1", body, sign(body, SECRET)).status()).isEqualTo(200);
  }

  @Test
  void githubsPingIsAnsweredWithPong() {
    long before = head();
    Response r = signed("ping", example("ping"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("result").asText()).isEqualTo("pong");
    assertThat(head()).isEqualTo(before);
  }

  @Test
  void anOpenedPullRequestAddsALinkEntryAndPutsTheTaskInReview() {
    String id = owner.create("{\"title\":\"readme\"}");
    long before = head();
    Response r = signed("pull_request", onBranch("pull_request.opened", "tp-" + id
        + "/readme"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("result").asText()).isEqualTo("updated 1 task(s)");
    JsonNode task = owner.get("/api/v1/tasks/" + id).json();
    assertThat(task.get("stage").asText()).isEqualTo("in_review");
    assertThat(task.get("status").asText()).isEqualTo("pending");
    JsonNode entry = owner.get("/api/v1/tasks/" + id + "/entries").json().get("entries").get(0);
    assertThat(entry.get("kind").asText()).isEqualTo("link");
    assertThat(entry.get("text").asText())
        .isEqualTo("PR #2 opened: Update the README with new information.");
    assertThat(entry.at("/data/url").asText())
        .isEqualTo("https://github.com/Codertocat/Hello-World/pull/2");
    assertThat(entry.at("/data/number").asInt()).isEqualTo(2);
    assertThat(entry.at("/data/repository").asText()).isEqualTo("Codertocat/Hello-World");
    assertThat(entry.at("/data/title").asText())
        .isEqualTo("Update the README with new information.");
    assertThat(entry.at("/data/action").asText()).isEqualTo("opened");
    assertThat(entry.at("/data/merged").asBoolean()).isFalse();
    List<JsonNode> events = eventsAfter(before);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).get("type").asText()).isEqualTo("task.entry_added");
    assertThat(events.get(0).at("/actor/id").asText()).isEqualTo("github:Codertocat");
    assertThat(events.get(0).at("/actor/kind").asText()).isEqualTo("webhook");
    assertThat(events.get(0).at("/actor/via").asText()).isEqualTo("webhook");
    assertThat(events.get(0).at("/changes/stage/1").asText()).isEqualTo("in_review");
  }

  @Test
  void aDraftIsLinkedWithoutReviewUntilItIsReadyAndGoesBackWhenConvertedToADraft() {
    String id = owner.create("{\"title\":\"draft first\"}");
    String opened = onBranch("pull_request.opened", "TP-" + id);
    assertThat(opened).contains("\"draft\": false").contains("\"action\": \"opened\"");
    String asDraft = opened.replace("\"draft\": false", "\"draft\": true");
    assertThat(signed("pull_request", asDraft).status()).isEqualTo(200);
    assertThat(owner.get("/api/v1/tasks/" + id).json().get("stage").asText())
        .isEqualTo("pr_draft");

    String ready = opened.replace("\"action\": \"opened\"", "\"action\": \"ready_for_review\"");
    assertThat(signed("pull_request", ready).status()).isEqualTo(200);
    assertThat(owner.get("/api/v1/tasks/" + id).json().get("stage").asText())
        .isEqualTo("in_review");

    String back = asDraft.replace("\"action\": \"opened\"",
        "\"action\": \"converted_to_draft\"");
    assertThat(signed("pull_request", back).status()).isEqualTo(200);
    JsonNode entries = owner.get("/api/v1/tasks/" + id + "/entries").json().get("entries");
    assertThat(entries.findValuesAsText("text")).containsExactly(
        "PR #2 opened: Update the README with new information.",
        "PR #2 ready_for_review: Update the README with new information.",
        "PR #2 converted_to_draft: Update the README with new information.");
    assertThat(entries.get(0).at("/data/draft").asBoolean()).isTrue();
    assertThat(entries.get(1).at("/data/draft").asBoolean()).isFalse();
    assertThat(owner.get("/api/v1/tasks/" + id).json().get("stage").asText())
        .isEqualTo("pr_draft");
    assertThat(owner.get("/api/v1/tasks/" + id).json().get("status").asText())
        .isEqualTo("pending");
  }

  @Test
  void aRedeliveryChangesNothing() {
    String id = owner.create("{\"title\":\"once\"}");
    String body = onBranch("pull_request.opened", "TP-" + id);
    String delivery = UUID.randomUUID().toString();
    assertThat(deliver("pull_request", delivery, body, sign(body, SECRET)).status())
        .isEqualTo(200);
    long before = head();
    Response again = deliver("pull_request", delivery, body, sign(body, SECRET));
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("result").asText()).isEqualTo("already delivered");
    assertThat(head()).isEqualTo(before);
    assertThat(owner.get("/api/v1/tasks/" + id + "/entries").json().get("entries").size())
        .isEqualTo(1);
  }

  @Test
  void aMergedPullRequestCompletesAPendingTaskThroughRunning() {
    String id = owner.create("{\"title\":\"ship it\"}");
    long before = head();
    Response r = signed("pull_request", inTitle("pull_request.closed.merged", "TP-" + id));
    assertThat(r.status()).isEqualTo(200);
    JsonNode task = owner.get("/api/v1/tasks/" + id).json();
    assertThat(task.get("status").asText()).isEqualTo("completed");
    assertThat(task.get("finishedAt").isNull()).isFalse();
    List<JsonNode> events = eventsAfter(before);
    assertThat(events).extracting(e -> e.get("type").asText() + ":"
        + e.at("/task/status").asText()).containsExactly("task.entry_added:pending",
            "task.status_changed:running", "task.status_changed:completed");
    assertThat(events).allMatch(e -> e.at("/actor/id").asText().equals("github:Codertocat"));
    assertThat(events.get(0).at("/entry/data/merged").asBoolean()).isTrue();
    assertThat(events.get(0).at("/entry/text").asText()).startsWith("PR #2 merged: TP-" + id);
  }

  @Test
  void aMergedPullRequestCompletesARunningTaskInOneMove() {
    String id = owner.create("{\"title\":\"already started\"}");
    owner.post("/api/v1/tasks/" + id + "/start", "{}");
    long before = head();
    signed("pull_request", onBranch("pull_request.closed.merged", "feature/TP-" + id));
    assertThat(eventsAfter(before)).extracting(e -> e.get("type").asText() + ":"
        + e.at("/task/status").asText()).containsExactly("task.entry_added:running",
            "task.status_changed:completed");
  }

  @Test
  void aClosedUnmergedPullRequestMarksTheStageAndLeavesTheStatus() {
    String id = owner.create("{\"title\":\"abandoned\"}");
    owner.post("/api/v1/tasks/" + id + "/start", "{}");
    long before = head();
    Response r = signed("pull_request", onBranch("pull_request.closed", "TP-" + id + "-try"));
    assertThat(r.status()).isEqualTo(200);
    JsonNode task = owner.get("/api/v1/tasks/" + id).json();
    assertThat(task.get("stage").asText()).isEqualTo("pr_closed");
    assertThat(task.get("status").asText()).isEqualTo("running");
    List<JsonNode> events = eventsAfter(before);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).at("/entry/text").asText()).startsWith("PR #2 closed:");
    assertThat(events.get(0).at("/entry/data/merged").asBoolean()).isFalse();
  }

  @Test
  void anUnlinkedPullRequestIs202AndChangesNothing() {
    owner.create("{\"title\":\"bystander\"}");
    long before = head();
    for (String name : List.of("pull_request.opened", "pull_request.closed",
        "pull_request.closed.merged")) {
      Response r = signed("pull_request", example(name));
      assertThat(r.status()).as(name).isEqualTo(202);
      assertThat(r.json().get("result").asText()).isEqualTo("not linked to a task");
    }
    Response unknown = signed("pull_request", onBranch("pull_request.opened", "TP-999999"));
    assertThat(unknown.status()).isEqualTo(202);
    assertThat(unknown.json().get("result").asText()).isEqualTo("linked tasks not found");
    assertThat(head()).isEqualTo(before);
  }

  @Test
  void aFormEncodedDeliveryIsRefusedWithAMessageNamingTheContentType() {
    String body = "payload=" + java.net.URLEncoder.encode(example("ping"),
        StandardCharsets.UTF_8);
    Response r = new Api(server.baseUrl(), null).send("POST", "/api/v1/webhooks/github", body,
        Map.of("X-GitHub-Event", "ping", "X-GitHub-Delivery", "form-1",
            "X-Hub-Signature-256", sign(body, SECRET),
            "Content-Type", "application/x-www-form-urlencoded"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().at("/error/message").asText()).contains("application/json");
  }
}
