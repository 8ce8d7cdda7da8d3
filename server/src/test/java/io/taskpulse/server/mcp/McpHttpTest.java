package io.taskpulse.server.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.TestServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Streamable HTTP endpoint, message by message: the edge cases an SDK client never
 * produces (bad JSON, batches, missing or foreign sessions, wrong versions, Accept headers),
 * sent by hand.
 */
class McpHttpTest {

  static final String PATH = "/api/v1/mcp";
  static final String BOTH = "application/json, text/event-stream";
  static final ObjectMapper JSON = new ObjectMapper();
  static TestServer server;
  static Api alice;

  @BeforeAll
  static void start() {
    server = TestServer.start(null);
    alice = server.as("alice");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String initialize(String version) {
    return "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
        + "\"protocolVersion\":\"" + version + "\",\"capabilities\":{},"
        + "\"clientInfo\":{\"name\":\"hand\",\"version\":\"1\"}}}";
  }

  /** Opens a session for {@code api} and returns its id. */
  static String session(Api api) {
    Response r = api.send("POST", PATH, initialize("2025-06-18"), Map.of("Accept", BOTH));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.header("Mcp-Session-Id");
  }

  static Response send(Api api, String session, String body, Map<String, String> extra) {
    Map<String, String> h = new HashMap<>(Map.of("Accept", BOTH, "MCP-Protocol-Version",
        "2025-06-18"));
    if (session != null) {
      h.put("Mcp-Session-Id", session);
    }
    h.putAll(extra);
    return api.send("POST", PATH, body, h);
  }

  static String call(String tool, String args, String meta) {
    return "{\"jsonrpc\":\"2.0\",\"id\":\"c1\",\"method\":\"tools/call\",\"params\":{\"name\":\""
        + tool + "\",\"arguments\":" + args + (meta == null ? "" : ",\"_meta\":" + meta) + "}}";
  }

  @Test
  void withoutATokenItIs401WithABearerChallenge() {
    Response r = new Api(server.baseUrl(), null).send("POST", PATH, initialize("2025-06-18"),
        Map.of("Accept", BOTH));
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(r.header("Mcp-Session-Id")).isNull();
  }

  @Test
  void initializeIssuesASessionAndNegotiatesTheVersion() {
    Response old = alice.send("POST", PATH, initialize("2025-03-26"), Map.of("Accept", BOTH));
    assertThat(old.status()).isEqualTo(200);
    assertThat(old.header("Content-Type")).startsWith("application/json");
    assertThat(old.json().at("/result/protocolVersion").asText()).isEqualTo("2025-03-26");
    assertThat(old.json().at("/result/serverInfo/name").asText()).isEqualTo("taskpulse");
    assertThat(old.json().at("/result/capabilities/tools").isObject()).isTrue();
    String id = old.header("Mcp-Session-Id");
    assertThat(id).matches("[A-Za-z0-9_-]{43}");

    // Clients send their newest version in the header of initialize; the body decides.
    Response future = alice.send("POST", PATH, initialize("2099-01-01"), Map.of("Accept", BOTH,
        "MCP-Protocol-Version", "2099-01-01"));
    assertThat(future.status()).isEqualTo(200);
    assertThat(future.json().at("/result/protocolVersion").asText()).isEqualTo("2025-06-18");
    assertThat(future.header("Mcp-Session-Id")).isNotEqualTo(id);

    // The 2025-03-26 session works without the version header, as such clients send none.
    Response ping = alice.send("POST", PATH, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}",
        Map.of("Accept", BOTH, "Mcp-Session-Id", id));
    assertThat(ping.status()).isEqualTo(200);
    assertThat(ping.json().get("result").isEmpty()).isTrue();
  }

  @Test
  void everyMessageAfterInitializeNeedsALiveSessionOfTheSameUser() {
    String ping = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}";
    Response missing = send(alice, null, ping, Map.of());
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json().at("/error/message").asText()).contains("Mcp-Session-Id");
    assertThat(missing.json().get("id").asInt()).isEqualTo(9);

    Response unknown = send(alice, "no-such-session", ping, Map.of());
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().at("/error/code").asInt()).isEqualTo(-32001);

    String alices = session(alice);
    assertThat(send(alice, alices, ping, Map.of()).status()).isEqualTo(200);
    Response stolen = send(server.as("mallory"), alices, ping, Map.of());
    assertThat(stolen.status()).isEqualTo(404);
    assertThat(send(alice, alices, ping, Map.of()).status()).isEqualTo(200);
  }

  @Test
  void deleteEndsTheSessionAndLaterMessagesAre404() {
    String s = session(alice);
    String ping = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}";
    assertThat(alice.send("DELETE", PATH, null, Map.of()).status()).isEqualTo(400);
    assertThat(server.as("bob").send("DELETE", PATH, null, Map.of("Mcp-Session-Id", s))
        .status()).isEqualTo(404);
    assertThat(alice.send("DELETE", PATH, null, Map.of("Mcp-Session-Id", s)).status())
        .isEqualTo(204);
    assertThat(send(alice, s, ping, Map.of()).status()).isEqualTo(404);
    assertThat(alice.send("DELETE", PATH, null, Map.of("Mcp-Session-Id", s)).status())
        .isEqualTo(404);
  }

  @Test
  void theProtocolVersionHeaderMustBeSupportedAndMatchTheSession() {
    String s = session(alice);
    String ping = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}";
    Response unsupported = send(alice, s, ping, Map.of("MCP-Protocol-Version", "1999-01-01"));
    assertThat(unsupported.status()).isEqualTo(400);
    assertThat(unsupported.text()).contains("1999-01-01");
    Response other = send(alice, s, ping, Map.of("MCP-Protocol-Version", "2025-03-26"));
    assertThat(other.status()).isEqualTo(400);
    assertThat(other.json().at("/error/message").asText()).contains("2025-06-18");
  }

  @Test
  void malformedMessagesAreJsonRpcErrorsAndChangeNothing() {
    String s = session(alice);
    long before = head();
    Response garbage = send(alice, s, "{not json", Map.of());
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.json().at("/error/code").asInt()).isEqualTo(-32700);
    Response batch = send(alice, s, "[" + call("create_task", "{\"title\":\"a\"}", null) + "]",
        Map.of());
    assertThat(batch.status()).isEqualTo(400);
    assertThat(batch.json().at("/error/code").asInt()).isEqualTo(-32600);
    assertThat(batch.json().at("/error/message").asText())
        .contains("batches are not part of protocol 2025-06-18");
    for (String bad : List.of("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":{\"x\":1},\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", "{\"jsonrpc\":\"2.0\",\"id\":1}", "42")) {
      Response r = send(alice, s, bad, Map.of());
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.json().at("/error/code").asInt()).as(bad).isEqualTo(-32600);
    }
    Response unknownMethod = send(alice, s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":"
        + "\"tasks/explode\"}", Map.of());
    assertThat(unknownMethod.status()).isEqualTo(200);
    assertThat(unknownMethod.json().at("/error/code").asInt()).isEqualTo(-32601);
    Response unknownTool = send(alice, s, call("explode_task", "{}", null), Map.of());
    assertThat(unknownTool.json().at("/error/code").asInt()).isEqualTo(-32602);
    Response response = send(alice, s, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":{}}",
        Map.of());
    assertThat(response.status()).isEqualTo(400);
    assertThat(head()).isEqualTo(before);
  }

  @Test
  void aSessionOnProtocol20250326TakesBatchesAndAnswersWithAnArray() {
    Response init = alice.send("POST", PATH, initialize("2025-03-26"), Map.of("Accept", BOTH));
    String s = init.header("Mcp-Session-Id");
    Map<String, String> h = Map.of("MCP-Protocol-Version", "2025-03-26");
    Response answers = send(alice, s, "[" + call("create_task", "{\"title\":\"batched\"}", null)
        + ",{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
        + "{\"jsonrpc\":\"2.0\",\"id\":\"c2\",\"method\":\"tools/call\",\"params\":{\"name\":"
        + "\"get_task\",\"arguments\":{\"id\":\"999999\"}}},{\"jsonrpc\":\"2.0\"},"
        + initialize("2025-03-26") + "]", h);
    assertThat(answers.status()).isEqualTo(200);
    assertThat(answers.header("Content-Type")).startsWith("application/json");
    JsonNode array = answers.json();
    assertThat(array.isArray()).isTrue();
    assertThat(array).hasSize(4);
    assertThat(array.get(0).get("id").asText()).isEqualTo("c1");
    assertThat(array.get(0).at("/result/structuredContent/title").asText()).isEqualTo("batched");
    assertThat(array.get(1).get("id").asText()).isEqualTo("c2");
    assertThat(array.get(1).at("/result/structuredContent/error/code").asText())
        .isEqualTo("not_found");
    assertThat(array.get(2).at("/error/code").asInt()).isEqualTo(-32600);
    assertThat(array.get(3).get("id").asInt()).isEqualTo(1);
    assertThat(array.get(3).at("/error/message").asText()).contains("initialize");
    Response onlyNotifications = send(alice, s, "[{\"jsonrpc\":\"2.0\",\"method\":"
        + "\"notifications/initialized\"}]", h);
    assertThat(onlyNotifications.status()).isEqualTo(202);
    assertThat(send(alice, s, "[]", h).status()).isEqualTo(400);
  }

  @Test
  void aNotificationIsAcceptedWith202AndNoBody() {
    String s = session(alice);
    Response r = send(alice, s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
        Map.of());
    assertThat(r.status()).isEqualTo(202);
    assertThat(r.text()).isEmpty();
  }

  @Test
  void aCallIsAnsweredAsJsonUnlessTheSdkStreamsAProgressNotification() throws Exception {
    String s = session(alice);
    Response plain = send(alice, s, call("create_task", "{\"title\":\"plain\"}", null), Map.of());
    assertThat(plain.header("Content-Type")).startsWith("application/json");
    assertThat(plain.json().at("/result/structuredContent/title").asText()).isEqualTo("plain");

    Response streamed = send(alice, s, call("create_task", "{\"title\":\"streamed\"}",
        "{\"progressToken\":\"t-1\"}"), Map.of());
    assertThat(streamed.status()).isEqualTo(200);
    assertThat(streamed.header("Content-Type")).startsWith("text/event-stream");
    List<JsonNode> events = sse(streamed.text());
    assertThat(events).hasSize(2);
    assertThat(events.get(0).get("method").asText()).isEqualTo("notifications/progress");
    assertThat(events.get(0).at("/params/progressToken").asText()).isEqualTo("t-1");
    assertThat(events.get(1).get("id").asText()).isEqualTo("c1");
    assertThat(events.get(1).at("/result/structuredContent/title").asText())
        .isEqualTo("streamed");

    // A client that takes only JSON gets the result alone; one that takes only SSE, a stream.
    Response jsonOnly = send(alice, s, call("create_task", "{\"title\":\"json only\"}",
        "{\"progressToken\":\"t-2\"}"), Map.of("Accept", "application/json"));
    assertThat(jsonOnly.header("Content-Type")).startsWith("application/json");
    assertThat(jsonOnly.json().at("/result/structuredContent/title").asText())
        .isEqualTo("json only");
    Response sseOnly = send(alice, s, call("get_task", "{\"id\":\""
        + plain.json().at("/result/structuredContent/id").asText() + "\"}", null),
        Map.of("Accept", "text/event-stream"));
    assertThat(sseOnly.header("Content-Type")).startsWith("text/event-stream");
    assertThat(sse(sseOnly.text()).get(0).at("/result/structuredContent/title").asText())
        .isEqualTo("plain");
    assertThat(send(alice, s, call("list_tasks", "{}", null), Map.of("Accept", "text/html"))
        .status()).isEqualTo(406);
  }

  @Test
  void getOffersNoStreamAndSaysWhichMethodsExist() {
    Response r = alice.send("GET", PATH, null, Map.of("Accept", "text/event-stream"));
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.header("Allow")).isEqualTo("POST, DELETE");
  }

  @Test
  void aPageFromAnotherOriginIsRefused() {
    Response r = alice.send("POST", PATH, initialize("2025-06-18"),
        Map.of("Accept", BOTH, "Origin", "https://rebound.example"));
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.header("Mcp-Session-Id")).isNull();
    Response same = alice.send("POST", PATH, initialize("2025-06-18"),
        Map.of("Accept", BOTH, "Origin", server.baseUrl()));
    assertThat(same.status()).isEqualTo(200);
  }

  @Test
  void aRefusalIsAToolResultWithTheCodeTheFieldAndAHint() {
    String s = session(alice);
    String id = send(alice, s, call("create_task", "{\"title\":\"to finish\"}", null), Map.of())
        .json().at("/result/structuredContent/id").asText();
    JsonNode refused = send(alice, s, call("set_status", "{\"id\":\"" + id
        + "\",\"status\":\"completed\"}", null), Map.of()).json().get("result");
    assertThat(refused.get("isError").asBoolean()).isTrue();
    assertThat(refused.at("/structuredContent/error/code").asText())
        .isEqualTo("invalid_transition");
    assertThat(refused.at("/content/0/text").asText())
        .startsWith("invalid_transition: cannot move a pending task to completed")
        .contains("can move to: running, cancelled, disabled");
  }

  static long head() {
    return server.asAdmin().get("/api/v1/tasks?limit=1").json().get("offset").asLong();
  }

  static List<JsonNode> sse(String text) throws Exception {
    List<JsonNode> out = new java.util.ArrayList<>();
    for (String frame : text.split("\n\n")) {
      for (String line : frame.split("\n")) {
        if (line.startsWith("data: ")) {
          out.add(JSON.readTree(line.substring(6)));
        }
      }
    }
    return out;
  }
}
