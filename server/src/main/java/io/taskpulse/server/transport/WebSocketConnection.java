package io.taskpulse.server.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskpulse.server.auth.AccountCheck;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.auth.Tokens;
import io.taskpulse.server.errors.Problem;
import io.netty.channel.Channel;
import io.taskpulse.server.hub.Filter;
import io.taskpulse.server.hub.Frame;
import io.taskpulse.server.hub.Hub;
import io.taskpulse.server.hub.Sink;
import io.taskpulse.server.hub.Subscription;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.log.Stream;
import io.taskpulse.server.tasks.Snapshot;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.websocket.WebSocketFrameImpl;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket client (PROTOCOL section 5): authenticates, subscribes and unsubscribes, is
 * pinged, and is closed with the contract's codes when it breaks a rule or its token ends.
 * Lives on the event loop that accepted it; every method runs there.
 */
public final class WebSocketConnection implements Sink, Connections.Live {

  private static final Logger log = LoggerFactory.getLogger(WebSocketConnection.class);

  public static final short GOING_AWAY = 1001;
  public static final short UNAUTHORIZED = 4001;
  public static final short FORBIDDEN = 4003;
  public static final short POLICY = 4008;
  public static final short MALFORMED = 4400;
  /** The server's WebSocket frame size (HttpServerOptions in Taskpulse); larger goes split. */
  public static final int MAX_FRAME_BYTES = 64 * 1024;
  /** Why a subscription is ended with {@code resubscribe} when the account's standing moved. */
  static final String ACCESS_CHANGED = "your access changed (a team or the admin role);"
      + " subscribe again for a snapshot";

  /** The rules a connection lives by. */
  public record Limits(int maxMessageBytes, int maxSubscriptions, double messagesPerSecond,
      double messageBurst, int heartbeatSeconds, int authTimeoutSeconds, int writeQueueBytes) {}

  private final ServerWebSocket ws;
  private final FrameWriter frames = new FrameWriter();
  private final Channel channel;
  private final Vertx vertx;
  private final Hub hub;
  private final Tokens tokens;
  private final AccountCheck accountCheck;
  private final Connections connections;
  private final Limits limits;
  private final Clock clock;
  private final Context context;
  private final String id = UUID.randomUUID().toString();
  private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
  /** The caller as the last token said; {@link #principal} is what the records allow of it. */
  private Principal fromToken;
  private Principal principal;
  private boolean closed;
  /** Whether the socket's queue had room after the last write; asking the socket costs more. */
  private boolean roomInQueue = true;
  /** Set only in the token's last second; until then {@link Pulse} ticks look at the end. */
  private long expiryTimer = -1;
  private long authTimer = -1;
  private final Pulse pulse;
  /** This connection's place in {@link #pulse}; -1 when out. */
  int pulseSlot = -1;
  private long nextBeat;
  /** Pings sent since the peer was last heard from. */
  private int unanswered;
  private double allowance;
  private long allowanceAt = System.nanoTime();

  /**
   * @param channel the upgraded socket's, for writing shared event frames directly
   * @param clock the node's clock, against which token expiry is timed (as {@link Tokens}
   *     checks it)
   */
  public WebSocketConnection(ServerWebSocket ws, Channel channel, Vertx vertx, Hub hub,
      Tokens tokens, AccountCheck accountCheck, Connections connections, Limits limits,
      Clock clock) {
    this.ws = ws;
    this.channel = channel;
    this.vertx = vertx;
    this.hub = hub;
    this.tokens = tokens;
    this.accountCheck = accountCheck;
    this.connections = connections;
    this.limits = limits;
    this.clock = clock;
    this.context = vertx.getOrCreateContext();
    this.pulse = Pulse.of(context, vertx);
    this.allowance = limits.messageBurst();
  }

  /** Wires the socket; {@code token} is the upgrade URL's {@code ?token=}, if any. */
  public void start(String token) {
    ws.setWriteQueueMaxSize(limits.writeQueueBytes());
    channel.pipeline().addFirst("taskpulse-frames", frames);
    frames.onDrain(this::drained);
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> close(MALFORMED, "malformed", "binary messages are not part"
        + " of the protocol"));
    ws.pongHandler(b -> unanswered = 0);
    ws.drainHandler(v -> drained());
    ws.closeHandler(v -> cleanUp());
    ws.exceptionHandler(e -> log.debug("connection {}: {}", id, e.getMessage()));
    nextBeat = System.nanoTime() + heartbeatNanos();
    pulse.add(this);
    if (token != null) {
      authenticate(token, null);
    } else {
      authTimer = vertx.setTimer(limits.authTimeoutSeconds() * 1000L, t -> {
        if (principal == null) {
          close(UNAUTHORIZED, "unauthorized", "no auth message within "
              + limits.authTimeoutSeconds() + " s");
        }
      });
    }
  }

  private void onText(String text) {
    unanswered = 0;
    if (closed) {
      return;
    }
    if (text.length() > limits.maxMessageBytes()) {
      close(POLICY, "too_large", "messages are limited to " + limits.maxMessageBytes() + " bytes");
      return;
    }
    if (!allow()) {
      close(POLICY, "rate_limited", "more than " + (int) limits.messagesPerSecond()
          + " messages per second");
      return;
    }
    JsonNode msg;
    try {
      msg = Json.MAPPER.readTree(text);
    } catch (Exception e) {
      close(MALFORMED, "malformed", "the message is not valid JSON");
      return;
    }
    if (msg == null || !msg.isObject() || !msg.path("type").isTextual()) {
      close(MALFORMED, "malformed", "a message is a JSON object with a type");
      return;
    }
    String type = msg.get("type").asText();
    String msgId = msg.path("id").isTextual() ? msg.get("id").asText() : null;
    if (principal == null && !type.equals("auth")) {
      close(UNAUTHORIZED, "unauthorized", "authenticate first: {\"type\":\"auth\",\"token\":…}");
      return;
    }
    try {
      switch (type) {
        case "auth" -> authenticate(msg.path("token").asText(null), msgId);
        case "subscribe" -> subscribe(msg, msgId);
        case "unsubscribe" -> unsubscribe(msgId);
        case "ping" -> send(frame("pong", msgId));
        default -> close(MALFORMED, "malformed", "unknown message type " + type);
      }
    } catch (Problem p) {
      error(msgId, p.code().wire, p.getMessage());
    }
  }

  private void authenticate(String token, String msgId) {
    Principal p;
    try {
      p = tokens.verify(token);
    } catch (Problem e) {
      close(UNAUTHORIZED, "unauthorized", e.getMessage());
      return;
    }
    Principal allowed = accountCheck.current(p).orElse(null);
    if (allowed == null) {
      close(UNAUTHORIZED, "unauthorized", "this account is disabled");
      return;
    }
    if (principal != null) {
      if (!principal.userId().equals(p.userId())) {
        close(FORBIDDEN, "forbidden", "a connection keeps its user; open another for "
            + p.userId());
        return;
      }
      fromToken = p;
      // Refreshed: a new expiry, perhaps other teams. Subscriptions stay filed as they are
      // unless the user's sight moved, and then they start over anyway.
      boolean moved = !sameSight(principal, allowed);
      principal = allowed;
      scheduleExpiry();
      ObjectNode ok = frame("authenticated", msgId);
      ok.put("expiresAt", Json.format(p.expiresAt()));
      send(ok);
      if (moved) {
        startOver();
      }
      return;
    }
    if (!connections.admit(p.userId(), this)) {
      close(POLICY, "too_many_connections", connections.closing() ? "the server is stopping"
          : "too many connections for user " + p.userId());
      return;
    }
    fromToken = p;
    principal = allowed;
    if (authTimer >= 0) {
      vertx.cancelTimer(authTimer);
    }
    scheduleExpiry();
    ObjectNode hello = frame("hello", null);
    hello.put("connectionId", id);
    hello.put("user", p.userId());
    hello.put("heartbeatSeconds", limits.heartbeatSeconds());
    hello.put("server", "taskpulse/" + io.taskpulse.server.Main.version());
    send(hello);
  }

  /** After each auth: a refresh may have moved the token's end out of its last second. */
  private void scheduleExpiry() {
    if (expiryTimer >= 0) {
      vertx.cancelTimer(expiryTimer);
      expiryTimer = -1;
    }
    armExpiry(principal.expiresAt().toEpochMilli() - clock.millis());
  }

  /**
   * In the token's last second, a timer for the very millisecond: expiry stays as punctual as
   * with a timer per connection for its whole life.
   */
  private void armExpiry(long leftMillis) {
    if (leftMillis <= Pulse.TICK_MILLIS && expiryTimer < 0) {
      expiryTimer = vertx.setTimer(Math.max(1, leftMillis), t -> expire());
    }
  }

  /** From {@link Pulse}, about once a second. */
  void tick(long now) {
    if (closed) {
      return;
    }
    if (principal != null) {
      long left = principal.expiresAt().toEpochMilli() - clock.millis();
      if (left <= 0) {
        expire(); // the node's clock was moved past the expiry: the timers run in real time
        return;
      }
      armExpiry(left);
    }
    if (now - nextBeat > -Pulse.TICK_MILLIS * 500_000L) { // due within half a tick
      nextBeat += heartbeatNanos();
      if (nextBeat - now < 0) {
        nextBeat = now + heartbeatNanos(); // the loop was stalled: no burst of catch-up pings
      }
      heartbeat();
    }
  }

  private long heartbeatNanos() {
    return limits.heartbeatSeconds() * 1_000_000_000L;
  }

  private void expire() {
    close(UNAUTHORIZED, "token_expired", "the token expired; reconnect with a fresh one");
  }

  @Override
  public void recheck() {
    context.runOnContext(v -> {
      if (closed || principal == null) {
        return;
      }
      Principal allowed = accountCheck.current(fromToken).orElse(null);
      if (allowed == null) {
        close(UNAUTHORIZED, "account_disabled", "this account was disabled");
      } else if (!sameSight(principal, allowed)) {
        principal = allowed;
        startOver();
      }
    });
  }

  static boolean sameSight(Principal a, Principal b) {
    return a.admin() == b.admin() && a.teams().equals(b.teams());
  }

  /**
   * A team left or joined, or the admin role changed: events the user may no longer see stop
   * here and now, and what each subscription holds may have changed with no event to say so
   * (membership is not in the log), so each starts over from a snapshot.
   */
  private void startOver() {
    for (Subscription sub : List.copyOf(subscriptions.values())) {
      sub.close();
      failed(sub, "resubscribe", ACCESS_CHANGED);
    }
  }

  private void subscribe(JsonNode msg, String msgId) {
    if (msgId == null || msgId.isEmpty() || msgId.length() > 64) {
      throw Problem.invalid("id", "a subscription needs an id of 1 to 64 characters");
    }
    if (subscriptions.containsKey(msgId)) {
      throw Problem.conflict("subscription " + msgId + " already exists");
    }
    if (subscriptions.size() >= limits.maxSubscriptions()) {
      close(POLICY, "too_many_subscriptions", "at most " + limits.maxSubscriptions()
          + " subscriptions per connection");
      return;
    }
    JsonNode streamNode = msg.get("stream");
    if (streamNode == null || !streamNode.isTextual()) {
      throw Problem.invalid("stream", "is required: tasks, project:<id> or task:<id>");
    }
    Stream stream = Stream.parse(streamNode.asText());
    Long after = null;
    if (msg.hasNonNull("after")) {
      if (!msg.get("after").canConvertToLong() || msg.get("after").asLong() < 0) {
        throw Problem.invalid("after", "must be a log offset, 0 or more");
      }
      after = msg.get("after").asLong();
    }
    String epoch = msg.path("epoch").isTextual() ? msg.get("epoch").asText() : null;
    Filter filter = Filter.parse(msg.get("filter"));
    subscriptions.put(msgId, hub.subscribe(msgId, List.of(stream), filter, this, after, epoch));
  }

  private void unsubscribe(String msgId) {
    Subscription s = msgId == null ? null : subscriptions.remove(msgId);
    if (s == null) {
      throw Problem.notFound("subscription", String.valueOf(msgId));
    }
    s.close();
    send(frame("unsubscribed", msgId));
  }

  private void heartbeat() {
    // Counted in beats, not read off the clock: a tick may come up to a second late, which must
    // not drop a peer that was never asked.
    if (unanswered >= 2) {
      log.debug("connection {} of {} is silent; dropping it", id, user());
      ws.close(GOING_AWAY, "no answer to pings");
      return;
    }
    unanswered++;
    ws.writePing(Buffer.buffer());
  }

  /** A token bucket on incoming messages. */
  private boolean allow() {
    long now = System.nanoTime();
    allowance = Math.min(limits.messageBurst(),
        allowance + (now - allowanceAt) / 1e9 * limits.messagesPerSecond());
    allowanceAt = now;
    if (allowance < 1) {
      return false;
    }
    allowance -= 1;
    return true;
  }

  private void error(String msgId, String code, String message) {
    ObjectNode e = frame("error", msgId);
    e.put("code", code);
    e.put("message", message);
    send(e);
  }

  /** Says why, then closes with {@code code}; the neighbours never notice. */
  private void close(short code, String errorCode, String message) {
    if (closed) {
      return;
    }
    error(null, errorCode, message);
    ws.close(code, errorCode);
    cleanUp();
  }

  private void cleanUp() {
    if (closed) {
      return;
    }
    closed = true;
    subscriptions.values().forEach(Subscription::close);
    subscriptions.clear();
    pulse.remove(this);
    for (long timer : new long[] {expiryTimer, authTimer}) {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }
    if (principal != null) {
      connections.release(principal.userId(), this);
    }
  }

  /** The socket has room again: paused subscriptions catch up from the log. */
  private void drained() {
    roomInQueue = true;
    if (!closed) {
      List.copyOf(subscriptions.values()).forEach(Subscription::resume);
    }
  }

  @Override
  public void goingAway() {
    // Called from the stopping thread; in strict thread mode only the socket's loop writes.
    context.runOnContext(v -> ws.close(GOING_AWAY, "server going away"));
  }

  @Override
  public String transport() {
    return "websocket";
  }

  private String user() {
    return principal == null ? "(anonymous)" : principal.userId();
  }

  private static ObjectNode frame(String type, String id) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("type", type);
    if (id != null) {
      n.put("id", id);
    }
    return n;
  }

  private void send(ObjectNode frame) {
    if (!ws.isClosed()) {
      ws.writeTextMessage(frame.toString());
    }
  }

  // ---- Sink ----

  @Override
  public Principal principal() {
    return principal;
  }

  @Override
  public String frameKey(Subscription sub) {
    return sub.streamName();
  }

  @Override
  public String eventFrame(Subscription sub, LogEvent e, boolean retyped) {
    return "{\"type\":\"event\",\"stream\":" + Json.write(sub.streamName()) + ",\"event\":"
        + (retyped ? e.jsonFor(principal) : e.json()) + "}";
  }

  @Override
  public boolean write(Frame frame) {
    if (closed) {
      return false;
    }
    if (ws.isClosed()) {
      return false; // the close handler is on its way and will clean up
    }
    byte[] utf8 = frame.utf8();
    if (utf8.length > MAX_FRAME_BYTES) {
      ws.writeTextMessage(frame.text()); // split into frames the peer accepts
    } else if (frames.writable()) {
      // The event's frame, encoded once for all its readers, straight to the socket. Only
      // while the socket has room: Vert.x queues its own messages only while it has none (and
      // drains them as soon as it has), so this never overtakes one of them. The socket's
      // writability is asked, not Vert.x's synchronized writeQueueFull: it is the same mark.
      try {
        frames.write(frame.webSocket());
      } catch (Exception e) {
        return false; // the channel is going away; its close handler cleans up
      }
    } else {
      ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, utf8, true)); // in order
    }
    roomInQueue = frames.writable();
    return roomInQueue;
  }

  @Override
  public boolean writable() {
    return !closed && roomInQueue && !ws.isClosed();
  }

  @Override
  public void subscribed(Subscription sub, long offset, boolean recovered) {
    ObjectNode f = frame("subscribed", sub.id());
    f.put("stream", sub.streamName());
    f.put("epoch", sub.epoch());
    f.put("offset", offset);
    f.put("recovered", recovered);
    send(f);
  }

  @Override
  public void snapshot(Subscription sub, Snapshot snapshot) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("type", "snapshot");
    f.put("id", sub.id());
    f.put("stream", sub.streamName());
    f.put("offset", snapshot.offset());
    f.put("epoch", snapshot.epoch());
    f.put("tasks", snapshot.tasks());
    if (!snapshot.entries().isEmpty()) {
      f.put("entries", snapshot.entries());
    }
    f.put("complete", snapshot.complete());
    if (!closed) {
      ws.writeTextMessage(Json.write(f));
    }
  }

  @Override
  public void failed(Subscription sub, String code, String message) {
    subscriptions.remove(sub.id());
    error(sub.id(), code, message);
  }
}
