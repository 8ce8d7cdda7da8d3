package io.taskpulse.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.ColorScheme;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Chromium;
import io.taskpulse.server.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real Chromium against a real server: signing in, live propagation
 * between pages, every view with live data, the keyboard, and the server's refusals.
 * One browser for the class, a new context per test, an own account per test.
 */
class DashboardTest {

  static Chromium chromium;
  static TestServer server;
  static Api admin;
  BrowserContext context;

  @BeforeAll
  static void start() {
    chromium = Chromium.launch();
    server = TestServer.start(null);
    admin = server.asAdmin();
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

  @AfterEach
  void closeContext() {
    if (context != null) {
      context.close();
    }
  }

  @Test
  void signingInOpensTheLiveBoardAndAWrongPasswordShowsTheServersMessage() {
    Dash.createUser(admin, "dora");
    context = chromium.context(server.baseUrl());
    Page page = context.newPage();
    page.navigate("/");
    page.fill("#login-user", "dora");
    page.fill("#login-pass", "not-her-password");
    page.click("form button[type=submit]");
    page.waitForFunction("() => document.querySelector('#login-error').textContent.length > 0");
    assertThat(page.textContent("#login-error")).isEqualTo("wrong username or password");

    page.fill("#login-pass", Dash.password("dora"));
    page.click("form button[type=submit]");
    Dash.awaitLive(page);

    assertThat(page.url()).endsWith("#/board");
    assertThat(page.textContent("#who")).isEqualTo("dora");
    assertThat(page.textContent("#connection")).contains("Live · WebSocket");
    assertThat((String) page.evaluate("() => sessionStorage.getItem('taskpulse.session')"))
        .contains("\"token\"");

    page.click("#sign-out");
    page.waitForSelector("#login-user");
    assertThat(page.evaluate("() => sessionStorage.getItem('taskpulse.session')")).isNull();
  }

  @Test
  void aChangeInOnePageOrThroughTheApiShowsInAnotherPageWithin500Milliseconds() throws Exception {
    Dash.createUser(admin, "erin");
    Api erin = Dash.login(server.baseUrl(), "erin");
    String id = erin.create("{\"title\":\"Watched from two pages\"}");
    erin.post("/api/v1/tasks/" + id + "/start", null);
    context = chromium.context(server.baseUrl());
    Page writer = Dash.signIn(context, "erin");
    Page reader = Dash.signIn(context, "erin");
    Dash.awaitCard(reader, id, 2);
    // The reader notes when each version of the card is drawn, by the same clock as the test.
    reader.evaluate("() => { window.__seen = {}; new MutationObserver((ms) => { for (const m of ms) {"
        + " const c = m.target; if (c.dataset && c.dataset.id && c.dataset.version)"
        + " window.__seen[c.dataset.id + ':' + c.dataset.version] = Date.now(); } })"
        + ".observe(document.getElementById('columns'), { attributes: true, subtree: true,"
        + " attributeFilter: ['data-version'] }); }");
    writer.navigate("/#/tasks/" + id);
    writer.waitForSelector("#progress-form");

    List<Long> viaApi = new ArrayList<>();
    List<Long> viaPage = new ArrayList<>();
    long version = 2;
    for (int i = 1; i <= 20; i++) {
      long sent = System.currentTimeMillis();
      version = Dash.version(erin.post("/api/v1/tasks/" + id + "/progress",
          "{\"progress\":" + i + ",\"message\":\"api " + i + "\"}"));
      viaApi.add(seen(reader, id, version) - sent);
    }
    for (int i = 21; i <= 30; i++) {
      writer.fill("#progress-input", Integer.toString(i));
      long sent = ((Number) writer.evaluate("() => { const t = Date.now();"
          + " document.getElementById('progress-form').requestSubmit(); return t; }")).longValue();
      version++;
      viaPage.add(seen(reader, id, version) - sent);
    }

    List<Long> all = new ArrayList<>(viaApi);
    all.addAll(viaPage);
    String report = "propagation to another page, ms: api " + stats(viaApi) + "; page " + stats(viaPage)
        + "; all " + stats(all);
    System.out.println(report);
    Files.createDirectories(Chromium.SCREENSHOTS);
    Files.writeString(Chromium.SCREENSHOTS.resolve("propagation.txt"), report + "\n");
    assertThat(all).allSatisfy(ms -> assertThat(ms).isLessThan(500));
    assertThat(reader.textContent(".card[data-id=\"" + id + "\"] .pc")).isEqualTo("30%");
  }

  private static long seen(Page reader, String id, long version) {
    String key = id + ":" + version;
    reader.waitForFunction("(k) => window.__seen[k] !== undefined", key,
        new Page.WaitForFunctionOptions().setTimeout(5_000));
    return ((Number) reader.evaluate("(k) => window.__seen[k]", key)).longValue();
  }

  static String stats(List<Long> values) {
    List<Long> s = new ArrayList<>(values);
    Collections.sort(s);
    long median = s.get(s.size() / 2);
    long p99 = s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.99) - 1));
    return "n=" + s.size() + " median=" + median + " p99=" + p99 + " max=" + s.get(s.size() - 1);
  }

  @Test
  void everyViewShowsLiveDataInLightAndDarkAndAtPhoneWidth() throws IOException {
    Dash.createUser(admin, "vera", "t-vera");
    admin.post("/api/v1/projects", "{\"id\":\"p-vera\",\"name\":\"Vera's exports\",\"teamId\":\"t-vera\"}");
    Api vera = Dash.login(server.baseUrl(), "vera");
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    String base = ",\"projectId\":\"p-vera\",\"teamId\":\"t-vera\",\"dueAt\":\"" + today + "T12:00:00Z\"";
    String running = vera.create("{\"title\":\"Export contracts\",\"assignee\":\"agent-7\",\"priority\":\"high\"" + base + "}");
    vera.post("/api/v1/tasks/" + running + "/start", null);
    vera.post("/api/v1/tasks/" + running + "/progress", "{\"progress\":45,\"message\":\"page 9 of 20\"}");
    vera.post("/api/v1/tasks/" + running + "/entries", "{\"kind\":\"comment\",\"text\":\"Starting with Q4\"}");
    vera.post("/api/v1/tasks/" + running + "/entries", "{\"kind\":\"log\",\"text\":\"fetched 120 rows\"}");
    vera.post("/api/v1/tasks/" + running + "/entries", "{\"kind\":\"link\",\"text\":\"PR #42 opened\","
        + "\"data\":{\"url\":\"https://github.com/acme/exports/pull/42\",\"number\":42,"
        + "\"repository\":\"acme/exports\",\"title\":\"Export all contracts\",\"action\":\"opened\",\"merged\":false}}");
    String done = vera.create("{\"title\":\"Resize images\",\"assignee\":\"agent-7\"" + base + "}");
    vera.post("/api/v1/tasks/" + done + "/start", null);
    vera.post("/api/v1/tasks/" + done + "/complete", "{\"output\":{\"file\":\"contracts.zip\"}}");
    String failed = vera.create("{\"title\":\"Nightly backup\"" + base + "}");
    vera.post("/api/v1/tasks/" + failed + "/start", null);
    vera.post("/api/v1/tasks/" + failed + "/fail", "{\"error\":{\"message\":\"disk full\"}}");
    String pending = vera.create("{\"title\":\"Send invoices\"" + base + "}");
    String cancelled = vera.create("{\"title\":\"Old import\"" + base + "}");
    vera.post("/api/v1/tasks/" + cancelled + "/cancel", "{\"reason\":\"duplicate\"}");
    vera.create("{\"title\":\"Paused sync\",\"status\":\"disabled\"" + base + "}");
    String queued = vera.create("{\"title\":\"Render report\",\"queue\":\"q-vera\"" + base + "}");
    Api.Response claim = vera.post("/api/v1/queues/q-vera/claim", "{\"worker\":\"w-vera\",\"leaseSeconds\":600}");
    assertThat(claim.json().get("tasks").get(0).get("id").asText()).isEqualTo(queued);

    context = chromium.context(server.baseUrl());
    Page page = Dash.signIn(context, "vera");

    // Board: columns by status, a filter, a live move.
    page.waitForSelector(".col[data-status=running] .card[data-id=\"" + running + "\"]");
    assertThat(page.locator(".card").count()).isEqualTo(7);
    assertThat(page.textContent(".col[data-status=failed] .col-head .n")).isEqualTo("1");
    assertThat(page.textContent(".card[data-id=\"" + running + "\"]")).contains("45%", "page 9 of 20", "@agent-7");
    shots(page, "board");
    page.fill("#filter-q", "invoices");
    page.waitForFunction("() => document.getElementById('board-count').textContent.startsWith('1 of 7')");
    page.fill("#filter-q", "");
    page.waitForFunction("() => document.getElementById('board-count').textContent.startsWith('7 of 7')");
    vera.post("/api/v1/tasks/" + pending + "/start", null);
    page.waitForSelector(".col[data-status=running] .card[data-id=\"" + pending + "\"]");
    assertThat(page.getAttribute(".card[data-id=\"" + pending + "\"]", "class"))
        .as("briefly highlighted").containsPattern("flash-[ab]");
    page.waitForFunction("() => document.getElementById('announcer').textContent"
        + " === 'Send invoices: Running'");

    page.navigate("/#/board?view=list");
    page.waitForSelector("#task-list .row[data-id=\"" + done + "\"][data-status=completed]");
    assertThat(page.textContent("#task-list .row[data-id=\"" + done + "\"]")).contains("Completed", "Resize images");
    shots(page, "list");

    // Project dashboard: counts, completion, throughput; live.
    page.navigate("/#/projects/p-vera");
    page.waitForFunction("() => document.querySelector('[data-count=running]').textContent === '3'");
    assertThat(page.textContent("#project-title")).isEqualTo("Vera's exports");
    assertThat(page.textContent("[data-count=completed]")).isEqualTo("1");
    assertThat(page.textContent("[data-count=failed]")).isEqualTo("1");
    assertThat(page.textContent("#completion-pct")).isEqualTo("14% completed");
    assertThat(page.getAttribute("#project-throughput svg", "data-completed")).isEqualTo("1");
    assertThat(page.getAttribute("#project-throughput svg", "data-failed")).isEqualTo("1");
    shots(page, "project");
    vera.post("/api/v1/tasks/" + pending + "/complete", "{}");
    page.waitForFunction("() => document.querySelector('[data-count=completed]').textContent === '2'");
    assertThat(page.getAttribute("#project-throughput svg", "data-completed")).isEqualTo("2");

    // Calendar: chips on their due day, coloured and labelled by status; live.
    page.navigate("/#/calendar");
    String day = ".day[data-day=\"" + today + "\"]";
    page.waitForSelector(day + " .cal-chip[data-id=\"" + running + "\"][data-status=running]");
    assertThat(page.locator(day + " .cal-chip").count()).isEqualTo(7);
    assertThat(page.textContent(day + " .cal-chip[data-id=\"" + failed + "\"]")).contains("Nightly backup", "Failed");
    shots(page, "calendar");
    LocalDate now = LocalDate.now(ZoneOffset.UTC);
    String later = (now.getDayOfMonth() == 1 ? now.plusDays(1) : now.withDayOfMonth(1)).toString();
    vera.patch("/api/v1/tasks/" + failed, "{\"dueAt\":\"" + later + "T08:00:00Z\"}");
    page.waitForSelector(".day[data-day=\"" + later + "\"] .cal-chip[data-id=\"" + failed + "\"]");

    // Task detail: fields, progress, timeline with a pull-request link; live entries.
    page.navigate("/#/tasks/" + running);
    page.waitForSelector("#timeline li[data-kind=link]");
    assertThat(page.textContent("#task-title")).isEqualTo("#" + running + " Export contracts");
    assertThat(page.textContent("#progress-value")).isEqualTo("45%");
    assertThat(page.textContent("#progress-message")).isEqualTo("page 9 of 20");
    assertThat(page.textContent("[data-field=Assignee]")).isEqualTo("agent-7");
    assertThat(page.textContent("[data-field=Project]")).isEqualTo("Vera's exports");
    assertThat(page.textContent("[data-field=Priority]")).isEqualTo("high");
    assertThat(page.getAttribute("#timeline a.entry-link", "href")).isEqualTo("https://github.com/acme/exports/pull/42");
    assertThat(page.textContent("#timeline a.entry-link")).isEqualTo("acme/exports #42 Export all contracts");
    assertThat(page.locator("#timeline li").count()).isEqualTo(3);
    vera.post("/api/v1/tasks/" + running + "/entries", "{\"kind\":\"log\",\"text\":\"page 10 of 20\"}");
    page.waitForSelector("#timeline li:last-child:has-text('page 10 of 20')");
    vera.post("/api/v1/tasks/" + running + "/progress", "{\"progress\":50,\"message\":\"page 10 of 20\"}");
    page.waitForFunction("() => document.getElementById('progress-value').textContent === '50%'");
    shots(page, "task");
    page.navigate("/#/tasks/" + done);
    page.waitForSelector("#task-output");
    assertThat(page.textContent("#task-output")).contains("contracts.zip");
    page.navigate("/#/tasks/" + failed);
    page.waitForSelector("#task-error");
    assertThat(page.textContent("#task-error")).contains("disk full");

    // Activity: who did what through which door; per assignee, now and last.
    page.navigate("/#/activity");
    page.waitForSelector("#assignees [data-assignee=w-vera][data-kind=worker]");
    assertThat(page.textContent("#assignees [data-assignee=w-vera]")).contains("Running now", "Render report", "q-vera");
    assertThat(page.textContent("#assignees [data-assignee=agent-7]")).contains("Export contracts", "Resize images", "contracts.zip");
    page.waitForSelector("#activity-feed li[data-type='task.entry_added']");
    assertThat(page.textContent("#activity-feed")).contains("vera", "via http");
    vera.post("/api/v1/tasks/" + running + "/entries", "{\"kind\":\"comment\",\"text\":\"halfway there\"}");
    page.waitForSelector("#activity-feed li:first-child:has-text('halfway there')");
    shots(page, "activity");

    // Task manager: running with progress and elapsed time; finished with retry.
    page.navigate("/#/manager");
    page.waitForSelector("#manager-running .mrow[data-id=\"" + running + "\"]");
    page.waitForFunction("(id) => document.querySelector(`#manager-running .mrow[data-id=\"${id}\"] .elapsed`).textContent.length > 0", running);
    assertThat(page.textContent("#manager-running .mrow[data-id=\"" + running + "\"]")).contains("50%");
    assertThat(page.locator("#manager-finished .mrow[data-id=\"" + failed + "\"] [data-action=retry]").count()).isEqualTo(1);
    vera.post("/api/v1/tasks/" + running + "/progress", "{\"progress\":60}");
    page.waitForSelector("#manager-running .mrow[data-id=\"" + running + "\"] [data-progress='60']");
    shots(page, "manager");

    // A phone: the board and a task still work at 390 px.
    BrowserContext phone = chromium.context(server.baseUrl(), 390, 844, ColorScheme.LIGHT);
    try {
      Page small = Dash.signIn(phone, "vera");
      small.waitForSelector(".card[data-id=\"" + running + "\"]");
      assertThat(((Number) small.evaluate("() => document.documentElement.scrollWidth")).intValue())
          .as("no sideways scrolling of the page").isLessThanOrEqualTo(390);
      Chromium.screenshot(small, "board-phone");
      small.navigate("/#/tasks/" + running);
      small.waitForSelector("#timeline li");
      assertThat(((Number) small.evaluate("() => document.documentElement.scrollWidth")).intValue())
          .isLessThanOrEqualTo(390);
      Chromium.screenshot(small, "task-phone");
    } finally {
      phone.close();
    }
  }

  /** A screenshot in the light theme and one in the dark. */
  private static void shots(Page page, String name) {
    page.emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.LIGHT));
    page.waitForTimeout(250); // let the highlights of fresh changes fade a little
    Chromium.screenshot(page, name + "-light");
    page.emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.DARK));
    assertThat(page.evaluate("() => getComputedStyle(document.body).backgroundColor"))
        .isEqualTo("rgb(14, 16, 20)");
    Chromium.screenshot(page, name + "-dark");
    page.emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.LIGHT));
  }

  @Test
  void theKeyboardAloneCreatesMovesAndCancelsATask() {
    Dash.createUser(admin, "kim");
    Api kim = Dash.login(server.baseUrl(), "kim");
    context = chromium.context(server.baseUrl());
    Page page = Dash.signIn(context, "kim");

    page.keyboard().press("n");
    page.waitForSelector("dialog #f-title:focus");
    page.keyboard().type("Typed without a mouse");
    page.keyboard().press("Enter");
    page.waitForFunction("() => document.activeElement && document.activeElement.classList.contains('card')");
    String id = (String) page.evaluate("() => document.activeElement.dataset.id");
    assertThat(page.textContent(".col[data-status=pending] .card[data-id=\"" + id + "\"]"))
        .contains("Typed without a mouse");
    assertThat(page.evaluate("() => document.activeElement.matches(':focus-visible')"))
        .as("the focused card shows its focus").isEqualTo(true);

    page.keyboard().press("m");
    page.waitForSelector("dialog .move-list button[data-to=running]:focus");
    page.keyboard().press("Enter");
    page.waitForSelector(".col[data-status=running] .card[data-id=\"" + id + "\"]");
    page.waitForFunction("(id) => document.activeElement && document.activeElement.dataset.id === id", id);

    page.keyboard().press("m");
    page.waitForSelector("dialog .move-list button[data-to=completed]:focus");
    page.keyboard().press("ArrowDown");
    page.keyboard().press("ArrowDown");
    assertThat(page.evaluate("() => document.activeElement.dataset.to")).isEqualTo("cancelled");
    page.keyboard().press("Enter");
    page.waitForSelector(".col[data-status=cancelled] .card[data-id=\"" + id + "\"]");

    JsonNode task = kim.get("/api/v1/tasks/" + id).json();
    assertThat(task.get("title").asText()).isEqualTo("Typed without a mouse");
    assertThat(task.get("status").asText()).isEqualTo("cancelled");
    assertThat(task.get("ownerId").asText()).isEqualTo("kim");
  }

  @Test
  void anIllegalMoveShowsTheServersMessageAndTheCardStaysWhereTheServerHasIt() {
    Dash.createUser(admin, "ivy");
    Api ivy = Dash.login(server.baseUrl(), "ivy");
    String id = ivy.create("{\"title\":\"Already done\"}");
    ivy.post("/api/v1/tasks/" + id + "/start", null);
    long version = Dash.version(ivy.post("/api/v1/tasks/" + id + "/complete", "{}"));
    context = chromium.context(server.baseUrl());
    Page page = Dash.signIn(context, "ivy");
    String card = ".card[data-id=\"" + id + "\"]";
    page.waitForSelector(".col[data-status=completed] " + card);

    page.dragAndDrop(card, ".col[data-status=running]");

    page.waitForSelector(".toast.error");
    assertThat(page.textContent(".toast.error")).contains("cannot move a completed task to running");
    assertThat(page.locator(".col[data-status=completed] " + card).count()).isEqualTo(1);
    assertThat(page.getAttribute(card, "data-version")).isEqualTo(Long.toString(version));
    assertThat(ivy.get("/api/v1/tasks/" + id).json().get("status").asText()).isEqualTo("completed");
  }

  @Test
  void aStaleVersionIsRefusedWithTheServersMessageAndThePageShowsTheTrueState() {
    Dash.createUser(admin, "sol");
    Api sol = Dash.login(server.baseUrl(), "sol");
    String id = sol.create("{\"title\":\"First title\"}");
    context = chromium.context(server.baseUrl());
    Page page = Dash.signIn(context, "sol");
    page.navigate("/#/tasks/" + id);
    page.waitForSelector("#task-title:has-text('First title')");
    page.click("#edit-task");
    page.waitForSelector("#f-version:has-text('version 1')");

    sol.patch("/api/v1/tasks/" + id, "{\"title\":\"Changed elsewhere\"}");
    page.waitForSelector("#task-form-stale:has-text('now version 2')");
    page.fill("#f-title", "My edit");
    page.click("dialog button[type=submit]");

    page.waitForSelector("#task-form-error:has-text('version')");
    assertThat(page.textContent("#task-form-error")).isEqualTo("task is at version 2, not 1");
    assertThat(page.textContent("#task-title")).isEqualTo("#" + id + " Changed elsewhere");
    assertThat(page.locator(".toast.error").first().textContent()).contains("task is at version 2, not 1");
    assertThat(sol.get("/api/v1/tasks/" + id).json().get("title").asText()).isEqualTo("Changed elsewhere");
  }

  @Test
  void theTaskPageAddsEntriesSharesUnsharesAndDeletesOnlyAfterConfirmation() {
    Dash.createUser(admin, "uma");
    Dash.createUser(admin, "ben");
    Api uma = Dash.login(server.baseUrl(), "uma");
    String id = uma.create("{\"title\":\"Share me\"}");
    context = chromium.context(server.baseUrl());
    Page page = Dash.signIn(context, "uma");
    page.navigate("/#/tasks/" + id);
    page.waitForSelector("#task-title:has-text('Share me')");

    page.fill("#entry-text", "a note from the page");
    page.press("#entry-text", "Enter");
    page.waitForSelector("#timeline li[data-kind=comment]:has-text('a note from the page')");
    page.selectOption("#entry-kind", "link");
    page.fill("#entry-text", "Design doc");
    page.fill("#entry-url", "https://example.org/design");
    page.click("#entry-form button[type=submit]");
    page.waitForSelector("#timeline a.entry-link[href='https://example.org/design']");

    page.fill("#share-user", "ben");
    page.press("#share-user", "Enter");
    page.waitForSelector("#share-list [data-user=ben]");
    assertThat(uma.get("/api/v1/tasks/" + id).json().get("sharedWith").toString()).isEqualTo("[\"ben\"]");
    page.click("#share-list [data-user=ben] button");
    page.waitForSelector("#task-shares:has-text('Not shared with anyone')");
    assertThat(uma.get("/api/v1/tasks/" + id).json().get("sharedWith")).isEmpty();
    // The unshare's event reaches the owner too: she keeps the task in sight.
    int head = uma.get("/api/v1/tasks?limit=1").json().get("offset").asInt();
    page.waitForFunction("h => taskpulse.store.shownOffset >= h", head);
    assertThat(page.isVisible("#task-gone")).isFalse();
    assertThat(page.isVisible("#delete-task")).isTrue();

    page.click("#delete-task");
    page.waitForSelector("#confirm-no:focus");
    page.keyboard().press("Enter"); // "Keep it" has the focus: nothing is deleted
    page.waitForSelector("dialog", new Page.WaitForSelectorOptions()
        .setState(com.microsoft.playwright.options.WaitForSelectorState.DETACHED));
    assertThat(uma.get("/api/v1/tasks/" + id).status()).isEqualTo(200);
    page.click("#delete-task");
    page.click("#confirm-yes");
    page.waitForURL("**/#/board");
    assertThat(uma.get("/api/v1/tasks/" + id).status()).isEqualTo(404);
    assertThat(page.locator(".card[data-id=\"" + id + "\"]").count()).isZero();
    assertThat(admin.get("/api/v1/tasks/" + id + "/entries").status()).as("gone with its task")
        .isEqualTo(404);
  }

  @Test
  void leavingATeamTakesItsTasksOffTheBoardWithoutAReload() {
    Dash.createUser(admin, "rhea", "dash-ops");
    String teamTask = admin.create("{\"title\":\"Ops rota\",\"teamId\":\"dash-ops\"}");
    context = chromium.context(server.baseUrl());
    Page page = Dash.signIn(context, "rhea");
    page.waitForSelector(".card[data-id=\"" + teamTask + "\"]");

    assertThat(admin.delete("/api/v1/teams/dash-ops/members/rhea").status()).isEqualTo(200);
    page.waitForSelector(".card[data-id=\"" + teamTask + "\"]", new Page.WaitForSelectorOptions()
        .setState(com.microsoft.playwright.options.WaitForSelectorState.DETACHED)
        .setTimeout(5_000));
    Dash.awaitLive(page);
    assertThat(page.textContent("#connection")).contains("Live");
  }

  @Test
  void theTimelineFollowsNewEntriesUnlessTheReaderScrolledUp() {
    Dash.createUser(admin, "tim");
    Api tim = Dash.login(server.baseUrl(), "tim");
    String id = tim.create("{\"title\":\"Chatty task\"}");
    for (int i = 1; i <= 30; i++) {
      tim.post("/api/v1/tasks/" + id + "/entries", "{\"kind\":\"log\",\"text\":\"line " + i + "\"}");
    }
    context = chromium.context(server.baseUrl());
    Page page = Dash.signIn(context, "tim");
    page.navigate("/#/tasks/" + id);
    page.waitForFunction("() => document.querySelectorAll('#timeline li').length === 30");
    String atBottom = "() => { const t = document.getElementById('timeline');"
        + " return t.scrollHeight - t.scrollTop - t.clientHeight < 32; }";
    assertThat(page.evaluate(atBottom)).isEqualTo(true);

    tim.post("/api/v1/tasks/" + id + "/entries", "{\"kind\":\"log\",\"text\":\"line 31\"}");
    page.waitForFunction("() => document.querySelectorAll('#timeline li').length === 31");
    assertThat(page.evaluate(atBottom)).as("followed the new entry").isEqualTo(true);

    page.evaluate("() => { const t = document.getElementById('timeline'); t.scrollTop = 0;"
        + " t.dispatchEvent(new Event('scroll')); }");
    tim.post("/api/v1/tasks/" + id + "/entries", "{\"kind\":\"comment\",\"text\":\"line 32\"}");
    page.waitForSelector("#new-entries:has-text('1 new entry')");
    assertThat(((Number) page.evaluate("() => document.getElementById('timeline').scrollTop")).intValue())
        .as("stayed where the reader was").isZero();

    page.click("#new-entries");
    assertThat(page.evaluate(atBottom)).isEqualTo(true);
    assertThat(page.isHidden("#new-entries")).isTrue();
  }
}
