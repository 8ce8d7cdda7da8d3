package io.taskpulse.server.transport;

import io.taskpulse.server.auth.AccountCheck;
import io.taskpulse.server.auth.Principal;
import io.netty.buffer.Unpooled;
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
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.http.HttpServerResponse;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Server-Sent Events stream (PROTOCOL section 6): {@code id:} is the log offset, so the
 * browser's {@code Last-Event-ID} resumes it; {@code event: snapshot} comes first when there is
 * nothing to resume from. Lives on the event loop of its request.
 */
public final class SseConnection implements Sink, Connections.Live {

  private final HttpServerResponse response;
  private final Vertx vertx;
  private final Context context;
  /** The caller as the token says; {@link #principal} is what the records allow of it. */
  private final Principal fromToken;
  private Principal principal;
  private final AccountCheck accountCheck;
  private final Connections connections;
  private final Clock clock;
  private Subscription subscription;
  private Hub hub;
  private boolean closed;
  private long heartbeatTimer = -1;
  private long expiryTimer = -1;

  /**
   * @param fromToken the caller as the token says
   * @param principal the caller as the account's records allow it now
   * @param clock the node's clock, against which token expiry is timed
   */
  public SseConnection(HttpServerResponse response, Vertx vertx, Principal fromToken,
      Principal principal, AccountCheck accountCheck, Connections connections, Clock clock) {
    this.response = response;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.fromToken = fromToken;
    this.principal = principal;
    this.accountCheck = accountCheck;
    this.connections = connections;
    this.clock = clock;
  }

  /** Starts the stream; false (and a 429-like refusal) when the user has too many. */
  public boolean start(Hub hub, List<Stream> streams, Filter filter, Long after, String epoch,
      int heartbeatSeconds, int writeQueueBytes) {
    if (!connections.admit(principal.userId(), this)) {
      return false;
    }
    response.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .setWriteQueueMaxSize(writeQueueBytes);
    response.write("retry: 2000\n\n");
    response.closeHandler(v -> cleanUp());
    response.drainHandler(v -> {
      if (subscription != null) {
        subscription.resume();
      }
    });
    heartbeatTimer = vertx.setPeriodic(heartbeatSeconds * 1000L, t -> {
      if (!clock.instant().isBefore(principal.expiresAt())) {
        expire(); // the node's clock was moved past the expiry: the timer runs in real time
      } else if (!closed) {
        response.write(": keep-alive\n\n");
      }
    });
    long millis = Math.max(1, principal.expiresAt().toEpochMilli() - clock.millis());
    expiryTimer = vertx.setTimer(millis, t -> expire());
    this.hub = hub;
    subscription = hub.subscribe("sse", streams, filter, this, after, epoch);
    return true;
  }

  private void expire() {
    fail("token_expired", "the token expired; reconnect with a fresh one");
  }

  @Override
  public void recheck() {
    context.runOnContext(v -> {
      if (closed) {
        return;
      }
      Principal allowed = accountCheck.current(fromToken).orElse(null);
      if (allowed == null) {
        fail("account_disabled", "this account was disabled");
      } else if (!WebSocketConnection.sameSight(principal, allowed)) {
        // A team left or joined, or the admin role changed: start over from a snapshot, as
        // the WebSocket does (the stream ends; connect again without Last-Event-ID).
        principal = allowed;
        fail("resubscribe", WebSocketConnection.ACCESS_CHANGED);
      }
    });
  }

  private void fail(String code, String message) {
    if (closed) {
      return;
    }
    response.write("event: error\ndata: " + Json.write(Map.of("code", code, "message", message))
        + "\n\n");
    response.end();
    cleanUp();
  }

  private void cleanUp() {
    if (closed) {
      return;
    }
    closed = true;
    if (subscription != null) {
      subscription.close();
    }
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(expiryTimer);
    connections.release(principal.userId(), this);
  }

  @Override
  public void goingAway() {
    context.runOnContext(v -> { // the response's own event loop: no other may write to it
      if (!closed) {
        response.end();
        cleanUp();
      }
    });
  }

  @Override
  public String transport() {
    return "sse";
  }

  // ---- Sink ----

  @Override
  public Principal principal() {
    return principal;
  }

  @Override
  public String frameKey(Subscription sub) {
    return "sse";
  }

  @Override
  public String eventFrame(Subscription sub, LogEvent e, boolean retyped) {
    String type = retyped ? e.typeFor(principal) : e.type();
    return "id: " + e.offset() + "\nevent: " + type + "\ndata: "
        + (retyped ? e.jsonFor(principal) : e.json())
        + "\n\n";
  }

  @Override
  public boolean write(Frame frame) {
    if (closed) {
      return false;
    }
    // The shared UTF-8 bytes, wrapped, not copied: encoded once for every reader of the event.
    response.write(BufferInternal.buffer(Unpooled.wrappedBuffer(frame.utf8())));
    return !response.writeQueueFull();
  }

  private void write(String text) {
    if (!closed) {
      response.write(text);
    }
  }

  @Override
  public boolean writable() {
    return !closed && !response.writeQueueFull();
  }

  @Override
  public void subscribed(Subscription sub, long offset, boolean recovered) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("streams", sub.streams().stream().map(Stream::toString).toList());
    data.put("epoch", sub.epoch());
    data.put("offset", offset);
    data.put("recovered", recovered);
    write("event: subscribed\ndata: " + Json.write(data) + "\n\n");
  }

  @Override
  public void snapshot(Subscription sub, Snapshot snapshot) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("offset", snapshot.offset());
    data.put("epoch", snapshot.epoch());
    data.put("tasks", snapshot.tasks());
    if (!snapshot.entries().isEmpty()) {
      data.put("entries", snapshot.entries());
    }
    data.put("complete", snapshot.complete());
    write("id: " + snapshot.offset() + "\nevent: snapshot\ndata: " + Json.write(data) + "\n\n");
  }

  @Override
  public void failed(Subscription sub, String code, String message) {
    fail(code, message);
  }
}
