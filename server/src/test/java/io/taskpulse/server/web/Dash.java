package io.taskpulse.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import io.taskpulse.server.testing.Api;
import java.util.ArrayList;
import java.util.List;

/** What the dashboard tests share: accounts made through the API, signing in, waiting. */
final class Dash {

  private Dash() {}

  static String password(String user) {
    return "password-" + user;
  }

  /** A built-in account (so the dashboard can sign in as it), in the given teams. */
  static void createUser(Api admin, String id, String... teams) {
    Api.Response r = admin.post("/api/v1/users",
        "{\"id\":\"" + id + "\",\"name\":\"" + id + "\",\"password\":\"" + password(id) + "\"}");
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    for (String team : teams) {
      admin.post("/api/v1/teams", "{\"id\":\"" + team + "\"}"); // 409 when it exists
      assertThat(admin.put("/api/v1/teams/" + team + "/members/" + id).status()).isEqualTo(200);
    }
  }

  /** The API as that user, signed in with the password (a login token). */
  static Api login(String baseUrl, String user) {
    Api.Response r = new Api(baseUrl, null).post("/api/v1/auth/login",
        "{\"username\":\"" + user + "\",\"password\":\"" + password(user) + "\"}");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return new Api(baseUrl, r.json().get("token").asText());
  }

  /** Opens the dashboard in a new page and signs in; returns once the connection is live. */
  static Page signIn(BrowserContext ctx, String user) {
    Page page = ctx.newPage();
    page.navigate("/");
    page.fill("#login-user", user);
    page.fill("#login-pass", password(user));
    page.click("form button[type=submit]");
    awaitLive(page);
    return page;
  }

  static void awaitLive(Page page) {
    page.waitForSelector("#connection[data-state=connected]",
        new Page.WaitForSelectorOptions().setTimeout(15_000));
  }

  /** The board's card for a task, once it shows that version. */
  static void awaitCard(Page page, String id, long version) {
    page.waitForFunction("([id, v]) => { const c = document.querySelector(`.card[data-id=\"${id}\"]`);"
        + " return c && Number(c.dataset.version) >= v; }", List.of(id, (int) version));
  }

  /** Every task the user can see, through every page of the listing. */
  static List<JsonNode> allTasks(Api api) {
    List<JsonNode> out = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page = api.get("/api/v1/tasks?limit=500" + (cursor == null ? "" : "&cursor=" + cursor))
          .json();
      page.get("tasks").forEach(out::add);
      cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
    } while (cursor != null);
    return out;
  }

  static long version(Api.Response r) {
    assertThat(r.status()).as(r.text()).isBetween(200, 201);
    return r.json().get("version").asLong();
  }
}
