package io.taskpulse.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real WebSocket client for tests (the JDK's): collects every message, records the close
 * code, and can stop reading to play a slow consumer.
 */
public final class WsClient implements WebSocket.Listener, AutoCloseable {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final LinkedBlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private final AtomicBoolean paused = new AtomicBoolean();
  private volatile WebSocket socket;

  public static WsClient connect(String baseUrl, String query) {
    return connect(baseUrl, query, null);
  }

  public static WsClient connect(String baseUrl, String query, String origin) {
    WsClient client = new WsClient();
    WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    if (origin != null) {
      b.header("Origin", origin);
    }
    String url = baseUrl.replaceFirst("^http", "ws") + "/api/v1/ws" + (query == null ? "" : query);
    client.socket = b.buildAsync(URI.create(url), client).join();
    return client;
  }

  /** Connects, authenticates, and waits for hello. */
  public static WsClient open(String baseUrl, String token) {
    WsClient c = connect(baseUrl, null);
    c.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
    JsonNode hello = c.next();
    if (!hello.path("type").asText().equals("hello")) {
      throw new AssertionError("expected hello, got " + hello);
    }
    return c;
  }

  public void send(String text) {
    socket.sendText(text, true).join();
  }

  /** Subscribes and returns the {@code subscribed} reply. */
  public JsonNode subscribe(String id, String stream, Long after, String epoch) {
    send("{\"type\":\"subscribe\",\"id\":\"" + id + "\",\"stream\":\"" + stream + "\""
        + (after == null ? "" : ",\"after\":" + after)
        + (epoch == null ? "" : ",\"epoch\":\"" + epoch + "\"") + "}");
    return nextOfType("subscribed");
  }

  /** The next message, waiting up to 10 s. */
  public JsonNode next() {
    return next(10_000);
  }

  public JsonNode next(long timeoutMillis) {
    try {
      JsonNode m = messages.poll(timeoutMillis, TimeUnit.MILLISECONDS);
      if (m == null) {
        throw new AssertionError("no message within " + timeoutMillis + " ms");
      }
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The next message, or null if none arrives within the time. */
  public JsonNode poll(long timeoutMillis) {
    try {
      return messages.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  public JsonNode nextOfType(String type) {
    JsonNode m = next();
    if (!m.path("type").asText().equals(type)) {
      throw new AssertionError("expected " + type + ", got " + m);
    }
    return m;
  }

  /** Collects {@code count} event messages (skipping nothing else silently: fails on others). */
  public List<JsonNode> events(int count, long timeoutMillis) {
    List<JsonNode> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (out.size() < count) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      JsonNode m = left <= 0 ? null : poll(left);
      if (m == null) {
        throw new AssertionError("got " + out.size() + " of " + count + " events");
      }
      if (!m.path("type").asText().equals("event")) {
        throw new AssertionError("expected an event, got " + m);
      }
      JsonNode event = m.get("event");
      if (event instanceof com.fasterxml.jackson.databind.node.ObjectNode o && m.has("_receivedNanos")) {
        o.put("_receivedNanos", m.get("_receivedNanos").asLong());
      }
      out.add(event);
    }
    return out;
  }

  public int pending() {
    return messages.size();
  }

  /** Stops asking for messages: the server's writes back up, like a stalled reader. */
  public void pause() {
    paused.set(true);
  }

  public void resumeReading() {
    if (paused.compareAndSet(true, false)) {
      socket.request(1);
    }
  }

  /** The close code the server sent, waiting up to the given time. */
  public int closeCode(long timeoutMillis) {
    try {
      return closed.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("not closed within " + timeoutMillis + " ms");
    }
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  @Override
  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      try {
        JsonNode m = MAPPER.readTree(partial.toString());
        if (m instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
          o.put("_receivedNanos", System.nanoTime()); // when it arrived, for latency figures
        }
        messages.add(m);
      } catch (Exception e) {
        messages.add(MAPPER.createObjectNode().put("type", "unparseable"));
      }
      partial.setLength(0);
    }
    if (!paused.get()) {
      ws.request(1);
    }
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
    closed.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    closed.complete(-1);
  }

  /** Drops the TCP connection without a close handshake. */
  public void abort() {
    socket.abort();
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      socket.abort();
    }
  }
}
