package io.taskpulse.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.TestServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code taskpulse mcp} as an assistant starts it: a child process speaking MCP on stdio. */
class McpBridgeTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static List<String> command(String... extra) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
        "java").toString(), "-cp", System.getProperty("java.class.path"),
        "io.taskpulse.server.Main", "mcp"));
    cmd.addAll(List.of(extra));
    return cmd;
  }

  static String token(String user) {
    return server.token(user, List.of(), false);
  }

  static long sessionsOf(String user) {
    return server.node().db().read(tx -> tx.queryLong("SELECT COUNT(*) FROM mcp_sessions"
        + " WHERE user_id = ?", user));
  }

  @Test
  void theSdkStdioClientManagesTasksThroughTheBridgeProcess() throws Exception {
    List<String> cmd = command("--url", server.baseUrl());
    ServerParameters params = ServerParameters.builder(cmd.get(0))
        .args(cmd.subList(1, cmd.size()))
        .env(Map.of("TASKPULSE_TOKEN", token("stdio-sue")))
        .build();
    StdioClientTransport transport = new StdioClientTransport(params,
        new JacksonMcpJsonMapper(JSON));
    List<String> stderr = new java.util.concurrent.CopyOnWriteArrayList<>();
    transport.setStdErrorHandler(stderr::add);
    McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30))
        .initializationTimeout(Duration.ofSeconds(30))
        .clientInfo(new McpSchema.Implementation("stdio-test", "1")).build();
    try {
      McpSchema.InitializeResult init = client.initialize();
      assertThat(init.serverInfo().name()).isEqualTo("taskpulse");
      assertThat(init.protocolVersion()).isEqualTo("2025-06-18");
      assertThat(client.listTools().tools()).hasSize(10);
      McpSchema.CallToolResult created = client.callTool(new McpSchema.CallToolRequest(
          "create_task", Map.of("title", "From the desktop assistant")));
      assertThat(created.isError()).isFalse();
      String id = JSON.valueToTree(created.structuredContent()).get("id").asText();
      McpSchema.CallToolResult moved = client.callTool(new McpSchema.CallToolRequest(
          "set_status", Map.of("id", id, "status", "running")));
      assertThat(JSON.valueToTree(moved.structuredContent()).get("status").asText())
          .isEqualTo("running");
      McpSchema.CallToolResult refused = client.callTool(new McpSchema.CallToolRequest(
          "set_status", Map.of("id", id, "status", "disabled")));
      assertThat(refused.isError()).isTrue();
      assertThat(sessionsOf("stdio-sue")).isEqualTo(1);
      JsonNode last = LogReader.readAll(server.asAdmin()).stream()
          .filter(e -> e.get("taskId").asText().equals(id)).reduce((a, b) -> b).orElseThrow();
      assertThat(last.at("/actor/via").asText()).isEqualTo("mcp");
      assertThat(last.at("/actor/id").asText()).isEqualTo("stdio-sue");
    } finally {
      client.closeGracefully();
    }
    // Closing stdin ends the bridge, which ends its session on the server.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sessionsOf("stdio-sue") > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(sessionsOf("stdio-sue")).isZero();
    assertThat(stderr).anyMatch(l -> l.contains("forwarding stdio to " + server.baseUrl()));
  }

  @Test
  void onlyJsonRpcReachesStdoutAndTheBridgeSurvivesBadLinesAndForgottenSessions()
      throws Exception {
    Path err = Files.createTempFile("bridge", ".err");
    ProcessBuilder noToken = new ProcessBuilder(command("--url", server.baseUrl()))
        .redirectError(err.toFile());
    noToken.environment().remove("TASKPULSE_TOKEN");
    Process p = noToken.start();
    assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(Files.readString(err)).contains("no token");

    ProcessBuilder pb = new ProcessBuilder(command("--url", server.baseUrl() + "/api/v1/mcp",
        "--token", token("raw-rita"))).redirectError(err.toFile());
    Process bridge = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(bridge.getInputStream(),
        StandardCharsets.UTF_8));
    OutputStream in = bridge.getOutputStream();
    send(in, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
        + "\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{\"name\":"
        + "\"raw\",\"version\":\"1\"}}}");
    JsonNode init = JSON.readTree(out.readLine());
    assertThat(init.at("/result/protocolVersion").asText()).isEqualTo("2025-03-26");
    send(in, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    send(in, "this is not json");
    JsonNode parseError = JSON.readTree(out.readLine());
    assertThat(parseError.at("/error/code").asInt()).isEqualTo(-32700);

    send(in, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
        + "\"create_task\",\"arguments\":{\"title\":\"raw line\"},\"_meta\":{\"progressToken\":"
        + "\"pt\"}}}");
    JsonNode progress = JSON.readTree(out.readLine());
    assertThat(progress.get("method").asText()).isEqualTo("notifications/progress");
    JsonNode created = JSON.readTree(out.readLine());
    assertThat(created.get("id").asInt()).isEqualTo(2);
    assertThat(created.at("/result/structuredContent/title").asText()).isEqualTo("raw line");

    // The server forgets the session: the bridge starts a new one and the call still succeeds.
    server.node().db().write(tx -> tx.update("DELETE FROM mcp_sessions WHERE user_id = ?",
        "raw-rita"));
    send(in, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
        + "\"list_tasks\",\"arguments\":{\"q\":\"raw line\"}}}");
    JsonNode listed = JSON.readTree(out.readLine());
    assertThat(listed.get("id").asInt()).isEqualTo(3);
    assertThat(listed.at("/result/structuredContent/tasks/0/title").asText())
        .isEqualTo("raw line");
    assertThat(sessionsOf("raw-rita")).isEqualTo(1);

    in.close();
    assertThat(bridge.waitFor(15, TimeUnit.SECONDS)).isTrue();
    assertThat(bridge.exitValue()).isZero();
    assertThat(out.readLine()).isNull(); // nothing but the answers above ever reached stdout
    assertThat(sessionsOf("raw-rita")).isZero();
    assertThat(Files.readString(err)).contains("forgot the session");
  }

  @Test
  void aRefusedTokenBecomesAJsonRpcErrorForTheAssistant() throws Exception {
    // The token comes from the environment when --token is absent.
    ProcessBuilder pb = new ProcessBuilder(command("--url", server.baseUrl()))
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("TASKPULSE_TOKEN", "not-a-token");
    Process bridge = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(bridge.getInputStream(),
        StandardCharsets.UTF_8));
    send(bridge.getOutputStream(), "{\"jsonrpc\":\"2.0\",\"id\":\"i\",\"method\":\"initialize\","
        + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":"
        + "{\"name\":\"x\",\"version\":\"1\"}}}");
    JsonNode answer = JSON.readTree(out.readLine());
    assertThat(answer.get("id").asText()).isEqualTo("i");
    assertThat(answer.at("/error/message").asText()).contains("401");
    bridge.getOutputStream().close();
    assertThat(bridge.waitFor(15, TimeUnit.SECONDS)).isTrue();
    assertThat(bridge.exitValue()).isZero();
    assertThat(new Api(server.baseUrl(), null).get("/health/live").status()).isEqualTo(200);
  }

  static void send(OutputStream in, String line) throws Exception {
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }
}
