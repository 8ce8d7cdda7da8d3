package io.taskpulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * How long an assistant's tool call takes to reach a live dashboard: the time from the start of
 * an MCP {@code report_progress} call (the SDK's own client, Streamable HTTP) until a WebSocket
 * subscriber of the task receives its event, next to the same for an HTTP
 * {@code POST /tasks/{id}/progress}. Calls are sequential and interleaved, one MCP then one
 * HTTP, so both see the same machine. Prints p50/p90/p99/max per run and the medians of runs.
 *
 * <pre>./taskpulse bench mcp [--calls 300 --runs 3] [--url U --secret S]</pre>
 */
final class McpScenario {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Unmeasured calls of each kind first: the JIT needs about this many. */
  private static final int WARMUP_CALLS = 1_000;

  private final Target node;
  private final Bench options;

  McpScenario(Target node, Bench options) {
    this.node = node;
    this.options = options;
  }

  int run() throws Exception {
    String target = node.uri.toString();
    int calls = options.calls;
    int runs = options.runs;
    int warmup = WARMUP_CALLS;
    String token = node.token("bench-assistant");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Events events = new Events();
    McpSyncClient mcp = McpClient.sync(HttpClientStreamableHttpTransport.builder(target)
            .endpoint("/api/v1/mcp")
            .httpRequestCustomizer((b, m, u, body, c) -> b.header("Authorization",
                "Bearer " + token))
            .build())
        .requestTimeout(Duration.ofSeconds(30)).build();
    try {
      mcp.initialize();
      String id = post(http, target, token, "/api/v1/tasks", "{\"title\":\"latency probe\"}")
          .get("id").asText();
      long head = get(http, target, token, "/api/v1/tasks?limit=1").get("offset").asLong();
      WebSocket ws = http.newWebSocketBuilder()
          .buildAsync(URI.create(target.replaceFirst("^http", "ws") + "/api/v1/ws"), events)
          .get(10, TimeUnit.SECONDS);
      ws.sendText("{\"type\":\"auth\",\"token\":\"" + token + "\"}", true);
      ws.sendText("{\"type\":\"subscribe\",\"id\":\"s\",\"stream\":\"task:" + id + "\","
          + "\"after\":" + head + "}", true);

      Report report = new Report("mcp", node);
      List<Double> mcpP50 = new ArrayList<>();
      List<Double> mcpP99 = new ArrayList<>();
      List<Double> httpP50 = new ArrayList<>();
      List<Double> httpP99 = new ArrayList<>();
      int[] progress = {0};
      measure(mcp, http, target, token, id, events, warmup, progress, null, null);
      for (int run = 1; run <= runs; run++) {
        Histogram viaMcp = new Histogram(60_000_000L, 3);
        Histogram viaHttp = new Histogram(60_000_000L, 3);
        measure(mcp, http, target, token, id, events, calls, progress, viaMcp, viaHttp);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("run", run);
        row.put("calls", calls);
        row.put("mcp p50 ms", ms(viaMcp, 50));
        row.put("mcp p90 ms", ms(viaMcp, 90));
        row.put("mcp p99 ms", ms(viaMcp, 99));
        row.put("mcp max ms", viaMcp.getMaxValue() / 1000.0);
        row.put("http p50 ms", ms(viaHttp, 50));
        row.put("http p99 ms", ms(viaHttp, 99));
        report.row(row);
        mcpP50.add(ms(viaMcp, 50));
        mcpP99.add(ms(viaMcp, 99));
        httpP50.add(ms(viaHttp, 50));
        httpP99.add(ms(viaHttp, 99));
      }
      report.summary("target", target);
      report.summary("median of runs, mcp p50 ms", String.format("%.2f", Report.median(mcpP50)));
      report.summary("median of runs, mcp p99 ms", String.format("%.2f", Report.median(mcpP99)));
      report.summary("median of runs, http p50 ms", String.format("%.2f",
          Report.median(httpP50)));
      report.summary("median of runs, http p99 ms", String.format("%.2f",
          Report.median(httpP99)));
      report.print();
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
      return 0;
    } finally {
      mcp.closeGracefully();
    }
  }

  /** {@code n} MCP calls and {@code n} HTTP calls, alternating, each awaited at the socket. */
  private static void measure(McpSyncClient mcp, HttpClient http, String target, String token,
      String id, Events events, int n, int[] progress, Histogram viaMcp, Histogram viaHttp)
      throws Exception {
    for (int i = 0; i < 2 * n; i++) {
      boolean useMcp = i % 2 == 0;
      int p = progress[0] = (progress[0] + 1) % 101;
      events.queue.clear();
      long t0 = System.nanoTime();
      if (useMcp) {
        McpSchema.CallToolResult r = mcp.callTool(new McpSchema.CallToolRequest(
            "report_progress", Map.of("id", id, "progress", p)));
        if (Boolean.TRUE.equals(r.isError())) {
          throw new IllegalStateException("refused: " + r.content());
        }
      } else {
        post(http, target, token, "/api/v1/tasks/" + id + "/progress", "{\"progress\":" + p + "}");
      }
      long arrived = events.await(p);
      Histogram h = useMcp ? viaMcp : viaHttp;
      if (h != null) {
        h.recordValue(Math.max(1, (arrived - t0) / 1000));
      }
    }
  }

  private static double ms(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }

  private static JsonNode post(HttpClient http, String target, String token, String path,
      String body) throws Exception {
    return send(http, HttpRequest.newBuilder(URI.create(target + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)), token);
  }

  private static JsonNode get(HttpClient http, String target, String token, String path)
      throws Exception {
    return send(http, HttpRequest.newBuilder(URI.create(target + path)).GET(), token);
  }

  private static JsonNode send(HttpClient http, HttpRequest.Builder b, String token)
      throws Exception {
    HttpResponse<String> r = http.send(b.header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /** The subscriber: when each progress event arrives, by the progress it carries. */
  private static final class Events implements WebSocket.Listener {

    final BlockingQueue<long[]> queue = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      long at = System.nanoTime();
      partial.append(data);
      if (last) {
        try {
          JsonNode m = JSON.readTree(partial.toString());
          if (m.path("type").asText().equals("event")) {
            queue.add(new long[] {m.at("/event/task/progress").asLong(), at});
          }
        } catch (java.io.IOException e) {
          throw new IllegalStateException(e);
        }
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    long await(int progress) throws InterruptedException {
      while (true) {
        long[] e = queue.poll(10, TimeUnit.SECONDS);
        if (e == null) {
          throw new IllegalStateException("no event within 10 s for progress " + progress);
        }
        if (e[0] == progress) {
          return e[1];
        }
      }
    }
  }
}
