package io.taskpulse.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.TestServer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /auth/refresh}: a fresh token with the account's current claims. */
class TokenRefreshTest {

  static TestServer server;
  static Api admin;
  static Api anonymous;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_TOKEN_TTL", "1h"));
    admin = server.asAdmin();
    anonymous = new Api(server.baseUrl(), null);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Api signIn(String user, String password) {
    Response r = anonymous.post("/api/v1/auth/login",
        "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return new Api(server.baseUrl(), r.json().get("token").asText());
  }

  private static void createUser(String id) {
    assertThat(admin.post("/api/v1/users",
        "{\"id\":\"" + id + "\",\"password\":\"password-" + id + "\"}").status()).isEqualTo(201);
  }

  @Test
  void refreshReturnsAWorkingTokenThatExpiresLaterWithTheUser() throws Exception {
    createUser("rita");
    Api rita = signIn("rita", "password-rita");
    Instant firstExpiry = Instant.parse(rita.get("/api/v1/me").json().get("expiresAt").asText());
    Thread.sleep(1_100); // token times have whole seconds

    Response r = rita.post("/api/v1/auth/refresh", null);

    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonNode body = r.json();
    assertThat(body.get("user").get("id").asText()).isEqualTo("rita");
    assertThat(body.get("user").has("passwordHash")).isFalse();
    Instant expiresAt = Instant.parse(body.get("expiresAt").asText());
    assertThat(expiresAt).isAfter(firstExpiry);
    Api refreshed = new Api(server.baseUrl(), body.get("token").asText());
    Response me = refreshed.get("/api/v1/me");
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.json().get("id").asText()).isEqualTo("rita");
    assertThat(Instant.parse(me.json().get("expiresAt").asText())).isEqualTo(expiresAt);
  }

  @Test
  void refreshedTokenCarriesTheTeamsAndRolesTheDatabaseHoldsNow() {
    createUser("sam");
    Api sam = signIn("sam", "password-sam");
    assertThat(sam.get("/api/v1/me").json().get("teams")).isEmpty();
    assertThat(admin.post("/api/v1/teams", "{\"id\":\"ops\"}").status()).isEqualTo(201);
    assertThat(admin.put("/api/v1/teams/ops/members/sam").status()).isEqualTo(200);
    assertThat(admin.patch("/api/v1/users/sam", "{\"roles\":[\"admin\"]}").status())
        .isEqualTo(200);

    Response r = sam.post("/api/v1/auth/refresh", null);

    assertThat(r.status()).as(r.text()).isEqualTo(200);
    Api refreshed = new Api(server.baseUrl(), r.json().get("token").asText());
    JsonNode me = refreshed.get("/api/v1/me").json();
    assertThat(me.get("teams").toString()).isEqualTo("[\"ops\"]");
    assertThat(me.get("admin").asBoolean()).isTrue();
    assertThat(r.json().get("user").get("teams").toString()).isEqualTo("[\"ops\"]");
  }

  @Test
  void aDisabledAccountCannotRefresh() {
    createUser("tom");
    Api tom = signIn("tom", "password-tom");
    assertThat(admin.patch("/api/v1/users/tom", "{\"disabled\":true}").status()).isEqualTo(200);

    Response r = tom.post("/api/v1/auth/refresh", null);

    assertThat(r.status()).isEqualTo(401);
    assertThat(r.errorCode()).isEqualTo("unauthorized");
    assertThat(r.json().get("error").get("message").asText()).contains("disabled");
  }

  @Test
  void aTokenWithoutABuiltInAccountCannotRefresh() {
    Api minted = new Api(server.baseUrl(), server.token("ghost", List.of("core"), false));
    assertThat(minted.get("/api/v1/me").status()).isEqualTo(200);

    Response r = minted.post("/api/v1/auth/refresh", null);

    assertThat(r.status()).isEqualTo(401);
    assertThat(r.json().get("error").get("message").asText()).contains("built-in");
  }

  @Test
  void refreshNeedsAValidToken() {
    Response none = anonymous.post("/api/v1/auth/refresh", null);
    Response bad = new Api(server.baseUrl(), "not-a-token").post("/api/v1/auth/refresh", null);

    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(bad.status()).isEqualTo(401);
  }
}
