package io.taskpulse.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/** The MCP SDK's own client on Streamable HTTP, as an assistant holding {@code token} uses it. */
final class McpClients {

  static final ObjectMapper JSON = new ObjectMapper();

  private McpClients() {}

  static McpSyncClient connect(String baseUrl, String token) {
    return connect(baseUrl, token, n -> { });
  }

  static McpSyncClient connect(String baseUrl, String token,
      Consumer<McpSchema.ProgressNotification> progress) {
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder(baseUrl)
        .endpoint("/api/v1/mcp")
        .httpRequestCustomizer((request, method, uri, body, context) ->
            request.header("Authorization", "Bearer " + token))
        .build();
    McpSyncClient client = McpClient.sync(transport)
        .clientInfo(new McpSchema.Implementation("taskpulse-tests", "1"))
        .requestTimeout(Duration.ofSeconds(20))
        .progressConsumer(progress)
        .build();
    client.initialize();
    return client;
  }

  /** Calls a tool with arguments given as JSON text. */
  static CallToolResult call(McpSyncClient client, String tool, String arguments) {
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> args = JSON.readValue(arguments, Map.class);
      return client.callTool(new CallToolRequest(tool, args));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(arguments, e);
    }
  }

  /** The structured content of a result, as JSON. */
  static JsonNode structured(CallToolResult result) {
    return JSON.valueToTree(result.structuredContent());
  }

  /** The structured content of a successful call; fails the test on a refusal. */
  static JsonNode ok(McpSyncClient client, String tool, String arguments) {
    CallToolResult r = call(client, tool, arguments);
    if (Boolean.TRUE.equals(r.isError())) {
      throw new AssertionError(tool + " " + arguments + " was refused: " + r.content());
    }
    return structured(r);
  }

  /** The error of a refused call; fails the test if the call was not refused. */
  static JsonNode refused(McpSyncClient client, String tool, String arguments) {
    CallToolResult r = call(client, tool, arguments);
    if (!Boolean.TRUE.equals(r.isError())) {
      throw new AssertionError(tool + " " + arguments + " was not refused: "
          + r.structuredContent());
    }
    return structured(r).get("error");
  }
}
