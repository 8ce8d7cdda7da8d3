package io.taskpulse.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Chromium;
import io.taskpulse.server.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The board with 2,000 tasks while 50 events a second arrive for five seconds: the final DOM
 * matches the server exactly, and the frame timing is recorded (with only a generous sanity
 * bound; the figures go to target/screenshots/board-load.txt).
 */
class DashboardLoadTest {

  static final int TASKS = 2_000;
  static final int EVENTS = 250;
  static final int EVENTS_PER_SECOND = 50;

  static Chromium chromium;
  static TestServer server;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() {
    chromium = Chromium.launch();
    server = TestServer.start(null);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (chromium != null) {
      chromium.close();
    }
  }

  @Test
  void theBoardWith2000TasksStaysCorrectUnder50EventsASecond() throws Exception {
    Dash.createUser(server.asAdmin(), "lou");
    Api lou = Dash.login(server.baseUrl(), "lou");
    List<String> pendingIds = Collections.synchronizedList(new ArrayList<>());
    Semaphore inFlight = new Semaphore(8);
    List<CompletableFuture<?>> creates = new ArrayList<>();
    AtomicInteger failures = new AtomicInteger();
    for (int i = 0; i < TASKS; i++) {
      String body = "{\"title\":\"Load task " + i + "\",\"assignee\":\"agent-" + (i % 7) + "\""
          + (i % 20 == 0 ? ",\"status\":\"disabled\"" : "") + "}";
      creates.add(send(lou, "POST", "/api/v1/tasks", body, inFlight, failures)
          .thenAccept(r -> {
            JsonNode t = json(r);
            if (t.get("status").asText().equals("pending")) {
              pendingIds.add(t.get("id").asText());
            }
          }));
    }
    CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new)).join();
    assertThat(failures.get()).isZero();
    List<String> pending = List.copyOf(pendingIds);
    assertThat(pending).hasSize(TASKS - TASKS / 20);

    BrowserContext context = chromium.context(server.baseUrl(), 1440, 900,
        com.microsoft.playwright.options.ColorScheme.LIGHT);
    try {
      Page page = context.newPage();
      long opened = System.currentTimeMillis();
      page.navigate("/");
      page.fill("#login-user", "lou");
      page.fill("#login-pass", Dash.password("lou"));
      page.click("form button[type=submit]");
      page.waitForFunction("(n) => document.querySelectorAll('.card').length === n", TASKS,
          new Page.WaitForFunctionOptions().setTimeout(30_000));
      long boardMs = System.currentTimeMillis() - opened;
      String renderMs = page.getAttribute("#board-body", "data-render-ms");

      page.evaluate("() => { window.__frames = []; window.__long = []; let last = performance.now();"
          + " const loop = (t) => { window.__frames.push(t - last); last = t;"
          + " if (!window.__stop) requestAnimationFrame(loop); }; requestAnimationFrame(loop);"
          + " new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); })"
          + ".observe({ type: 'longtask' }); }");

      // TASKPULSE_BOARD_TRACE=1 writes a Chromium trace of the events' seconds, for a profile.
      boolean trace = "1".equals(System.getenv("TASKPULSE_BOARD_TRACE"));
      if (trace) {
        context.browser().startTracing(page, new Browser.StartTracingOptions()
            .setPath(Chromium.SCREENSHOTS.resolve("board-trace.json")).setScreenshots(false));
      }
      // 50 events a second: starts, then progress reports and completions, paced in time.
      List<CompletableFuture<?>> events = new ArrayList<>();
      long t0 = System.nanoTime();
      int half = EVENTS / 2;
      for (int i = 0; i < EVENTS; i++) {
        long due = t0 + i * (1_000_000_000L / EVENTS_PER_SECOND);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        String id = pending.get(i % half);
        if (i < half) {
          events.add(send(lou, "POST", "/api/v1/tasks/" + id + "/start", null, inFlight, failures));
        } else if (i % 2 == 0) {
          events.add(send(lou, "POST", "/api/v1/tasks/" + id + "/progress",
              "{\"progress\":60,\"message\":\"step " + i + "\"}", inFlight, failures));
        } else {
          events.add(send(lou, "POST", "/api/v1/tasks/" + id + "/complete",
              "{\"output\":{\"n\":" + i + "}}", inFlight, failures));
        }
      }
      CompletableFuture.allOf(events.toArray(CompletableFuture[]::new)).join();
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (trace) {
        context.browser().stopTracing();
      }
      assertThat(failures.get()).isZero();

      long head = lou.get("/api/v1/health/ready").json().get("offset").asLong();
      // The views draw the store's changes in paced batches: wait for the one holding the head.
      page.waitForFunction("(h) => taskpulse.store.shownOffset >= h", (double) head);
      page.evaluate("() => { window.__stop = true; }");

      // The final DOM is exactly the server's state: every task, its status, version, column.
      Map<String, String> expected = new HashMap<>();
      for (JsonNode t : Dash.allTasks(lou)) {
        String s = t.get("status").asText();
        expected.put(t.get("id").asText(), s + ":" + t.get("version").asLong() + ":" + s);
      }
      @SuppressWarnings("unchecked")
      Map<String, String> shown = (Map<String, String>) page.evaluate("() => Object.fromEntries("
          + "[...document.querySelectorAll('.card')].map((c) => [c.dataset.id,"
          + " c.dataset.status + ':' + c.dataset.version + ':' + c.closest('.col').dataset.status]))");
      assertThat(expected).hasSize(TASKS);
      // Named differences, so that a failure says which cards are wrong rather than 2,000 lines.
      List<String> wrong = new ArrayList<>();
      expected.forEach((id, want) -> {
        if (!want.equals(shown.get(id))) {
          wrong.add("#" + id + " shown " + shown.get(id) + ", server " + want);
        }
      });
      shown.keySet().stream().filter(id -> !expected.containsKey(id))
          .forEach(id -> wrong.add("#" + id + " not on the server"));
      assertThat(wrong).as("cards that differ from the server").isEmpty();
      assertThat(page.textContent(".col[data-status=completed] .col-head .n"))
          .isEqualTo(Long.toString(expected.values().stream().filter(v -> v.startsWith("completed")).count()));
      // Each column newest first, also where moved cards landed in its chunks.
      @SuppressWarnings("unchecked")
      List<Boolean> ordered = (List<Boolean>) page.evaluate("() => [...document.querySelectorAll('.col')]"
          + ".map((c) => [...c.querySelectorAll('.card')].map((x) => Number(x.dataset.id))"
          + ".every((id, i, a) => i === 0 || a[i - 1] > id))");
      assertThat(ordered).containsOnly(true);

      @SuppressWarnings("unchecked")
      List<Number> frames = (List<Number>) page.evaluate("() => window.__frames.slice(1)");
      @SuppressWarnings("unchecked")
      List<Number> longTasks = (List<Number>) page.evaluate("() => window.__long");
      List<Double> f = frames.stream().map(Number::doubleValue).sorted().toList();
      double longTotal = longTasks.stream().mapToDouble(Number::doubleValue).sum();
      long slow = f.stream().filter(x -> x > 50).count();
      String report = String.format(java.util.Locale.ROOT,
          "board with %d tasks: first board %d ms after sign-in (initial render %s ms);"
              + " %d events in %.1f s (%.0f/s); frames: n=%d median=%.1f ms p95=%.1f ms p99=%.1f ms"
              + " max=%.1f ms, %d over 50 ms; long tasks: %d, %.0f ms in all",
          TASKS, boardMs, renderMs, EVENTS, seconds, EVENTS / seconds, f.size(), pct(f, 50),
          pct(f, 95), pct(f, 99), f.get(f.size() - 1), slow, longTasks.size(), longTotal);
      System.out.println(report);
      Files.createDirectories(Chromium.SCREENSHOTS);
      Files.writeString(Chromium.SCREENSHOTS.resolve("board-load.txt"), report + "\n");
      Chromium.screenshot(page, "board-2000");

      // The keyboard walks a column across its chunks: 40 steps down is the 41st card.
      page.focus(".col[data-status=pending] .card");
      for (int i = 0; i < 40; i++) {
        page.keyboard().press("ArrowDown");
      }
      assertThat(page.evaluate("() => document.activeElement.dataset.id")).isEqualTo(page.evaluate(
          "() => document.querySelectorAll('.col[data-status=pending] .card')[40].dataset.id"));

      // Generous sanity only: the page kept drawing frames while the events poured in.
      assertThat(f.size()).as("frames drawn in %.1f s", seconds).isGreaterThan((int) (seconds * 10));
      assertThat(pct(f, 50)).as("median frame").isLessThan(50.0);
    } finally {
      context.close();
    }
  }

  private static double pct(List<Double> sorted, int p) {
    int i = (int) Math.ceil(sorted.size() * p / 100.0) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  private static CompletableFuture<HttpResponse<String>> send(Api api, String method, String path,
      String body, Semaphore inFlight, AtomicInteger failures) {
    inFlight.acquireUninterruptibly();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + api.token())
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
      inFlight.release();
      if (e != null || r.statusCode() >= 300) {
        failures.incrementAndGet();
        System.err.println(method + " " + path + ": " + (e != null ? e : r.statusCode() + " " + r.body()));
      }
    });
  }

  private static JsonNode json(HttpResponse<String> r) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
