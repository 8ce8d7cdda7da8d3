package io.taskpulse.server.github;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GitHub deliveries, signed as GitHub signs them, acting on linked tasks. */
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

  static String sign(String body, String secret) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
  }

  static Response deliver(String event, String delivery, String body, String signature) {
    return new Api(server.baseUrl(), null).send("POST", "/api/v1/webhooks/github", body,
        signature == null ? Map.of("X-GitHub-Event", event, "X-GitHub-Delivery", delivery)
            : Map.of("X-GitHub-Event", event, "X-GitHub-Delivery", delivery,
                "X-Hub-Signature-256", signature));
  }

  static Response pr(String action, boolean merged, String branch, String title, String delivery)
      throws Exception {
    String body = "{\"action\":\"" + action + "\",\"number\":42,\"pull_request\":{\"number\":42,"
        + "\"html_url\":\"https://github.example/acme/app/pull/42\",\"title\":\"" + title + "\","
        + "\"body\":\"\",\"merged\":" + merged + ",\"head\":{\"ref\":\"" + branch + "\"}},"
        + "\"repository\":{\"full_name\":\"acme/app\"},\"sender\":{\"login\":\"octocat\"}}";
    return deliver("pull_request", delivery, body, sign(body, SECRET));
  }

  static long head() {
    return owner.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
  }

  @Test
  void aMissingOrWrongSignatureIs401AndChangesNothing() throws Exception {
    String id = owner.create("{\"title\":\"guarded\"}");
    long before = head();
    String body = "{\"action\":\"opened\",\"pull_request\":{\"title\":\"TP-" + id + "\"}}";
    assertThat(deliver("pull_request", "d-1", body, null).status()).isEqualTo(401);
    assertThat(deliver("pull_request", "d-1", body, sign(body, "not-the-secret")).status())
        .isEqualTo(401);
    assertThat(deliver("pull_request", "d-1", body, "sha256=zz").status()).isEqualTo(401);
    assertThat(head()).isEqualTo(before);
    assertThat(deliver("ping", "d-2", "{\"zen\":\"hi\"}", sign("{\"zen\":\"hi\"}", SECRET))
        .status()).isEqualTo(200);
  }

  @Test
  void anOpenedPullRequestLinksTheTaskOnceEvenWhenRedelivered() throws Exception {
    String id = owner.create("{\"title\":\"feature\"}");
    String delivery = UUID.randomUUID().toString();
    Response r = pr("opened", false, "feature/tp-" + id + "-login", "Add login", delivery);
    assertThat(r.status()).isEqualTo(200);
    JsonNode task = owner.get("/api/v1/tasks/" + id).json();
    assertThat(task.get("stage").asText()).isEqualTo("in_review");
    JsonNode entry = owner.get("/api/v1/tasks/" + id + "/entries").json().get("entries").get(0);
    assertThat(entry.get("kind").asText()).isEqualTo("link");
    assertThat(entry.at("/data/url").asText()).isEqualTo("https://github.example/acme/app/pull/42");
    assertThat(entry.at("/data/number").asInt()).isEqualTo(42);
    assertThat(entry.at("/data/repository").asText()).isEqualTo("acme/app");
    assertThat(entry.at("/data/action").asText()).isEqualTo("opened");
    assertThat(entry.at("/data/merged").asBoolean()).isFalse();
    JsonNode event = last(id);
    assertThat(event.at("/actor/id").asText()).isEqualTo("github:octocat");
    assertThat(event.at("/actor/kind").asText()).isEqualTo("webhook");
    assertThat(event.at("/actor/via").asText()).isEqualTo("webhook");

    long before = head();
    assertThat(pr("opened", false, "feature/tp-" + id, "Add login", delivery).status())
        .isEqualTo(200);
    assertThat(head()).isEqualTo(before);
  }

  @Test
  void anUnlinkedDeliveryIs202AndChangesNothing() throws Exception {
    long before = head();
    assertThat(pr("opened", false, "feature/no-link", "Refactor", UUID.randomUUID().toString())
        .status()).isEqualTo(202);
    assertThat(head()).isEqualTo(before);
  }

  @Test
  void aMergedPullRequestCompletesAPendingTaskThroughRunning() throws Exception {
    String id = owner.create("{\"title\":\"ship it\"}");
    long before = head();
    assertThat(pr("closed", true, "main", "Ship TP-" + id, UUID.randomUUID().toString())
        .status()).isEqualTo(200);
    assertThat(owner.get("/api/v1/tasks/" + id).json().get("status").asText())
        .isEqualTo("completed");
    List<JsonNode> events = LogReader.readAll(server.asAdmin()).stream()
        .filter(e -> e.get("offset").asLong() > before).toList();
    assertThat(events).extracting(e -> e.get("type").asText() + ":"
        + e.at("/task/status").asText()).containsExactly("task.entry_added:pending",
            "task.status_changed:running", "task.status_changed:completed");
  }

  @Test
  void aClosedUnmergedPullRequestMarksTheStage() throws Exception {
    String id = owner.create("{\"title\":\"abandoned\"}");
    pr("closed", false, "x", "tp-" + id + " try", UUID.randomUUID().toString());
    JsonNode task = owner.get("/api/v1/tasks/" + id).json();
    assertThat(task.get("stage").asText()).isEqualTo("pr_closed");
    assertThat(task.get("status").asText()).isEqualTo("pending");
  }

  static JsonNode last(String taskId) {
    return LogReader.readAll(server.asAdmin()).stream()
        .filter(e -> e.get("taskId").asText().equals(taskId)).reduce((a, b) -> b).orElseThrow();
  }
}
