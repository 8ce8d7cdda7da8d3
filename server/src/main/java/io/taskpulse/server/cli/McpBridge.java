package io.taskpulse.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MCP over stdio for assistants that launch their tools as programs, forwarded to a server's
 * Streamable HTTP endpoint. Each line on stdin is one JSON-RPC message and is POSTed as it is;
 * each message the server answers (a JSON body, or each event of an SSE stream) becomes one
 * line on stdout. Nothing else is ever written to stdout: logs go to stderr.
 *
 * <p>A forwarder rather than an MCP server of its own, so the assistant negotiates with the
 * real server (versions, capabilities, tools) and sees exactly its answers. The bridge keeps
 * the session: it takes {@code Mcp-Session-Id} from the initialize answer and sends it, with
 * the negotiated {@code MCP-Protocol-Version}, on every later POST. When the server has
 * forgotten the session (404), it replays the assistant's initialize once and resends the
 * message, so a long-lived assistant survives a server restart or an idle expiry. At the end
 * of stdin, or when the process is told to stop, it ends the session with DELETE.
 *
 * <p>Requests go out concurrently (an assistant may send a call while another runs), at most
 * {@link #IN_FLIGHT} at once; the reader waits when that many are open. A line longer than
 * {@code maxLineChars} characters is refused without being read into memory.
 */
final class McpBridge {

  static final int IN_FLIGHT = 8;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger log = LoggerFactory.getLogger(McpBridge.class);

  private final URI endpoint;
  private final String token;
  private final PrintStream out;
  private final int maxLineChars;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final Object session = new Object();
  private String sessionId;
  private String protocolVersion;
  private String initializeLine;
  private String initializedLine;

  McpBridge(URI endpoint, String token, PrintStream out, int maxLineChars) {
    this.endpoint = endpoint;
    this.token = token;
    this.out = out;
    this.maxLineChars = maxLineChars;
  }

  /** Forwards until stdin ends; then ends the session. */
  void run(InputStream in) throws IOException, InterruptedException {
    Thread hook = new Thread(this::endSession, "taskpulse-mcp-bridge-exit");
    Runtime.getRuntime().addShutdownHook(hook);
    ExecutorService pool = new ThreadPoolExecutor(IN_FLIGHT, IN_FLIGHT, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(1), r -> {
          Thread t = new Thread(r, "taskpulse-mcp-bridge");
          t.setDaemon(true);
          return t;
        }, (task, executor) -> {
          try {
            executor.getQueue().put(task); // the reader waits for a free place
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RejectedExecutionException(e);
          }
        });
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    try {
      String line;
      while ((line = readLine(reader)) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode msg = parse(line);
        if (msg == null) {
          continue;
        }
        if ("initialize".equals(msg.path("method").asText())) {
          forward(line, msg); // later messages need its session: not concurrently
        } else {
          String l = line;
          pool.execute(() -> forward(l, msg));
        }
      }
    } finally {
      pool.shutdown();
      pool.awaitTermination(30, TimeUnit.SECONDS);
      endSession();
    }
  }

  /** One line, or null at the end; an over-long line is skipped and refused. */
  private String readLine(BufferedReader reader) throws IOException {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int c = reader.read();
      if (c == -1) {
        return sb.length() == 0 ? null : sb.toString();
      }
      if (c == '\n') {
        return sb.toString();
      }
      if (sb.length() < maxLineChars) {
        sb.append((char) c);
      } else {
        while (c != -1 && c != '\n') {
          c = reader.read();
        }
        log.warn("a message longer than {} characters was refused", maxLineChars);
        write(error(null, -32600, "message larger than " + maxLineChars + " characters"));
        return "";
      }
    }
  }

  private JsonNode parse(String line) {
    try {
      JsonNode msg = JSON.readTree(line);
      if (msg != null && (msg.isObject() || msg.isArray())) {
        return msg;
      }
    } catch (IOException e) {
      // answered below
    }
    log.warn("stdin: not a JSON-RPC message: {}", abbreviate(line));
    write(error(null, -32700, "parse error: not a JSON-RPC message"));
    return null;
  }

  private void forward(String line, JsonNode msg) {
    JsonNode id = msg.isObject() ? msg.get("id") : null;
    String method = msg.path("method").asText("");
    try {
      boolean initialize = method.equals("initialize");
      if (initialize) {
        synchronized (session) {
          initializeLine = line;
        }
      } else if (method.equals("notifications/initialized")) {
        synchronized (session) {
          initializedLine = line;
        }
      }
      HttpResponse<InputStream> r = post(line, initialize ? null : currentSession());
      if (r.statusCode() == 404 && !initialize && currentSession() != null) {
        r.body().close();
        log.info("the server forgot the session; starting a new one");
        if (reinitialize()) {
          r = post(line, currentSession());
        }
      }
      if (initialize && r.statusCode() == 200) {
        r.headers().firstValue("Mcp-Session-Id").ifPresent(s -> {
          synchronized (session) {
            sessionId = s;
          }
        });
      }
      relay(r, id, initialize);
    } catch (IOException e) {
      log.warn("{} failed: {}", endpoint, e.toString());
      if (id != null) {
        write(error(id, -32603, "cannot reach Taskpulse at " + endpoint + ": " + e.getMessage()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Replays the assistant's initialize (and initialized) for a new session. */
  private boolean reinitialize() throws IOException, InterruptedException {
    String init;
    String initialized;
    synchronized (session) {
      init = initializeLine;
      initialized = initializedLine;
      sessionId = null;
    }
    if (init == null) {
      return false;
    }
    HttpResponse<InputStream> r = post(init, null);
    Optional<String> id = r.headers().firstValue("Mcp-Session-Id");
    r.body().close();
    if (r.statusCode() != 200 || id.isEmpty()) {
      log.warn("a new session was refused: HTTP {}", r.statusCode());
      return false;
    }
    synchronized (session) {
      sessionId = id.get();
    }
    if (initialized != null) {
      post(initialized, id.get()).body().close();
    }
    return true;
  }

  private HttpResponse<InputStream> post(String body, String session)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(endpoint)
        .timeout(Duration.ofSeconds(120))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    String version = currentVersion();
    if (session != null) {
      b.header("Mcp-Session-Id", session);
      if (version != null) {
        b.header("MCP-Protocol-Version", version);
      }
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  /** Writes what the server answered, one JSON-RPC message per line. */
  private void relay(HttpResponse<InputStream> r, JsonNode id, boolean initialize)
      throws IOException {
    String type = r.headers().firstValue("Content-Type").orElse("");
    try (InputStream body = r.body()) {
      if (type.startsWith("text/event-stream")) {
        for (String data : events(body)) {
          JsonNode m = JSON.readTree(data);
          remember(m, initialize);
          write(m);
        }
        return;
      }
      byte[] bytes = body.readAllBytes();
      JsonNode m = bytes.length == 0 ? null : readOrNull(bytes);
      if (m != null && (m.has("result") || m.has("error")) && m.has("jsonrpc")) {
        remember(m, initialize);
        write(m); // a result, or the server's own JSON-RPC error (400, 404, …)
      } else if (r.statusCode() >= 400 && id != null) {
        String why = m != null && m.path("error").has("message")
            ? m.path("error").path("message").asText() : "HTTP " + r.statusCode();
        log.warn("Taskpulse answered {}: {}", r.statusCode(), why);
        write(error(id, -32000, "Taskpulse answered " + r.statusCode() + ": " + why));
      } else if (r.statusCode() >= 400) {
        log.warn("Taskpulse answered {} to a notification", r.statusCode());
      }
    }
  }

  /** The negotiated version, from the initialize result, for MCP-Protocol-Version. */
  private void remember(JsonNode m, boolean initialize) {
    if (initialize && m.path("result").has("protocolVersion")) {
      synchronized (session) {
        protocolVersion = m.path("result").path("protocolVersion").asText();
      }
    }
  }

  /** The data of each SSE event (multi-line data joined by newlines), in order. */
  static List<String> events(InputStream body) throws IOException {
    List<String> out = new ArrayList<>();
    BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    StringBuilder data = new StringBuilder();
    String line;
    while ((line = r.readLine()) != null) {
      if (line.isEmpty()) {
        if (data.length() > 0) {
          out.add(data.toString());
          data.setLength(0);
        }
      } else if (line.startsWith("data:")) {
        if (data.length() > 0) {
          data.append('\n');
        }
        data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
      }
    }
    if (data.length() > 0) {
      out.add(data.toString());
    }
    return out;
  }

  /**
   * Ends the session once: at the end of stdin, or on SIGTERM (how assistants stop tools).
   * Assistants often close stdin and send SIGTERM a moment later, so the shutdown hook waits
   * here for a DELETE the reader already started.
   */
  private synchronized void endSession() {
    String s;
    synchronized (session) {
      s = sessionId;
      sessionId = null;
    }
    if (s == null) {
      return;
    }
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10))
          .header("Authorization", "Bearer " + token).header("Mcp-Session-Id", s).DELETE();
      String version = currentVersion();
      if (version != null) {
        b.header("MCP-Protocol-Version", version);
      }
      int status = http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      log.debug("session ended: HTTP {}", status);
    } catch (IOException e) {
      log.debug("could not end the session: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String currentSession() {
    synchronized (session) {
      return sessionId;
    }
  }

  private String currentVersion() {
    synchronized (session) {
      return protocolVersion;
    }
  }

  private void write(JsonNode message) {
    String line = message.toString(); // compact: never a newline inside
    synchronized (out) {
      out.print(line);
      out.print('\n');
      out.flush();
    }
  }

  private static JsonNode readOrNull(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      return null;
    }
  }

  private static ObjectNode error(JsonNode id, int code, String message) {
    ObjectNode e = JSON.createObjectNode().put("jsonrpc", "2.0");
    e.set("id", id);
    e.putObject("error").put("code", code).put("message", message);
    return e;
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "…";
  }
}
