package io.taskpulse.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Implementation;
import io.modelcontextprotocol.spec.McpSchema.InitializeRequest;
import io.modelcontextprotocol.spec.McpSchema.InitializeResult;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCNotification;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCRequest;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCResponse;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.ProtocolVersions;
import io.taskpulse.server.auth.Principal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The MCP SDK's Streamable HTTP server transport, on Taskpulse's own HTTP stack rather than a
 * Servlet container. The SDK does the protocol (initialize and version negotiation, ping,
 * tools/list, tools/call, notifications); this class does HTTP: one JSON-RPC message per POST,
 * sessions, and the choice between a JSON answer and an SSE stream.
 *
 * <p>Sessions live in the database ({@link McpSessions}), so a load balancer may send each POST
 * of a session to any node: a node that has not seen the session rebuilds the SDK's session
 * object from its row (the client's capabilities and the negotiated version) for the length of
 * one request. Nothing of a session is kept in memory between requests, which is possible
 * because the server never sends a request of its own to the client and offers no GET stream.
 *
 * <p>A request is answered with {@code application/json} when the SDK sends only the response;
 * when it sends something first (a progress notification) and the client accepts
 * {@code text/event-stream}, the answer becomes an SSE stream that ends with the response.
 * A session on protocol 2025-03-26 may also POST a batch (a JSON array), answered as an array.
 * {@link #post} and {@link #delete} block on the database and on the tools: call them on the
 * worker pool, never on an event loop.
 */
public final class McpHttpTransport implements McpStreamableServerTransportProvider {

  /** The versions offered, oldest first: the SDK answers an unknown one with the last. */
  public static final List<String> VERSIONS = List.of(ProtocolVersions.MCP_2025_03_26,
      ProtocolVersions.MCP_2025_06_18);
  /** JSON-RPC error code for a session this server does not know (as other SDKs use it). */
  static final int SESSION_NOT_FOUND = -32001;
  private static final int MAX_CAPABILITIES_BYTES = 16 * 1024;
  private static final int MAX_BATCH = 50;
  private static final Accept JSON_ONLY = new Accept(true, false);
  private static final Logger log = LoggerFactory.getLogger(McpHttpTransport.class);

  /** One POST: who sent it, the headers that matter, and the raw body. */
  public record Post(Principal principal, String accept, String sessionId,
      String protocolVersion, byte[] body) {}

  /**
   * What to answer: a status, headers, and a JSON-RPC message as JSON text (null for none).
   * With {@code streamed}, the answer was already written as an SSE stream.
   */
  public record Answer(int status, Map<String, String> headers, String json,
      boolean streamed) {}

  /**
   * An SSE response in the making. The HTTP layer implements it on the request's event loop;
   * the transport calls it from a worker thread, in order.
   */
  public interface EventStream {
    void open();

    void send(String json);

    void end();
  }

  private final McpSessions sessions;
  private final McpJsonMapper json;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Duration timeout;
  private volatile McpStreamableServerSession.Factory factory;

  public McpHttpTransport(McpSessions sessions, McpJsonMapper json, Duration timeout) {
    this.sessions = sessions;
    this.json = json;
    this.timeout = timeout;
  }

  @Override
  public void setSessionFactory(McpStreamableServerSession.Factory factory) {
    this.factory = factory;
  }

  @Override
  public List<String> protocolVersions() {
    return VERSIONS;
  }

  /** Nothing to notify: tools never change and no client holds a GET stream. */
  @Override
  public Mono<Void> notifyClients(String method, Object params) {
    return Mono.empty();
  }

  @Override
  public Mono<Void> closeGracefully() {
    return Mono.empty(); // no stream outlives its request
  }

  /** Handles one POST to the endpoint. Blocks. */
  public Answer post(Post post, EventStream stream) {
    JsonNode body;
    try {
      body = mapper.readTree(post.body());
    } catch (IOException e) {
      return reply(400, error(null, McpSchema.ErrorCodes.PARSE_ERROR, "parse error: the body"
          + " is not JSON"));
    }
    boolean batch = body != null && body.isArray();
    Kind kind = batch ? null : kind(body);
    JsonNode id = kind == Kind.REQUEST || kind == Kind.RESPONSE ? body.get("id") : null;
    if (kind == Kind.INVALID) {
      return reply(400, error(null, McpSchema.ErrorCodes.INVALID_REQUEST, "not a JSON-RPC"
          + " 2.0 request, notification or response"));
    }
    Accept accept = Accept.of(post.accept());
    if (!accept.json() && !accept.eventStream()) {
      return reply(406, error(id, McpSchema.ErrorCodes.INVALID_REQUEST, "Accept must allow"
          + " application/json or text/event-stream"));
    }
    if (kind == Kind.REQUEST && McpSchema.METHOD_INITIALIZE.equals(body.get("method").asText())) {
      return initialize(post, body, accept, stream);
    }
    // On initialize the version travels in the body (clients send their newest in the header).
    if (post.protocolVersion() != null && !VERSIONS.contains(post.protocolVersion())) {
      return reply(400, error(id, McpSchema.ErrorCodes.INVALID_REQUEST, "unsupported"
          + " MCP-Protocol-Version " + post.protocolVersion() + " (supported: "
          + String.join(", ", VERSIONS) + ")"));
    }
    if (post.sessionId() == null || post.sessionId().isBlank()) {
      return reply(400, error(id, McpSchema.ErrorCodes.INVALID_REQUEST, "the Mcp-Session-Id"
          + " header is required: send initialize first and use the session id it returns"));
    }
    Optional<McpSessions.Session> found = sessions.use(post.sessionId(), post.principal()
        .userId());
    if (found.isEmpty()) {
      return reply(404, error(id, SESSION_NOT_FOUND, "session not found (ended or expired):"
          + " start a new one with initialize"));
    }
    McpSessions.Session session = found.get();
    if (post.protocolVersion() != null && !post.protocolVersion().equals(
        session.protocolVersion())) {
      return reply(400, error(id, McpSchema.ErrorCodes.INVALID_REQUEST, "MCP-Protocol-Version "
          + post.protocolVersion() + " is not the version negotiated for this session ("
          + session.protocolVersion() + ")"));
    }
    Call call = new Call(rebuild(session), McpTransportContext.create(Map.of(
        McpTools.PRINCIPAL, post.principal())));
    if (batch) {
      return batch(session, (ArrayNode) body, call);
    }
    try {
      switch (kind) {
        case NOTIFICATION -> {
          call.notify(body);
          return reply(202, null);
        }
        case RESPONSE -> {
          // This server never sends requests to clients, so no response is awaited.
          return reply(400, error(null, McpSchema.ErrorCodes.INVALID_REQUEST, "no request of"
              + " this server awaits a response"));
        }
        default -> {
          Exchange exchange = call.request(body, accept, stream);
          return exchange.answer();
        }
      }
    } catch (IllegalArgumentException e) {
      return reply(400, error(id, McpSchema.ErrorCodes.INVALID_REQUEST, "malformed message: "
          + e.getMessage()));
    }
  }

  /**
   * A JSON-RPC batch, which protocol 2025-03-26 allows (2025-06-18 removed it): the requests
   * run in order and their responses come back as one JSON array. Notifications a tool would
   * send (progress) are left out: a batch is answered as JSON, never streamed.
   */
  private Answer batch(McpSessions.Session session, ArrayNode messages, Call call) {
    if (!ProtocolVersions.MCP_2025_03_26.equals(session.protocolVersion())) {
      return reply(400, error(null, McpSchema.ErrorCodes.INVALID_REQUEST, "batches are not part"
          + " of protocol " + session.protocolVersion() + ": send one JSON-RPC message per POST"));
    }
    if (messages.isEmpty() || messages.size() > MAX_BATCH) {
      return reply(400, error(null, McpSchema.ErrorCodes.INVALID_REQUEST, "a batch holds 1 to "
          + MAX_BATCH + " messages"));
    }
    List<Object> responses = new ArrayList<>();
    for (JsonNode m : messages) {
      Kind k = kind(m);
      try {
        if (k == Kind.INVALID) {
          responses.add(error(null, McpSchema.ErrorCodes.INVALID_REQUEST, "not a JSON-RPC 2.0"
              + " request, notification or response"));
        } else if (k == Kind.NOTIFICATION) {
          call.notify(m);
        } else if (k == Kind.REQUEST && McpSchema.METHOD_INITIALIZE.equals(
            m.get("method").asText())) {
          responses.add(error(m.get("id"), McpSchema.ErrorCodes.INVALID_REQUEST, "initialize"
              + " must not be part of a batch"));
        } else if (k == Kind.REQUEST) {
          responses.add(call.request(m, JSON_ONLY, null).response);
        } // a response from the client: no request of this server awaits one
      } catch (IllegalArgumentException e) {
        responses.add(error(m.get("id"), McpSchema.ErrorCodes.INVALID_REQUEST, "malformed"
            + " message: " + e.getMessage()));
      }
    }
    return responses.isEmpty() ? reply(202, null) : reply(200, responses);
  }

  /** The SDK's session for one POST, and the caller it acts for. */
  private final class Call {

    private final McpStreamableServerSession sdk;
    private final McpTransportContext context;

    Call(McpStreamableServerSession sdk, McpTransportContext context) {
      this.sdk = sdk;
      this.context = context;
    }

    void notify(JsonNode message) {
      sdk.accept(json.convertValue(message, JSONRPCNotification.class))
          .contextWrite(c -> c.put(McpTransportContext.KEY, context)).block(timeout);
    }

    Exchange request(JsonNode message, Accept accept, EventStream stream) {
      JSONRPCRequest request = json.convertValue(message, JSONRPCRequest.class);
      Exchange exchange = new Exchange(request.id(), accept, stream);
      try {
        sdk.responseStream(request, exchange)
            .contextWrite(c -> c.put(McpTransportContext.KEY, context)).block(timeout);
      } finally {
        exchange.finish();
      }
      return exchange;
    }
  }

  /** {@code DELETE}: the client ends its session. */
  public Answer delete(Principal principal, String sessionId) {
    if (sessionId == null || sessionId.isBlank()) {
      return reply(400, error(null, McpSchema.ErrorCodes.INVALID_REQUEST, "the Mcp-Session-Id"
          + " header names the session to end"));
    }
    return sessions.end(sessionId, principal.userId()) ? reply(204, null)
        : reply(404, error(null, SESSION_NOT_FOUND, "session not found"));
  }

  private Answer initialize(Post post, JsonNode body, Accept accept, EventStream stream) {
    JsonNode id = body.get("id");
    InitializeRequest request;
    try {
      request = json.convertValue(body.path("params"), InitializeRequest.class);
    } catch (IllegalArgumentException e) {
      return reply(400, error(id, McpSchema.ErrorCodes.INVALID_PARAMS, "initialize params: "
          + e.getMessage()));
    }
    String capabilities = writeJson(request.capabilities() == null ? Map.of()
        : request.capabilities());
    if (capabilities.length() > MAX_CAPABILITIES_BYTES) {
      return reply(400, error(id, McpSchema.ErrorCodes.INVALID_PARAMS, "capabilities are"
          + " larger than " + MAX_CAPABILITIES_BYTES + " bytes"));
    }
    McpStreamableServerSession.McpStreamableServerSessionInit init = factory.startSession(
        request);
    InitializeResult result = init.initResult().block(timeout);
    Implementation client = request.clientInfo();
    McpSessions.Session session = sessions.open(post.principal().userId(),
        result.protocolVersion(), client == null ? null : client.name(),
        client == null ? null : client.version(), capabilities);
    JSONRPCResponse response = JSONRPCResponse.result(json.convertValue(id, Object.class),
        result);
    Map<String, String> headers = Map.of("Mcp-Session-Id", session.id());
    if (!accept.json()) {
      stream.open();
      stream.send(writeJson(response));
      stream.end();
      return new Answer(200, headers, null, true);
    }
    return new Answer(200, headers, writeJson(response), false);
  }

  /** The SDK's session object for a stored session, for the length of one request. */
  private McpStreamableServerSession rebuild(McpSessions.Session s) {
    ClientCapabilities capabilities;
    try {
      capabilities = json.readValue(s.capabilities(), ClientCapabilities.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Implementation client = new Implementation(Objects.requireNonNullElse(s.clientName(), ""),
        Objects.requireNonNullElse(s.clientVersion(), ""));
    return factory.startSession(new InitializeRequest(s.protocolVersion(), capabilities, client))
        .session();
  }

  private Answer reply(int status, Object message) {
    return new Answer(status, Map.of(), message == null ? null : writeJson(message), false);
  }

  private String writeJson(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Map<String, Object> error(JsonNode id, int code, String message) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("jsonrpc", McpSchema.JSONRPC_VERSION);
    e.put("id", id);
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("message", message);
    e.put("error", error);
    return e;
  }

  private enum Kind { REQUEST, NOTIFICATION, RESPONSE, INVALID }

  /** What a body is, by the JSON-RPC 2.0 rules the SDK's own reader leaves unchecked. */
  private static Kind kind(JsonNode body) {
    if (body == null || !body.isObject() || !"2.0".equals(body.path("jsonrpc").asText(null))) {
      return Kind.INVALID;
    }
    ObjectNode o = (ObjectNode) body;
    JsonNode id = o.get("id");
    boolean validId = id != null && (id.isTextual() || id.isIntegralNumber());
    if (o.has("method")) {
      if (!o.get("method").isTextual()) {
        return Kind.INVALID;
      }
      if (id == null) {
        return Kind.NOTIFICATION;
      }
      return validId ? Kind.REQUEST : Kind.INVALID;
    }
    return validId && (o.has("result") || o.has("error")) ? Kind.RESPONSE : Kind.INVALID;
  }

  /** What the client's Accept header allows. A missing header allows JSON. */
  record Accept(boolean json, boolean eventStream) {
    static Accept of(String header) {
      if (header == null || header.isBlank()) {
        return new Accept(true, false);
      }
      String h = header.toLowerCase(java.util.Locale.ROOT);
      boolean any = h.contains("*/*") || h.contains("application/*");
      return new Accept(h.contains("application/json") || any, h.contains("text/event-stream"));
    }
  }

  /**
   * The SDK's transport for one request: holds the response for a JSON answer, or switches to
   * SSE when the SDK sends anything before it (or when the client takes only SSE).
   */
  private final class Exchange implements McpStreamableServerTransport {

    private final Object requestId;
    private final Accept accept;
    private final EventStream stream;
    private JSONRPCMessage response;
    private boolean streaming;
    private boolean finished;

    Exchange(Object requestId, Accept accept, EventStream stream) {
      this.requestId = requestId;
      this.accept = accept;
      this.stream = stream;
    }

    @Override
    public Mono<Void> sendMessage(JSONRPCMessage message) {
      return sendMessage(message, null);
    }

    @Override
    public Mono<Void> sendMessage(JSONRPCMessage message, String messageId) {
      return Mono.fromRunnable(() -> deliver(message));
    }

    private synchronized void deliver(JSONRPCMessage message) {
      if (finished) {
        return;
      }
      boolean isResponse = message instanceof JSONRPCResponse r
          && Objects.equals(r.id(), requestId);
      if (!streaming && isResponse && accept.json()) {
        response = message;
        return;
      }
      if (!accept.eventStream()) {
        log.debug("dropped {} for a client that takes no event stream", message);
        return;
      }
      if (!streaming) {
        streaming = true;
        stream.open();
      }
      stream.send(writeJson(message));
      if (isResponse) {
        finish();
      }
    }

    /** Ends the SSE stream if one was opened; safe to call more than once. */
    synchronized void finish() {
      if (!finished) {
        finished = true;
        if (streaming) {
          stream.end();
        }
      }
    }

    synchronized Answer answer() {
      if (streaming) {
        return new Answer(200, Map.of(), null, true);
      }
      if (response == null) {
        return reply(500, error(null, McpSchema.ErrorCodes.INTERNAL_ERROR, "no response"));
      }
      return reply(200, response);
    }

    @Override
    public Mono<Void> closeGracefully() {
      return Mono.empty(); // the request's end closes it: see finish()
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
      return json.convertValue(data, typeRef);
    }
  }
}
