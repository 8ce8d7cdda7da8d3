package io.taskpulse.server.transport;

import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.hub.Filter;
import io.taskpulse.server.hub.Hub;
import io.taskpulse.server.hub.Sink;
import io.taskpulse.server.hub.Subscription;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.log.Stream;
import io.taskpulse.server.tasks.Snapshot;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.time.Instant;
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
  private final Principal principal;
  private final Connections connections;
  private Subscription subscription;
  private boolean closed;
  private long heartbeatTimer = -1;
  private long expiryTimer = -1;

  public SseConnection(HttpServerResponse response, Vertx vertx, Principal principal,
      Connections connections) {
    this.response = response;
    this.vertx = vertx;
    this.principal = principal;
    this.connections = connections;
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
      if (!closed) {
        response.write(": keep-alive\n\n");
      }
    });
    long millis = Math.max(1, principal.expiresAt().toEpochMilli() - Instant.now().toEpochMilli());
    expiryTimer = vertx.setTimer(millis, t -> fail("token_expired",
        "the token expired; reconnect with a fresh one"));
    subscription = hub.subscribe("sse", streams, filter, this, after, epoch);
    return true;
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
    vertx.runOnContext(v -> {
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
  public String eventFrame(Subscription sub, LogEvent e, boolean lostSight) {
    String type = lostSight ? e.typeFor(principal) : e.type();
    return "id: " + e.offset() + "\nevent: " + type + "\ndata: "
        + (lostSight ? e.jsonFor(principal) : e.json())
        + "\n\n";
  }

  @Override
  public boolean write(String frame) {
    if (closed) {
      return false;
    }
    response.write(frame);
    return !response.writeQueueFull();
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
