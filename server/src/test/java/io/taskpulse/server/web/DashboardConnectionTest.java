package io.taskpulse.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.options.WaitForSelectorState;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Chromium;
import io.taskpulse.server.testing.ServerProcess;
import io.taskpulse.server.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's live connection in a real Chromium: the badge through a server restart,
 * the fallbacks when WebSocket and then SSE are blocked, and a session that outlives several
 * short-lived tokens.
 */
class DashboardConnectionTest {

  static Chromium chromium;
  BrowserContext context;
  TestServer server;

  @BeforeAll
  static void launch() {
    chromium = Chromium.launch();
  }

  @AfterAll
  static void quit() {
    if (chromium != null) {
      chromium.close();
    }
  }

  @AfterEach
  void close() {
    if (context != null) {
      context.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static String badge(Page page) {
    return page.getAttribute("#connection", "data-state");
  }

  @Test
  void theBadgeGoesRedWhileTheServerIsAwayAndGreenAgainWithTheChangesMadeMeanwhile()
      throws Exception {
    int port = ServerProcess.freePort();
    Path dataDir = Files.createTempDirectory("taskpulse-restart");
    server = TestServer.startAt(port, dataDir, Map.of());
    Dash.createUser(server.asAdmin(), "ria");
    Api ria = Dash.login(server.baseUrl(), "ria");
    String before = ria.create("{\"title\":\"Before the restart\"}");
    context = chromium.context(server.baseUrl());
    Page page = Dash.signIn(context, "ria");
    page.waitForSelector(".card[data-id=\"" + before + "\"]");
    assertThat(badge(page)).isEqualTo("connected");

    server.close();
    server = null;
    page.waitForSelector("#connection[data-state=disconnected], #connection[data-state=error]",
        new Page.WaitForSelectorOptions().setTimeout(10_000));
    assertThat(page.evaluate("() => getComputedStyle(document.querySelector('#connection .dot')).backgroundColor"))
        .as("red").isEqualTo("rgb(239, 68, 68)");
    page.waitForSelector("#connection .countdown:has-text('retry in')");
    assertThat(page.isVisible("#connection button:has-text('Retry now')")).isTrue();
    Chromium.screenshot(page, "badge-disconnected");

    server = TestServer.startAt(port, dataDir, Map.of());
    // Changed while the page is still away (it is waiting out its backoff).
    ria.post("/api/v1/tasks/" + before + "/start", null);
    String during = ria.create("{\"title\":\"Made while the page was away\"}");

    page.waitForSelector("#connection[data-state=connected]", new Page.WaitForSelectorOptions().setTimeout(20_000));
    page.waitForSelector(".col[data-status=pending] .card[data-id=\"" + during + "\"]");
    page.waitForSelector(".col[data-status=running] .card[data-id=\"" + before + "\"]");
    assertThat(page.evaluate("() => getComputedStyle(document.querySelector('#connection .dot')).backgroundColor"))
        .as("green").isEqualTo("rgb(16, 185, 129)");
    assertThat(((Number) page.evaluate("() => taskpulse.live.stats.resumes")).intValue())
        .as("resumed from its offset, no new snapshot").isGreaterThanOrEqualTo(1);
    assertThat(((Number) page.evaluate("() => taskpulse.live.stats.snapshots")).intValue()).isEqualTo(1);
  }

  @Test
  void whenWebSocketIsBlockedTheDashboardFallsBackToSseAndSaysSoAndKeepsItAcrossTokens() {
    server = TestServer.start(null, Map.of("TASKPULSE_TOKEN_TTL", "5s"));
    Dash.createUser(server.asAdmin(), "sia");
    Api sia = new Api(server.baseUrl(), server.token("sia", List.of(), false));
    context = chromium.context(server.baseUrl());
    context.routeWebSocket(Pattern.compile(".*/api/v1/ws.*"), ws -> ws.close());
    Page page = Dash.signIn(context, "sia");

    assertThat(page.getAttribute("#connection", "data-transport")).isEqualTo("sse");
    assertThat(page.textContent("#connection .label")).isEqualTo("Live · SSE fallback");
    String id = sia.create("{\"title\":\"Seen over SSE\"}");
    page.waitForSelector(".card[data-id=\"" + id + "\"]");
    sia.post("/api/v1/tasks/" + id + "/start", null);
    page.waitForSelector(".col[data-status=running] .card[data-id=\"" + id + "\"]");
    Chromium.screenshot(page, "badge-sse");

    // The stream's token is in its URL: each refresh reopens it in place, never as a reconnect.
    page.waitForTimeout(7_000);
    assertThat(badge(page)).isEqualTo("connected");
    assertThat(page.getAttribute("#connection", "data-transport")).isEqualTo("sse");
    assertThat(((Number) page.evaluate("() => taskpulse.live.stats.opened")).intValue())
        .as("one WebSocket attempt, one SSE stream").isEqualTo(2);
    sia.post("/api/v1/tasks/" + id + "/complete", "{}");
    page.waitForSelector(".col[data-status=completed] .card[data-id=\"" + id + "\"]");
  }

  @Test
  void overSseLeavingATeamStartsTheStreamOverInPlaceWithoutItsTasks() {
    server = TestServer.start(null);
    Api admin = server.asAdmin();
    Dash.createUser(admin, "ria", "sse-crew");
    String crewTask = admin.create("{\"title\":\"Crew task\",\"teamId\":\"sse-crew\"}");
    context = chromium.context(server.baseUrl());
    context.routeWebSocket(Pattern.compile(".*/api/v1/ws.*"), ws -> ws.close());
    Page page = Dash.signIn(context, "ria");
    assertThat(page.getAttribute("#connection", "data-transport")).isEqualTo("sse");
    page.waitForSelector(".card[data-id=\"" + crewTask + "\"]");
    int opened = ((Number) page.evaluate("() => taskpulse.live.stats.opened")).intValue();

    assertThat(admin.delete("/api/v1/teams/sse-crew/members/ria").status()).isEqualTo(200);
    page.waitForSelector(".card[data-id=\"" + crewTask + "\"]", new Page.WaitForSelectorOptions()
        .setState(WaitForSelectorState.DETACHED).setTimeout(5_000));
    assertThat(badge(page)).isEqualTo("connected");
    assertThat(page.getAttribute("#connection", "data-transport")).isEqualTo("sse");
    assertThat(((Number) page.evaluate("() => taskpulse.live.stats.opened")).intValue())
        .as("a new stream in place, not a reconnect from WebSocket").isEqualTo(opened);
    String later = Dash.login(server.baseUrl(), "ria").create("{\"title\":\"After the change\"}");
    page.waitForSelector(".card[data-id=\"" + later + "\"]");
  }

  @Test
  void overLongPollLeavingATeamReloadsTheSnapshotWithoutItsTasks() {
    server = TestServer.start(null);
    Api admin = server.asAdmin();
    Dash.createUser(admin, "rue", "poll-crew");
    String crewTask = admin.create("{\"title\":\"Crew task\",\"teamId\":\"poll-crew\"}");
    context = chromium.context(server.baseUrl());
    context.routeWebSocket(Pattern.compile(".*/api/v1/ws.*"), ws -> ws.close());
    context.route("**/api/v1/events/stream**", Route::abort);
    Page page = Dash.signIn(context, "rue");
    assertThat(page.getAttribute("#connection", "data-transport")).isEqualTo("longpoll");
    page.waitForSelector(".card[data-id=\"" + crewTask + "\"]");

    // The poll waiting now wakes on the next event and sees that the account's sight moved.
    assertThat(admin.delete("/api/v1/teams/poll-crew/members/rue").status()).isEqualTo(200);
    assertThat(admin.post("/api/v1/tasks/" + crewTask + "/progress", "{\"progress\":10}")
        .status()).isEqualTo(200);
    page.waitForSelector(".card[data-id=\"" + crewTask + "\"]", new Page.WaitForSelectorOptions()
        .setState(WaitForSelectorState.DETACHED).setTimeout(5_000));
    assertThat(badge(page)).isEqualTo("connected");
    assertThat(page.getAttribute("#connection", "data-transport")).isEqualTo("longpoll");
    String later = Dash.login(server.baseUrl(), "rue").create("{\"title\":\"After the change\"}");
    page.waitForSelector(".card[data-id=\"" + later + "\"]");
    assertThat(page.isVisible(".card[data-id=\"" + crewTask + "\"]")).isFalse();
  }

  @Test
  void whenSseIsBlockedTooTheDashboardFallsBackToLongPollAndSaysSo() {
    server = TestServer.start(null);
    Dash.createUser(server.asAdmin(), "lia");
    Api lia = Dash.login(server.baseUrl(), "lia");
    String existing = lia.create("{\"title\":\"Loaded by listing\"}");
    context = chromium.context(server.baseUrl());
    context.routeWebSocket(Pattern.compile(".*/api/v1/ws.*"), ws -> ws.close());
    context.route("**/api/v1/events/stream**", Route::abort);
    Page page = Dash.signIn(context, "lia");

    assertThat(page.getAttribute("#connection", "data-transport")).isEqualTo("longpoll");
    assertThat(page.textContent("#connection .label")).isEqualTo("Live · long-poll fallback");
    page.waitForSelector(".card[data-id=\"" + existing + "\"]");
    String id = lia.create("{\"title\":\"Seen over long-poll\"}");
    page.waitForSelector(".card[data-id=\"" + id + "\"]");
    lia.post("/api/v1/tasks/" + id + "/start", null);
    page.waitForSelector(".col[data-status=running] .card[data-id=\"" + id + "\"]");
    assertThat(((Number) page.evaluate("() => taskpulse.live.stats.fallbacks")).intValue()).isEqualTo(2);
  }

  @Test
  void aSessionOutlivesSeveralShortTokensWithoutReconnecting() {
    server = TestServer.start(null, Map.of("TASKPULSE_TOKEN_TTL", "5s"));
    Dash.createUser(server.asAdmin(), "tia");
    Api tia = new Api(server.baseUrl(), server.token("tia", List.of(), false)); // an hour
    context = chromium.context(server.baseUrl());
    Page page = Dash.signIn(context, "tia");
    String first = (String) page.evaluate("() => taskpulse.session.token");

    page.waitForTimeout(12_000); // more than two token lifetimes

    assertThat(badge(page)).isEqualTo("connected");
    assertThat(page.evaluate("() => taskpulse.session.token")).isNotEqualTo(first);
    assertThat(((Number) page.evaluate("() => taskpulse.live.stats.opened")).intValue())
        .as("the WebSocket took each new token without reconnecting").isEqualTo(1);
    String id = tia.create("{\"title\":\"Still live\"}");
    page.waitForSelector(".card[data-id=\"" + id + "\"]");
    page.click("#new-task");
    page.fill("#f-title", "Created with a refreshed token");
    page.click("dialog button[type=submit]");
    page.waitForSelector(".card:has-text('Created with a refreshed token')");
    assertThat(page.isVisible("#login-user")).isFalse();
  }
}
