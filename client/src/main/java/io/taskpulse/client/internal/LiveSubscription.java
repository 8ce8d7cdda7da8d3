package io.taskpulse.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskpulse.client.ConnectionState;
import io.taskpulse.client.Event;
import io.taskpulse.client.Filter;
import io.taskpulse.client.Snapshot;
import io.taskpulse.client.Subscription;
import io.taskpulse.client.SubscriptionListener;
import io.taskpulse.client.Task;
import io.taskpulse.client.TaskpulseException;
import io.taskpulse.client.internal.Signal.Closed;
import io.taskpulse.client.internal.Signal.Failed;
import io.taskpulse.client.internal.Signal.OpenFailed;
import io.taskpulse.client.internal.Signal.Opened;
import io.taskpulse.client.internal.Signal.Text;
import io.taskpulse.client.internal.Signal.Wake;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One subscription with a WebSocket of its own, driven by one thread.
 *
 * <p>Everything that happens to it (socket opened, a message, a close, an error, a timer)
 * becomes a signal in a small bounded inbox that its thread works through, so the state
 * lives on that thread alone and the listener is called there, in order.
 *
 * <p>Flow control and a hazard of the JDK's WebSocket (it can lose a peer's close) are
 * {@link Connection}'s; the heartbeat check here is what catches such a lost close.
 *
 * <p>Hazard: the last offset handed to the listener is what a reconnect resumes after,
 * and the epoch sent with it must be the one that offset belongs to. Both change together,
 * on an event, a snapshot, or a resumed subscribe; never on a subscribe that will be
 * followed by a snapshot (the snapshot may not arrive before a drop).
 */
public final class LiveSubscription implements Subscription {

  private static final System.Logger log = System.getLogger(LiveSubscription.class.getName());
  private static final int INBOX_CAPACITY = Connection.INBOX_CAPACITY;
  private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  private static final long MIN_REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  private static final long MAX_REFRESH_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private enum Phase { OPENING, AUTHENTICATING, SUBSCRIBING, LIVE }

  private static final Wake WAKE = new Wake(null);

  private final ClientConfig config;
  private final HttpClient http;
  private final String stream;
  private final Filter filter;
  private final SubscriptionListener listener;
  private final Consumer<LiveSubscription> onStopped;
  private final BlockingQueue<Signal> inbox = new ArrayBlockingQueue<>(INBOX_CAPACITY);
  private final Thread thread;
  private final Backoff backoff;
  /** Held around every listener call, so close() can wait out one in progress. */
  private final ReentrantLock callbackLock = new ReentrantLock();

  private volatile ConnectionState state = ConnectionState.CONNECTING;
  private volatile long lastOffset = -1;
  private volatile boolean closeRequested;
  /** Set under callbackLock by close(): no onSnapshot or onEvent starts after it. */
  private boolean closed;

  // Owned by the subscription thread.
  /** The state last told to the listener; null before the first. */
  private ConnectionState reported;
  private String epoch;
  private Connection conn;
  private Phase phase;
  private int subscribes;
  private int auths;
  private String subId;
  private boolean awaitingSnapshot;
  private String currentToken;
  private long deadline = -1;
  private long reconnectAt = -1;
  private long refreshAt = -1;
  private long heartbeatNanos;
  private TaskpulseException pendingError;
  private TaskpulseException failure;

  LiveSubscription(ClientConfig config, HttpClient http, String stream, Filter filter,
      SubscriptionListener listener, Consumer<LiveSubscription> onStopped) {
    this.config = config;
    this.http = http;
    this.stream = stream;
    this.filter = filter;
    this.listener = listener;
    this.onStopped = onStopped;
    this.backoff = new Backoff(config.backoffInitial(), config.backoffMax(), new Random());
    this.thread = new Thread(this::run, "taskpulse-subscription-" + THREADS.incrementAndGet()
        + "-" + stream);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  // ---- Subscription ----

  @Override
  public String stream() {
    return stream;
  }

  @Override
  public long lastOffset() {
    return lastOffset;
  }

  @Override
  public ConnectionState state() {
    return state;
  }

  @Override
  public void close() {
    closeRequested = true;
    callbackLock.lock(); // waits for a listener call in progress (reentrant on our own thread)
    try {
      closed = true;
    } finally {
      callbackLock.unlock();
    }
    inbox.offer(WAKE); // if full, the thread still sees closeRequested within MAX_POLL_NANOS
  }

  /** Waits up to {@code max} for the thread to end; returns at once on that thread itself. */
  void awaitStopped(Duration max) {
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      thread.join(Math.max(1, max.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "Subscription{" + stream + ", " + state + ", lastOffset=" + lastOffset + "}";
  }

  // ---- The subscription thread ----

  private void run() {
    try {
      connect();
      while (!closeRequested && failure == null) {
        Signal s = inbox.poll(nanosToNextTimer(), TimeUnit.NANOSECONDS);
        if (s != null) {
          handle(s);
        }
        if (!closeRequested && failure == null) {
          runTimers();
        }
      }
    } catch (InterruptedException e) {
      closeRequested = true;
    } catch (RuntimeException | Error e) {
      log.log(System.Logger.Level.ERROR, "subscription to " + stream + " failed", e);
      failure = new TaskpulseException(0, "internal", "the subscription stopped on an"
          + " unexpected error: " + e, null, null, e);
    } finally {
      finish();
    }
  }

  private void finish() {
    drop(closeRequested);
    ConnectionState last = failure != null ? ConnectionState.ERROR : ConnectionState.CLOSED;
    reported = last;
    state = last;
    callbackLock.lock();
    try {
      listener.onStateChange(last, failure);
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "listener of " + stream + " threw on " + last, e);
    } finally {
      callbackLock.unlock();
      onStopped.accept(this);
    }
  }

  private long nanosToNextTimer() {
    long now = System.nanoTime();
    long wait = MAX_POLL_NANOS;
    if (conn == null) {
      if (reconnectAt >= 0) {
        wait = Math.min(wait, reconnectAt - now);
      }
    } else {
      if (deadline >= 0) {
        wait = Math.min(wait, deadline - now);
      }
      if (refreshAt >= 0) {
        wait = Math.min(wait, refreshAt - now);
      }
      if (heartbeatNanos > 0) {
        wait = Math.min(wait, conn.lastHeard + 2 * heartbeatNanos - now);
      }
    }
    return Math.max(0, wait);
  }

  private void runTimers() {
    long now = System.nanoTime();
    if (conn == null) {
      if (reconnectAt >= 0 && now - reconnectAt >= 0) {
        reconnectAt = -1;
        connect();
      }
      return;
    }
    if (deadline >= 0 && now - deadline >= 0) {
      lost(new TaskpulseException(0, TaskpulseException.UNREACHABLE, "no answer from the server"
          + " while " + phase.name().toLowerCase(java.util.Locale.ROOT)), false);
      return;
    }
    if (heartbeatNanos > 0 && now - conn.lastHeard > 2 * heartbeatNanos) {
      lost(new TaskpulseException(0, TaskpulseException.UNREACHABLE, "the server sent nothing,"
          + " not even a ping, for " + TimeUnit.NANOSECONDS.toSeconds(2 * heartbeatNanos)
          + " s"), false);
      return;
    }
    if (refreshAt >= 0 && now - refreshAt >= 0) {
      refreshToken();
    }
  }

  private void handle(Signal s) {
    if (s instanceof Wake) {
      return;
    }
    Connection c = s.conn();
    if (c != conn) {
      c.discard(); // a connection given up on: its late news does not matter
      return;
    }
    if (s instanceof Opened) {
      authenticate();
    } else if (s instanceof OpenFailed f) {
      lost(unreachable("cannot open a WebSocket to " + config.webSocketUri(), f.cause()), false);
    } else if (s instanceof Text t) {
      onMessage(t.text());
      if (conn == c) {
        c.handled(t.text());
      }
    } else if (s instanceof Closed cl) {
      onClosed(cl.code(), cl.reason());
    } else if (s instanceof Failed f) {
      TaskpulseException cause = f.cause() instanceof TaskpulseException te ? te
          : unreachable("the connection failed", f.cause());
      if (f.permanent()) {
        stop(cause);
      } else {
        lost(cause, false);
      }
    }
  }

  private void connect() {
    setState(ConnectionState.CONNECTING, null);
    Connection c = new Connection(inbox, config.maxMessageBytes(), stream);
    conn = c;
    phase = Phase.OPENING;
    deadline = System.nanoTime() + config.connectTimeout().plus(config.requestTimeout()).toNanos();
    try {
      http.newWebSocketBuilder()
          .connectTimeout(config.connectTimeout())
          .buildAsync(config.webSocketUri(), c)
          .whenComplete((ws, err) -> {
            if (err != null) {
              c.signal(new OpenFailed(c, unwrap(err)));
            }
          });
    } catch (RuntimeException e) {
      lost(unreachable("cannot open a WebSocket to " + config.webSocketUri(), e), false);
    }
  }

  /** Sends auth with a token fresh from the supplier: every (re)connect starts with one. */
  private void authenticate() {
    phase = Phase.AUTHENTICATING;
    deadline = System.nanoTime() + config.requestTimeout().toNanos();
    String token = token();
    if (token == null) {
      return;
    }
    currentToken = token;
    send(auth(token, null));
  }

  private String token() {
    try {
      String token = config.tokens().get();
      if (token != null && !token.isBlank()) {
        return token;
      }
      lost(new TaskpulseException(0, "no_token", "the token supplier returned no token"), false);
    } catch (RuntimeException e) {
      lost(new TaskpulseException(0, "no_token", "the token supplier failed: " + e, null, null,
          e), false);
    }
    return null;
  }

  private static String auth(String token, String id) {
    ObjectNode msg = Wire.MAPPER.createObjectNode();
    msg.put("type", "auth");
    if (id != null) {
      msg.put("id", id);
    }
    msg.put("token", token);
    return msg.toString();
  }

  private void subscribe() {
    subId = "s" + (++subscribes);
    ObjectNode msg = Wire.MAPPER.createObjectNode();
    msg.put("type", "subscribe");
    msg.put("id", subId);
    msg.put("stream", stream);
    if (lastOffset >= 0) {
      msg.put("after", lastOffset);
      if (epoch != null) {
        msg.put("epoch", epoch);
      }
    }
    if (!filter.isEmpty()) {
      ObjectNode f = msg.putObject("filter");
      if (!filter.statuses().isEmpty()) {
        ArrayNode statuses = f.putArray("status");
        filter.statuses().forEach(statuses::add);
      }
      if (filter.assignee() != null) {
        f.put("assignee", filter.assignee());
      }
      if (!filter.types().isEmpty()) {
        ArrayNode types = f.putArray("types");
        filter.types().forEach(types::add);
      }
    }
    phase = Phase.SUBSCRIBING;
    awaitingSnapshot = false;
    deadline = System.nanoTime() + config.requestTimeout().toNanos();
    send(msg.toString());
  }

  // ---- Messages ----

  private void onMessage(String text) {
    JsonNode m;
    try {
      m = Wire.MAPPER.readTree(text);
    } catch (IOException e) {
      log.log(System.Logger.Level.WARNING, "unreadable message on " + stream + " ignored");
      return;
    }
    if (m == null || !m.isObject()) {
      return;
    }
    switch (m.path("type").asText("")) {
      case "hello" -> onHello(m);
      case "subscribed" -> onSubscribed(m);
      case "snapshot" -> onSnapshot(m);
      case "event" -> onEvent(m);
      case "error" -> onError(m);
      case "authenticated" -> scheduleRefresh(currentToken);
      default -> { } // pong, unsubscribed, and message types of later versions
    }
  }

  private void onHello(JsonNode m) {
    if (phase != Phase.AUTHENTICATING) {
      return;
    }
    conn.helloSeen = true;
    heartbeatNanos = TimeUnit.SECONDS.toNanos(Math.max(1, m.path("heartbeatSeconds").asInt(25)));
    conn.lastHeard = System.nanoTime();
    scheduleRefresh(currentToken);
    subscribe();
  }

  private void onSubscribed(JsonNode m) {
    if (phase != Phase.SUBSCRIBING || !m.path("id").asText("").equals(subId)) {
      return;
    }
    phase = Phase.LIVE;
    deadline = -1;
    boolean recovered = m.path("recovered").asBoolean(false);
    if (recovered) {
      epoch = m.path("epoch").asText(epoch); // the same log: the offset we resume after is its
    }
    // Not recovered: keep the old epoch until the snapshot brings the new offset with its own.
    awaitingSnapshot = !recovered;
    backoff.reset();
    setState(ConnectionState.CONNECTED, null);
  }

  private void onSnapshot(JsonNode m) {
    if (phase != Phase.LIVE || !awaitingSnapshot
        || (m.has("id") && !m.path("id").asText("").equals(subId))) {
      return;
    }
    Snapshot snapshot;
    try {
      snapshot = Wire.read(m, Snapshot.class);
    } catch (RuntimeException e) {
      stop(new TaskpulseException(0, "malformed", "cannot read the snapshot: " + e, null, null,
          e));
      return;
    }
    awaitingSnapshot = false;
    if (snapshot.epoch() != null) {
      epoch = snapshot.epoch();
    }
    lastOffset = snapshot.offset();
    Snapshot narrowed = narrow(snapshot);
    deliver(() -> listener.onSnapshot(narrowed));
  }

  /** The server's snapshot holds every visible task of the stream: apply the filter here. */
  private Snapshot narrow(Snapshot s) {
    if (filter.statuses().isEmpty() && filter.assignee() == null) {
      return s;
    }
    List<Task> kept = s.tasks().stream()
        .filter(t -> filter.statuses().isEmpty() || filter.statuses().contains(t.status()))
        .filter(t -> filter.assignee() == null || filter.assignee().equals(t.assignee()))
        .toList();
    return new Snapshot(s.stream(), s.offset(), s.epoch(), kept, s.entries(), s.complete());
  }

  private void onEvent(JsonNode m) {
    if (phase != Phase.LIVE || awaitingSnapshot) {
      return;
    }
    JsonNode node = m.get("event");
    long offset = node == null ? -1 : node.path("offset").asLong(-1);
    if (offset <= lastOffset) {
      return; // already delivered: never twice, never backwards
    }
    Event event;
    try {
      event = Wire.read(node, Event.class);
    } catch (RuntimeException e) {
      stop(new TaskpulseException(0, "malformed", "cannot read event " + offset + ": " + e,
          null, null, e));
      return;
    }
    lastOffset = offset;
    deliver(() -> listener.onEvent(event));
  }

  private void onError(JsonNode m) {
    String id = m.path("id").asText(null);
    String code = m.path("code").asText("error");
    TaskpulseException error = new TaskpulseException(statusOf(code), code,
        m.path("message").asText(code));
    if (id == null) {
      pendingError = error; // says why the server is about to close the connection
      return;
    }
    if (!id.equals(subId)) {
      return; // an auth refresh refused: the server closes 4001 next
    }
    switch (code) {
      case "resubscribe" -> { // our place is lost, or our access changed: start from a snapshot
        lastOffset = -1;
        epoch = null;
        subscribe();
      }
      case "unavailable", "rate_limited" -> lost(error, false);
      default -> stop(error); // not_found, validation_failed, …: retrying will not help
    }
  }

  private void onClosed(int code, String reason) {
    TaskpulseException cause = pendingError != null ? pendingError
        : new TaskpulseException(statusOf(closeName(code)), closeName(code), "the server closed"
            + " the connection (" + code + (reason == null || reason.isEmpty() ? ""
            : " " + reason) + ")");
    switch (code) {
      // Unauthorized after hello: the token expired or a refresh was refused. Reconnect now
      // with a fresh token; a refusal before hello means the credentials are not accepted.
      case 4001 -> {
        if (conn.helloSeen) {
          lost(cause, true);
        } else {
          stop(cause);
        }
      }
      case 4003, 4400 -> stop(cause);
      default -> lost(cause, false); // 1001 going away, 4008 policy, 1006, …
    }
  }

  // ---- Token refresh ----

  /** Plans a fresh auth before {@code token} expires: half its remaining life, at most 60 s early. */
  private void scheduleRefresh(String token) {
    Optional<Instant> exp = Jwt.expiry(token);
    if (exp.isEmpty()) {
      refreshAt = -1;
      return;
    }
    long remaining = Duration.between(Instant.now(), exp.get()).toNanos();
    long margin = Math.min(MAX_REFRESH_MARGIN_NANOS, Math.max(0, remaining / 2));
    refreshAt = System.nanoTime() + Math.max(MIN_REFRESH_NANOS, remaining - margin);
  }

  private void refreshToken() {
    refreshAt = -1;
    String fresh;
    try {
      fresh = config.tokens().get();
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "token supplier failed; retrying in 1 s", e);
      refreshAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      return;
    }
    if (fresh == null || fresh.isBlank() || fresh.equals(currentToken)) {
      return; // a fixed token cannot be refreshed: the connection ends when it expires
    }
    currentToken = fresh;
    send(auth(fresh, "a" + (++auths)));
  }

  // ---- Connection changes ----

  /** The connection is gone: report it and plan a reconnect, now or after a backoff. */
  private void lost(TaskpulseException cause, boolean immediately) {
    drop(false);
    setState(ConnectionState.DISCONNECTED, cause);
    long delay = immediately ? 0 : backoff.next().toNanos();
    log.log(System.Logger.Level.DEBUG, () -> "subscription to " + stream + " lost its"
        + " connection (" + cause.getMessage() + "); reconnecting in "
        + TimeUnit.NANOSECONDS.toMillis(delay) + " ms");
    reconnectAt = System.nanoTime() + delay;
  }

  /** A permanent refusal: stop for good; the loop ends and reports ERROR. */
  private void stop(TaskpulseException cause) {
    drop(false);
    failure = cause;
  }

  private void drop(boolean polite) {
    Connection c = conn;
    conn = null;
    phase = null;
    subId = null;
    awaitingSnapshot = false;
    deadline = -1;
    refreshAt = -1;
    heartbeatNanos = 0;
    pendingError = null;
    if (c != null) {
      WebSocket ws = c.ws;
      if (polite && ws != null) {
        try {
          ws.sendClose(WebSocket.NORMAL_CLOSURE, "closed by the client").get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
          // closing anyway
        }
      }
      c.discard();
    }
  }

  private boolean send(String text) {
    Connection c = conn;
    WebSocket ws = c == null ? null : c.ws;
    if (ws == null) {
      return false;
    }
    try {
      ws.sendText(text, true).get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException e) {
      lost(unreachable("cannot send to the server", e.getCause()), false);
    } catch (TimeoutException e) {
      lost(unreachable("sending to the server timed out", e), false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeRequested = true;
    }
    return false;
  }

  // ---- Listener calls ----

  private void setState(ConnectionState next, Throwable cause) {
    if (reported == next) {
      return;
    }
    reported = next;
    state = next;
    deliver(() -> listener.onStateChange(next, cause));
  }

  private void deliver(Runnable call) {
    callbackLock.lock();
    try {
      if (!closed) {
        call.run();
      }
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "listener of " + stream + " threw; continuing", e);
    } finally {
      callbackLock.unlock();
    }
  }

  // ---- Helpers ----

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private static TaskpulseException unreachable(String what, Throwable cause) {
    return new TaskpulseException(0, TaskpulseException.UNREACHABLE, what + ": " + cause, null,
        null, cause);
  }

  private static String closeName(int code) {
    return switch (code) {
      case 1001 -> "going_away";
      case 4001 -> "unauthorized";
      case 4003 -> "forbidden";
      case 4008 -> "policy";
      case 4400 -> "malformed";
      default -> "closed";
    };
  }

  /** The HTTP status that goes with a contract code, so a live refusal reads like an HTTP one. */
  static int statusOf(String code) {
    return switch (code) {
      case "bad_request", "validation_failed", "malformed" -> 400;
      case "unauthorized", "token_expired" -> 401;
      case "forbidden" -> 403;
      case "not_found" -> 404;
      case "invalid_transition", "conflict" -> 409;
      case "version_mismatch" -> 412;
      case "too_large" -> 413;
      case "rate_limited", "too_many_connections", "too_many_subscriptions", "policy" -> 429;
      case "unavailable" -> 503;
      default -> 0;
    };
  }
}
