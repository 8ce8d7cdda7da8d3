package io.taskpulse.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskpulse.server.Main;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.json.Json;
import java.util.List;

/**
 * A Model Context Protocol server over Streamable HTTP (protocol versions 2025-06-18 and
 * 2025-03-26), stateless: every POST carries one JSON-RPC message and is answered with one
 * JSON response (or 202 for a notification). A refused tool call is a result with
 * {@code isError: true}, never a protocol failure.
 *
 * <p>Written against the specification rather than the MCP Java SDK: the SDK's server
 * transports need a Servlet container or Spring WebFlux, and this is one small JSON-RPC
 * dispatcher on the existing HTTP stack.
 */
public final class McpServer {

  public static final List<String> VERSIONS = List.of("2025-06-18", "2025-03-26");

  /** The HTTP answer: status and body (null for 202). */
  public record Answer(int status, JsonNode body) {}

  private final McpTools tools;

  public McpServer(McpTools tools) {
    this.tools = tools;
  }

  /** Handles one message; blocks when it runs a tool, so call it off the event loop. */
  public Answer handle(Principal p, JsonNode msg) {
    if (msg == null || !msg.isObject() || !"2.0".equals(msg.path("jsonrpc").asText())
        || !msg.path("method").isTextual()) {
      return new Answer(400, error(msg == null ? null : msg.get("id"), -32600,
          "not a JSON-RPC 2.0 request"));
    }
    JsonNode id = msg.get("id");
    String method = msg.get("method").asText();
    if (id == null || id.isNull()) {
      return new Answer(202, null); // a notification (initialized, cancelled, …)
    }
    JsonNode params = msg.path("params");
    return switch (method) {
      case "initialize" -> new Answer(200, result(id, initialize(params)));
      case "ping" -> new Answer(200, result(id, Json.MAPPER.createObjectNode()));
      case "tools/list" -> new Answer(200, result(id, Json.MAPPER.createObjectNode()
          .set("tools", tools.describe())));
      case "tools/call" -> new Answer(200, result(id, call(p, params)));
      default -> new Answer(200, error(id, -32601, "unknown method " + method));
    };
  }

  private static ObjectNode initialize(JsonNode params) {
    String asked = params.path("protocolVersion").asText("");
    ObjectNode r = Json.MAPPER.createObjectNode();
    r.put("protocolVersion", VERSIONS.contains(asked) ? asked : VERSIONS.get(0));
    r.putObject("capabilities").putObject("tools").put("listChanged", false);
    r.putObject("serverInfo").put("name", "taskpulse").put("version", Main.version());
    r.put("instructions", "Manage Taskpulse tasks: list, read, create, update, move status,"
        + " report progress, add timeline entries, share and delete. Every change is shown live"
        + " on every dashboard.");
    return r;
  }

  private ObjectNode call(Principal p, JsonNode params) {
    String name = params.path("name").asText("");
    ObjectNode r = Json.MAPPER.createObjectNode();
    try {
      JsonNode value = Json.MAPPER.valueToTree(tools.call(name, p, params.get("arguments")));
      ObjectNode structured = value.isObject() ? (ObjectNode) value
          : Json.MAPPER.createObjectNode().set("result", value);
      r.putArray("content").addObject().put("type", "text").put("text", structured.toString());
      r.set("structuredContent", structured);
      r.put("isError", false);
    } catch (Problem e) {
      ObjectNode err = Json.MAPPER.createObjectNode();
      err.putObject("error").put("code", e.code().wire).put("message", e.getMessage())
          .set("details", Json.MAPPER.valueToTree(e.details()));
      r.putArray("content").addObject().put("type", "text")
          .put("text", e.code().wire + ": " + e.getMessage());
      r.set("structuredContent", err);
      r.put("isError", true);
    }
    return r;
  }

  private static ObjectNode result(JsonNode id, JsonNode result) {
    ObjectNode r = Json.MAPPER.createObjectNode().put("jsonrpc", "2.0");
    r.set("id", id);
    r.set("result", result);
    return r;
  }

  private static ObjectNode error(JsonNode id, int code, String message) {
    ObjectNode r = Json.MAPPER.createObjectNode().put("jsonrpc", "2.0");
    r.set("id", id);
    r.putObject("error").put("code", code).put("message", message);
    return r;
  }
}
