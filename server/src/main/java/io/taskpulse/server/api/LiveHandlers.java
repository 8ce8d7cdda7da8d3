package io.taskpulse.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.auth.Tokens;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.hub.Filter;
import io.taskpulse.server.hub.Hub;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.log.Stream;
import io.taskpulse.server.transport.Connections;
import io.taskpulse.server.transport.SseConnection;
import io.taskpulse.server.transport.WebSocketConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** The live transports: the WebSocket upgrade and the SSE stream. */
final class LiveHandlers {

  private final Hub hub;
  private final Tokens tokens;
  private final Predicate<String> disabled;
  private final Connections connections;
  private final WebSocketConnection.Limits limits;
  private final List<String> allowedOrigins;
  private final Http http;

  LiveHandlers(Hub hub, Tokens tokens, Predicate<String> disabled, Connections connections,
      WebSocketConnection.Limits limits, List<String> allowedOrigins, Http http) {
    this.hub = hub;
    this.tokens = tokens;
    this.disabled = disabled;
    this.connections = connections;
    this.limits = limits;
    this.allowedOrigins = allowedOrigins;
    this.http = http;
  }

  /** {@code GET /api/v1/ws}: upgrade, then auth by first message or {@code ?token=}. */
  void webSocket(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (!Origins.allowed(req, allowedOrigins)) {
      throw Problem.forbidden("origin " + req.getHeader(HttpHeaders.ORIGIN) + " is not allowed");
    }
    if (connections.closing()) {
      throw Problem.unavailable("the server is stopping; reconnect to another node");
    }
    String token = req.getParam("token");
    req.toWebSocket().onSuccess(ws -> new WebSocketConnection(ws, ctx.vertx(), hub, tokens,
        disabled, connections, limits).start(token));
  }

  /**
   * {@code GET /api/v1/events/stream?streams=a,b&after=N}: SSE. {@code Last-Event-ID} wins over
   * {@code after}; {@code status}, {@code assignee} and {@code types} narrow it like a filter.
   */
  void sse(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    List<Stream> streams = new ArrayList<>();
    String names = ctx.queryParams().get("streams");
    if (names == null || names.isBlank()) {
      names = ctx.queryParams().get("stream");
    }
    if (names == null || names.isBlank()) {
      streams.add(Stream.TASKS);
    } else {
      for (String name : new LinkedHashSet<>(List.of(names.split(",")))) {
        streams.add(Stream.parse(name.trim()));
      }
    }
    if (streams.size() > limits.maxSubscriptions()) {
      throw Problem.invalid("streams", "at most " + limits.maxSubscriptions() + " streams");
    }
    Long after = null;
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    String afterText = lastEventId != null && !lastEventId.isBlank() ? lastEventId
        : ctx.queryParams().get("after");
    if (afterText != null && !afterText.isBlank()) {
      try {
        after = Long.parseLong(afterText.trim());
      } catch (NumberFormatException e) {
        throw Problem.invalid("after", "must be a log offset");
      }
      if (after < 0) {
        throw Problem.invalid("after", "must be a log offset, 0 or more");
      }
    }
    Filter filter = Filter.parse(filterOf(ctx));
    String epoch = ctx.queryParams().get("epoch");
    Long from = after;
    // Checked before the stream opens, so a stream one may not follow is an HTTP 404.
    http.async(ctx, () -> {
      streams.forEach(s -> hub.checkVisible(p, s));
      return Boolean.TRUE;
    }, ok -> {
      SseConnection sse = new SseConnection(ctx.response(), ctx.vertx(), p, connections);
      if (!sse.start(hub, streams, filter, from, epoch, limits.heartbeatSeconds(),
          limits.writeQueueBytes())) {
        throw new Problem(Problem.Code.RATE_LIMITED, "too many connections for user "
            + p.userId(), Map.of("retryAfterSeconds", 5));
      }
    });
  }

  private static JsonNode filterOf(RoutingContext ctx) {
    var node = Json.MAPPER.createObjectNode();
    String status = ctx.queryParams().get("status");
    if (status != null && !status.isBlank()) {
      var arr = node.putArray("status");
      for (String s : status.split(",")) {
        arr.add(s.trim());
      }
    }
    String types = ctx.queryParams().get("types");
    if (types != null && !types.isBlank()) {
      var arr = node.putArray("types");
      for (String t : types.split(",")) {
        arr.add(t.trim());
      }
    }
    String assignee = ctx.queryParams().get("assignee");
    if (assignee != null && !assignee.isBlank()) {
      node.put("assignee", assignee);
    }
    return node;
  }


}
