package io.taskpulse.server.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.TestServer;
import io.taskpulse.server.testing.WsClient;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A chat assistant manages tasks over MCP (Streamable HTTP, JSON-RPC) with the same rules. */
class McpTest {

  static TestServer server;
  static Api assistant;

  @BeforeAll
  static void start() {
    server = TestServer.start(null);
    assistant = server.as("assistant");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Response rpc(Api api, String method, String params) {
    return api.send("POST", "/api/v1/mcp", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method
        + "\"" + (params == null ? "" : ",\"params\":" + params) + "}",
        Map.of("Accept", "application/json, text/event-stream"));
  }

  static JsonNode call(Api api, String tool, String args) {
    Response r = rpc(api, "tools/call", "{\"name\":\"" + tool + "\",\"arguments\":" + args + "}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().has("error")).as(r.text()).isFalse();
    return r.json().get("result");
  }

  @Test
  void withoutATokenItIs401WithABearerChallenge() {
    Response r = rpc(new Api(server.baseUrl(), null), "initialize", "{}");
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
  }

  @Test
  void initializeNegotiatesAVersionAndListsTheTools() {
    JsonNode init = rpc(assistant, "initialize", "{\"protocolVersion\":\"2025-03-26\","
        + "\"capabilities\":{},\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}").json();
    assertThat(init.at("/result/protocolVersion").asText()).isEqualTo("2025-03-26");
    assertThat(init.at("/result/serverInfo/name").asText()).isEqualTo("taskpulse");
    assertThat(init.at("/result/capabilities/tools").isObject()).isTrue();
    assertThat(assistant.send("POST", "/api/v1/mcp", "{\"jsonrpc\":\"2.0\",\"method\":"
        + "\"notifications/initialized\"}", Map.of()).status()).isEqualTo(202);
    JsonNode tools = rpc(assistant, "tools/list", "{}").json().at("/result/tools");
    assertThat(tools.findValuesAsText("name")).containsExactlyInAnyOrder("list_tasks",
        "get_task", "create_task", "update_task", "set_status", "report_progress", "add_entry",
        "share_task", "delete_task", "project_summary");
    tools.forEach(t -> assertThat(t.at("/inputSchema/type").asText()).isEqualTo("object"));
  }

  @Test
  void anAssistantsChangesFollowTheRulesAndShowLiveAsViaMcp() {
    try (WsClient watcher = WsClient.open(server.baseUrl(), assistant.token())) {
      long head = assistant.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
      watcher.subscribe("s", "tasks", head, null);
      JsonNode created = call(assistant, "create_task", "{\"title\":\"Draft the reply\","
          + "\"priority\":\"high\"}");
      assertThat(created.get("isError").asBoolean()).isFalse();
      String id = created.at("/structuredContent/id").asText();
      JsonNode event = watcher.nextOfType("event").get("event");
      assertThat(event.get("type").asText()).isEqualTo("task.created");
      assertThat(event.at("/actor/via").asText()).isEqualTo("mcp");

      call(assistant, "set_status", "{\"id\":\"" + id + "\",\"status\":\"running\"}");
      call(assistant, "report_progress", "{\"id\":\"" + id + "\",\"progress\":50,"
          + "\"message\":\"half\"}");
      JsonNode refused = call(assistant, "set_status", "{\"id\":\"" + id
          + "\",\"status\":\"disabled\"}");
      assertThat(refused.get("isError").asBoolean()).isTrue();
      assertThat(refused.at("/structuredContent/error/code").asText())
          .isEqualTo("invalid_transition");
      JsonNode invalid = call(assistant, "report_progress", "{\"id\":\"" + id
          + "\",\"progress\":150}");
      assertThat(invalid.at("/structuredContent/error/details/field").asText())
          .isEqualTo("progress");
      JsonNode listed = call(assistant, "list_tasks", "{\"status\":\"running\"}");
      assertThat(listed.at("/structuredContent/tasks").findValuesAsText("id")).contains(id);
      assertThat(call(assistant, "get_task", "{\"id\":\"" + id + "\"}")
          .at("/structuredContent/progress").asInt()).isEqualTo(50);

      JsonNode hidden = call(server.as("nosy"), "get_task", "{\"id\":\"" + id + "\"}");
      assertThat(hidden.at("/structuredContent/error/code").asText()).isEqualTo("not_found");
      assertThat(watcher.events(2, 5_000)).extracting(e -> e.at("/actor/via").asText())
          .containsOnly("mcp");
      assertThat(call(assistant, "delete_task", "{\"id\":\"" + id + "\"}").get("isError")
          .asBoolean()).isFalse();
    }
  }

  @Test
  void aPageFromAnotherOriginIsRefused() {
    Response r = assistant.send("POST", "/api/v1/mcp", "{\"jsonrpc\":\"2.0\",\"id\":1,"
        + "\"method\":\"ping\"}", Map.of("Origin", "https://rebound.example"));
    assertThat(r.status()).isEqualTo(403);
  }

  @Test
  void protocolMistakesAreJsonRpcErrors() {
    assertThat(rpc(assistant, "tasks/explode", "{}").json().at("/error/code").asInt())
        .isEqualTo(-32601);
    Response garbage = assistant.send("POST", "/api/v1/mcp", "{not json", Map.of());
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.json().at("/error/code").asInt()).isEqualTo(-32700);
    assertThat(assistant.send("POST", "/api/v1/mcp", "{\"jsonrpc\":\"2.0\",\"id\":1,"
        + "\"method\":\"ping\"}", Map.of("MCP-Protocol-Version", "1999-01-01")).status())
        .isEqualTo(400);
    JsonNode pong = rpc(assistant, "ping", null).json();
    assertThat(pong.get("result").isObject()).isTrue();
    assertThat(pong.get("result").isEmpty()).isTrue();
  }
}
