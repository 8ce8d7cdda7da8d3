package io.taskpulse.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Api.Response;
import io.taskpulse.server.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dashboard's files at / over plain HTTP: types, cache headers, and no API route shadowed. */
class DashboardServingTest {

  static TestServer server;
  static Api anonymous;

  @BeforeAll
  static void start() {
    server = TestServer.start(null);
    anonymous = new Api(server.baseUrl(), null);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void theRootServesThePageWithRevalidationAndAStrictContentSecurityPolicy() {
    Response r = anonymous.get("/");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("text/html");
    assertThat(r.text()).contains("<script type=\"module\" src=\"js/main.js\"></script>");
    assertThat(r.header("Cache-Control")).isEqualTo("no-cache");
    assertThat(r.header("Last-Modified")).isNotBlank();
    assertThat(r.header("Content-Security-Policy")).contains("default-src 'self'",
        "script-src 'self'", "frame-ancestors 'none'");
    assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
  }

  @Test
  void modulesAndStylesCarryTheirTypesAndAnUnchangedFileIsA304() {
    Response js = anonymous.get("/js/main.js");
    Response css = anonymous.get("/app.css");

    assertThat(js.status()).isEqualTo(200);
    assertThat(js.header("Content-Type")).startsWith("text/javascript");
    assertThat(js.text()).contains("import");
    assertThat(css.header("Content-Type")).startsWith("text/css");
    Response again = anonymous.send("GET", "/js/main.js", null,
        Map.of("If-Modified-Since", js.header("Last-Modified")));
    assertThat(again.status()).isEqualTo(304);
    assertThat(anonymous.send("HEAD", "/", null, Map.of()).status()).isEqualTo(200);
  }

  @Test
  void theApiMetricsAndHealthAreNeverShadowedByTheDashboard() {
    Response unknownApi = anonymous.get("/api/v1/index.html");
    Response unknownApiSignedIn = server.asAdmin().get("/api/v1/index.html");
    Response metrics = anonymous.get("/metrics");
    Response health = anonymous.get("/health/live");
    Response missing = anonymous.get("/no-such-file.js");

    assertThat(unknownApi.status()).isEqualTo(401);
    assertThat(unknownApiSignedIn.status()).isEqualTo(404);
    assertThat(unknownApiSignedIn.errorCode()).isEqualTo("not_found");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.text()).contains("taskpulse_");
    assertThat(health.json().get("status").asText()).isEqualTo("up");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.errorCode()).isEqualTo("not_found");
  }
}
