package io.taskpulse.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.auth.AccountCheck;
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
import io.netty.channel.Channel;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntConsumer;

/** The live transports: the WebSocket upgrade and the SSE stream. */
final class LiveHandlers {

  private final Hub hub;
  private final Tokens tokens;
  private final AccountCheck accountCheck;
  private final Connections connections;
  private final WebSocketConnection.Limits limits;
  private final List<String> allowedOrigins;
  private final Clock clock;
  private final Http http;
  private static final String WS_PATH = "/api/v1/ws";

  LiveHandlers(Hub hub, Tokens tokens, AccountCheck accountCheck, Connections connections,
      WebSocketConnection.Limits limits, List<String> allowedOrigins, Clock clock, Http http) {
    this.hub = hub;
    this.tokens = tokens;
    this.accountCheck = accountCheck;
    this.clock = clock;
    this.connections = connections;
    this.limits = limits;
    this.allowedOrigins = allowedOrigins;
    this.http = http;
  }

  /**
   * {@code GET /api/v1/ws} before the router: upgrades it if it will be accepted (an upgrade,
   * from an allowed origin, while the node is not stopping), so that no routing context lives
   * as long as the socket. False leaves the request to the router, which refuses it with the
   * usual problem reply ({@link #webSocket}). {@code observer} makes, for an upgrade taken
   * here, what hears how its handshake ended.
   */
  boolean upgrade(HttpServerRequest req, Vertx vertx,
      Function<HttpServerRequest, IntConsumer> observer) {
    if (req.method() != HttpMethod.GET || !WS_PATH.equals(req.path())
        || !isUpgrade(req.getHeader(HttpHeaders.UPGRADE))
        || !Origins.allowed(req, allowedOrigins) || connections.closing()) {
      return false;
    }
    accept(req, vertx, observer.apply(req));
    return true;
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
    accept(req, ctx.vertx(), status -> { });
  }

  /** Upgrades; {@code done} hears 101, or 400 when the handshake failed. */
  private void accept(HttpServerRequest req, Vertx vertx, IntConsumer done) {
    // Read from the query here: req.getParam would keep a parsed copy on the request.
    List<String> given = new QueryStringDecoder(req.uri()).parameters().get("token");
    String token = given == null || given.isEmpty() ? null : given.get(0);
    Channel channel = ((ConnectionBase) req.connection()).channelHandlerContext().channel();
    // The callback must not hold the request: Vert.x keeps it as long as the socket.
    req.toWebSocket().onSuccess(ws -> {
      // Its headers too, which nothing reads after the upgrade: let them go.
      ws.headers().clear();
      done.accept(101);
      new WebSocketConnection(ws, channel, vertx, hub, tokens, accountCheck, connections,
          limits, clock).start(token);
    }).onFailure(e -> done.accept(400));
  }

  private static boolean isUpgrade(String upgrade) {
    return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket");
  }

  /**
   * {@code GET /api/v1/events/stream?streams=a,b&after=N}: SSE. {@code Last-Event-ID} wins over
   * {@code after}; {@code status}, {@code assignee} and {@code types} narrow it like a filter.
   */
  void sse(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    Principal fromToken = Http.tokenPrincipal(ctx);
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
      SseConnection sse = new SseConnection(ctx.response(), ctx.vertx(), fromToken, p,
          accountCheck, connections, clock);
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
