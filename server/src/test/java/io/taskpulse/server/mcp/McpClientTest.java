package io.taskpulse.server.mcp;

import static io.taskpulse.server.mcp.McpClients.call;
import static io.taskpulse.server.mcp.McpClients.ok;
import static io.taskpulse.server.mcp.McpClients.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A chat assistant, as the MCP SDK's own client, manages tasks under the same rules as HTTP. */
class McpClientTest {

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static McpSyncClient assistantOf(String user, String... teams) {
    return McpClients.connect(server.baseUrl(), server.token(user, List.of(teams), false));
  }

  @Test
  void theSdkClientNegotiatesAVersionAndListsTheTenToolsWithSchemas() {
    try (McpSyncClient client = assistantOf("lister")) {
      McpSchema.InitializeResult init = client.getCurrentInitializationResult();
      assertThat(init.protocolVersion()).isEqualTo("2025-06-18");
      assertThat(init.serverInfo().name()).isEqualTo("taskpulse");
      assertThat(init.capabilities().tools()).isNotNull();
      assertThat(init.instructions()).contains("isError");
      List<Tool> tools = client.listTools().tools();
      assertThat(tools).extracting(Tool::name).containsExactly("list_tasks", "get_task",
          "create_task", "update_task", "set_status", "report_progress", "add_entry",
          "share_task", "delete_task", "project_summary");
      for (Tool t : tools) {
        assertThat(t.description()).as(t.name()).hasSizeGreaterThan(30);
        assertThat(t.inputSchema().get("type")).as(t.name()).isEqualTo("object");
        assertThat(t.inputSchema().get("additionalProperties")).as(t.name()).isEqualTo(false);
        assertThat(t.outputSchema()).as(t.name()).containsKey("properties");
        assertThat(t.annotations()).as(t.name()).isNotNull();
      }
      Tool setStatus = tools.get(4);
      assertThat(setStatus.inputSchema().get("required")).isEqualTo(List.of("id", "status"));
      assertThat(McpClients.JSON.valueToTree(setStatus.inputSchema())
          .at("/properties/status/enum").toString())
          .isEqualTo("[\"pending\",\"running\",\"completed\",\"failed\",\"cancelled\",\"disabled\"]");
      assertThat(tools.get(8).annotations().destructiveHint()).isTrue();
      assertThat(tools.get(0).annotations().readOnlyHint()).isTrue();
    }
  }

  @Test
  void eachOfTheTenToolsWorksAndChangesWhatHttpSees() {
    Api http = server.as("worker-ann", "ops");
    String project = http.post("/api/v1/projects", "{\"name\":\"Billing\",\"teamId\":\"ops\"}")
        .json().get("id").asText();
    try (McpSyncClient ann = assistantOf("worker-ann", "ops")) {
      JsonNode created = ok(ann, "create_task", "{\"title\":\"Export contracts\","
          + "\"priority\":\"high\",\"labels\":[\"export\"],\"teamId\":\"ops\",\"projectId\":\""
          + project + "\",\"idempotencyKey\":\"k-1\"}");
      String id = created.get("id").asText();
      assertThat(created.get("status").asText()).isEqualTo("pending");
      assertThat(created.get("ownerId").asText()).isEqualTo("worker-ann");
      assertThat(ok(ann, "create_task", "{\"title\":\"Export contracts\",\"priority\":\"high\","
          + "\"labels\":[\"export\"],\"teamId\":\"ops\",\"projectId\":\"" + project
          + "\",\"idempotencyKey\":\"k-1\"}").get("id").asText()).isEqualTo(id);

      assertThat(ok(ann, "get_task", "{\"id\":\"" + id + "\"}").get("labels").toString())
          .isEqualTo("[\"export\"]");
      JsonNode updated = ok(ann, "update_task", "{\"id\":\"" + id + "\",\"title\":\"Export all"
          + " contracts\",\"assignee\":\"agent-7\"}");
      assertThat(updated.get("version").asInt()).isEqualTo(2);
      assertThat(http.get("/api/v1/tasks/" + id).json().get("assignee").asText())
          .isEqualTo("agent-7");

      assertThat(ok(ann, "set_status", "{\"id\":\"" + id + "\",\"status\":\"running\"}")
          .get("status").asText()).isEqualTo("running");
      assertThat(ok(ann, "report_progress", "{\"id\":\"" + id + "\",\"progress\":45,"
          + "\"message\":\"page 9 of 20\"}").get("progressMessage").asText())
          .isEqualTo("page 9 of 20");
      JsonNode entry = ok(ann, "add_entry", "{\"id\":\"" + id + "\",\"kind\":\"link\","
          + "\"text\":\"Draft\",\"data\":{\"url\":\"https://example.org/d\"}}");
      assertThat(entry.get("kind").asText()).isEqualTo("link");
      assertThat(http.get("/api/v1/tasks/" + id + "/entries").json().get("entries")
          .findValuesAsText("text")).contains("Draft");

      Api bob = server.as("bob");
      assertThat(bob.get("/api/v1/tasks/" + id).status()).isEqualTo(404);
      assertThat(ok(ann, "share_task", "{\"id\":\"" + id + "\",\"userId\":\"bob\"}")
          .get("sharedWith").toString()).isEqualTo("[\"bob\"]");
      assertThat(bob.get("/api/v1/tasks/" + id).status()).isEqualTo(200);
      ok(ann, "share_task", "{\"id\":\"" + id + "\",\"userId\":\"bob\",\"unshare\":true}");
      assertThat(bob.get("/api/v1/tasks/" + id).status()).isEqualTo(404);

      JsonNode done = ok(ann, "set_status", "{\"id\":\"" + id + "\",\"status\":\"completed\","
          + "\"output\":{\"file\":\"contracts.zip\"}}");
      assertThat(done.at("/output/file").asText()).isEqualTo("contracts.zip");
      JsonNode summary = ok(ann, "project_summary", "{\"projectId\":\"" + project + "\"}");
      assertThat(summary.at("/counts/completed").asInt()).isEqualTo(1);
      assertThat(summary.get("total").asInt()).isEqualTo(1);

      JsonNode listed = ok(ann, "list_tasks", "{\"status\":\"completed\",\"projectId\":\""
          + project + "\"}");
      assertThat(listed.get("tasks").findValuesAsText("id")).containsExactly(id);
      assertThat(listed.get("nextCursor").isNull()).isTrue();

      assertThat(ok(ann, "delete_task", "{\"id\":\"" + id + "\"}").get("deleted").asText())
          .isEqualTo(id);
      assertThat(http.get("/api/v1/tasks/" + id).status()).isEqualTo(404);
      assertThat(refused(ann, "get_task", "{\"id\":\"" + id + "\"}").get("code").asText())
          .isEqualTo("not_found");
    }
  }

  @Test
  void listTasksPagesWithTheCursorItReturns() {
    try (McpSyncClient pat = assistantOf("pager")) {
      List<String> made = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        made.add(ok(pat, "create_task", "{\"title\":\"page " + i + "\"}").get("id").asText());
      }
      List<String> seen = new ArrayList<>();
      String cursor = null;
      do {
        JsonNode page = ok(pat, "list_tasks", "{\"limit\":2" + (cursor == null ? ""
            : ",\"cursor\":\"" + cursor + "\"") + "}");
        assertThat(page.get("tasks").size()).isLessThanOrEqualTo(2);
        seen.addAll(page.get("tasks").findValuesAsText("id"));
        cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
      } while (cursor != null);
      Collections.reverse(made);
      assertThat(seen).containsExactlyElementsOf(made);
    }
  }

  @Test
  void aToolCallReachesAWebSocketSubscriberAsFastAsAnHttpChange() {
    Api http = server.as("timer");
    String id = http.create("{\"title\":\"timed\"}");
    try (McpSyncClient mcp = assistantOf("timer");
        WsClient watcher = WsClient.open(server.baseUrl(), http.token())) {
      long head = http.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
      watcher.subscribe("s", "task:" + id, head, null);
      List<Long> viaMcp = new ArrayList<>();
      List<Long> viaHttp = new ArrayList<>();
      for (int i = 1; i <= 40; i++) {
        boolean useMcp = i % 2 == 0;
        long t0 = System.nanoTime();
        if (useMcp) {
          ok(mcp, "report_progress", "{\"id\":\"" + id + "\",\"progress\":" + i + "}");
        } else {
          assertThat(http.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":" + i + "}")
              .status()).isEqualTo(200);
        }
        JsonNode event = watcher.events(1, 5_000).get(0);
        assertThat(event.at("/task/progress").asInt()).isEqualTo(i);
        assertThat(event.at("/actor/via").asText()).isEqualTo(useMcp ? "mcp" : "http");
        long micros = (event.get("_receivedNanos").asLong() - t0) / 1_000;
        (useMcp ? viaMcp : viaHttp).add(micros);
      }
      long mcpMedian = median(viaMcp);
      long httpMedian = median(viaHttp);
      System.out.printf("tool call to WebSocket event: MCP median %d us, HTTP median %d us%n",
          mcpMedian, httpMedian);
      // Same order: the SDK client and the session check cost little next to the write.
      assertThat(mcpMedian).isLessThan(Math.max(10 * httpMedian, httpMedian + 25_000));
    }
  }

  @Test
  void anAssistantSeesAndTouchesOnlyWhatItsUserMay() {
    Api owner = server.as("olga", "core");
    String id = owner.create("{\"title\":\"Quarterly report\",\"teamId\":\"core\","
        + "\"assignee\":\"ann\"}");
    assertThat(owner.put("/api/v1/tasks/" + id + "/shares/sam").status()).isEqualTo(200);
    Map<String, McpSyncClient> who = Map.of(
        "owner", assistantOf("olga", "core"),
        "assignee", assistantOf("ann"),
        "team member", assistantOf("tess", "core"),
        "shared with", assistantOf("sam"),
        "admin", McpClients.connect(server.baseUrl(), server.token("root", List.of(), true)),
        "stranger", assistantOf("stan", "other"));
    try {
      int progress = 0;
      for (Map.Entry<String, McpSyncClient> e : who.entrySet()) {
        McpSyncClient c = e.getValue();
        boolean sees = !e.getKey().equals("stranger");
        JsonNode listed = ok(c, "list_tasks", "{\"q\":\"Quarterly\",\"limit\":100}");
        assertThat(listed.get("tasks").findValuesAsText("id").contains(id)).as(e.getKey())
            .isEqualTo(sees);
        if (sees) {
          assertThat(ok(c, "get_task", "{\"id\":\"" + id + "\"}").get("title").asText())
              .isEqualTo("Quarterly report");
          progress += 10;
          ok(c, "report_progress", "{\"id\":\"" + id + "\",\"progress\":" + progress + "}");
        } else {
          for (String[] attempt : new String[][] {{"get_task", "{}"},
              {"report_progress", ",\"progress\":99"}, {"update_task", ",\"title\":\"mine\""},
              {"set_status", ",\"status\":\"cancelled\""}, {"add_entry", ",\"text\":\"hi\""},
              {"share_task", ",\"userId\":\"stan\""}, {"delete_task", ""}}) {
            String args = attempt[1].equals("{}") ? "{\"id\":\"" + id + "\"}"
                : "{\"id\":\"" + id + "\"" + attempt[1] + "}";
            assertThat(refused(c, attempt[0], args).get("code").asText()).as(attempt[0])
                .isEqualTo("not_found");
          }
        }
      }
      // Seeing is not owning: only the owner or an admin shares or deletes.
      assertThat(refused(who.get("team member"), "share_task", "{\"id\":\"" + id
          + "\",\"userId\":\"stan\"}").get("code").asText()).isEqualTo("forbidden");
      JsonNode task = owner.get("/api/v1/tasks/" + id).json();
      assertThat(task.get("progress").asInt()).isEqualTo(progress);
      assertThat(task.get("title").asText()).isEqualTo("Quarterly report");
      assertThat(task.get("sharedWith").toString()).isEqualTo("[\"sam\"]");
      assertThat(task.get("status").asText()).isEqualTo("pending");
    } finally {
      who.values().forEach(McpSyncClient::close);
    }
  }

  @Test
  void badArgumentsAreRefusedNamingTheFieldAndChangeNothing() {
    try (McpSyncClient c = assistantOf("sloppy")) {
      String id = ok(c, "create_task", "{\"title\":\"careful\"}").get("id").asText();
      String[][] cases = {
          {"report_progress", "{\"id\":\"" + id + "\",\"progress\":150}", "progress"},
          {"report_progress", "{\"id\":\"" + id + "\",\"progres\":5}", "progres"},
          {"set_status", "{\"id\":\"" + id + "\"}", "status"},
          {"set_status", "{\"id\":\"" + id + "\",\"status\":\"done\"}", "status"},
          {"get_task", "{\"id\":42}", "id"},
          {"get_task", "{}", "id"},
          {"update_task", "{\"id\":\"" + id + "\",\"dueAt\":\"tomorrow\"}", "dueAt"},
          {"update_task", "{\"id\":\"" + id + "\",\"priority\":\"asap\"}", "priority"},
          {"create_task", "{\"title\":\"   \"}", "title"},
          {"list_tasks", "{\"limit\":0}", "limit"},
          {"list_tasks", "{\"status\":\"running,done\"}", "status"},
          {"list_tasks", "{\"cursor\":\"not-ours\"}", "cursor"},
          {"share_task", "{\"id\":\"" + id + "\",\"userId\":\"x\",\"unshare\":\"yes\"}",
              "unshare"},
      };
      for (String[] k : cases) {
        JsonNode error = refused(c, k[0], k[1]);
        assertThat(error.get("code").asText()).as(k[1]).isEqualTo("validation_failed");
        assertThat(error.at("/details/field").asText()).as(k[1]).isEqualTo(k[2]);
        assertThat(error.get("hint").asText()).as(k[1]).contains(k[2]);
      }
      JsonNode after = ok(c, "get_task", "{\"id\":\"" + id + "\"}");
      assertThat(after.get("version").asInt()).isEqualTo(1);
      assertThatThrownBy(() -> call(c, "explode_task", "{}")).isInstanceOf(McpError.class)
          .hasMessageContaining("Unknown tool");
    }
  }

  @Test
  void aCallWithAProgressTokenHearsWhenItIsDone() throws InterruptedException {
    // The SDK hands notifications to the listener on its own thread, so the call can return
    // before the listener runs: wait for it rather than look at once.
    BlockingQueue<McpSchema.ProgressNotification> heard = new LinkedBlockingQueue<>();
    try (McpSyncClient c = McpClients.connect(server.baseUrl(), server.token("eager", List.of(),
        false), heard::add)) {
      var result = c.callTool(CallToolRequest.builder("create_task")
          .arguments(Map.of("title", "with progress")).progressToken("tok-7").build());
      assertThat(result.isError()).isFalse();
      McpSchema.ProgressNotification done = heard.poll(5, TimeUnit.SECONDS);
      assertThat(done).as("progress notification").isNotNull();
      assertThat(done.progressToken()).isEqualTo("tok-7");
      assertThat(done.progress()).isEqualTo(1.0);
      assertThat(done.message()).isEqualTo("create_task done");
      ok(c, "list_tasks", "{}");
      assertThat(heard).as("one notification for one call with a token").isEmpty();
    }
  }

  @Test
  void aSessionTheServerForgotIsRefusedAndTheClientStartsANewOne() throws Exception {
    try (McpSyncClient c = assistantOf("forgetful")) {
      ok(c, "list_tasks", "{}");
      assertThat(sessionsOf("forgetful")).isEqualTo(1);
      server.node().db().write(tx -> tx.update("DELETE FROM mcp_sessions WHERE user_id = ?",
          "forgetful"));
      assertThatThrownBy(() -> call(c, "list_tasks", "{}")).hasMessageContaining("ession");
      JsonNode again = null;
      for (int i = 0; i < 50 && again == null; i++) {
        try {
          again = ok(c, "list_tasks", "{}");
        } catch (RuntimeException stillInitializing) {
          Thread.sleep(100);
        }
      }
      assertThat(again).isNotNull();
      assertThat(sessionsOf("forgetful")).isEqualTo(1);
    }
  }

  @Test
  void closingTheClientEndsItsSession() {
    McpSyncClient c = assistantOf("tidy");
    ok(c, "list_tasks", "{}");
    assertThat(sessionsOf("tidy")).isEqualTo(1);
    assertThat(c.closeGracefully()).isTrue();
    assertThat(sessionsOf("tidy")).isZero();
  }

  static long sessionsOf(String user) {
    return server.node().db().read(tx -> tx.queryLong("SELECT COUNT(*) FROM mcp_sessions"
        + " WHERE user_id = ?", user));
  }

  static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
