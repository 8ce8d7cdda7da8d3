package io.taskpulse.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /auth/login} over real sockets from several loopback addresses: failures past a
 * few get 429 with {@code Retry-After}, run no hash, hold a name back only briefly, and one
 * address guessing many names is held back too.
 */
class LoginRateLimitTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of());
    Api admin = server.asAdmin();
    for (String user : new String[] {"victim", "walt"}) {
      assertThat(admin.post("/api/v1/users", "{\"id\":\"" + user + "\",\"password\":\"" + user
          + "-password\"}").status()).isEqualTo(201);
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** One reply to a login sent from {@code from} (a loopback address of its own). */
  record Reply(int status, String retryAfter, JsonNode body) {}

  static Reply login(String from, String user, String password) {
    String body = "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(from, 0));
      s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + bytes.length
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      InputStream in = s.getInputStream();
      String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(reply.substring(9, 12));
      Matcher retry = Pattern.compile("(?im)^retry-after: *(\\d+)").matcher(reply);
      String json = reply.substring(reply.indexOf("\r\n\r\n") + 4);
      return new Reply(status, retry.find() ? retry.group(1) : null, JSON.readTree(json));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static double counter(String outcome) {
    String metrics = new Api(server.baseUrl(), null).get("/metrics").text();
    Matcher m = Pattern.compile("(?m)^taskpulse_logins_total\\{outcome=\"" + outcome
        + "\"[^}]*\\} ([0-9.E+-]+)$").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void pastFiveFailuresANameIsRefusedWith429AndRetryAfterThenTheRealUserGetsIn()
      throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(login("127.0.0.2", "victim", "guess-" + i).status()).isEqualTo(401);
    }
    double failures = counter("failure");
    double throttled = counter("throttled");
    long t0 = System.nanoTime();
    // Even the right password, from another address: the name waits, and no hash runs.
    Reply refused = login("127.0.0.3", "victim", "victim-password");
    long refusedMillis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.retryAfter()).isEqualTo("1");
    assertThat(refused.body().at("/error/code").asText()).isEqualTo("rate_limited");
    assertThat(refused.body().at("/error/details/retryAfterSeconds").asLong()).isEqualTo(1);
    assertThat(counter("throttled")).isEqualTo(throttled + 1);
    assertThat(counter("failure")).isEqualTo(failures);
    System.out.printf("a throttled login answered in %d ms%n", refusedMillis);

    Thread.sleep(1_100);
    assertThat(login("127.0.0.3", "victim", "victim-password").status()).isEqualTo(200);
    // The success forgot the name's failures: a wrong password is a plain 401 again.
    assertThat(login("127.0.0.3", "victim", "wrong-again").status()).isEqualTo(401);
    assertThat(login("127.0.0.3", "victim", "victim-password").status()).isEqualTo(200);
  }

  @Test
  void eachFailurePastTheFreeOnesDoublesTheWait() throws Exception {
    for (int i = 0; i < 5; i++) {
      login("127.0.0.4", "walt", "guess-" + i);
    }
    assertThat(login("127.0.0.4", "walt", "guess").retryAfter()).isEqualTo("1");
    Thread.sleep(1_100);
    assertThat(login("127.0.0.4", "walt", "guess-6").status()).isEqualTo(401);
    assertThat(login("127.0.0.4", "walt", "walt-password").retryAfter()).isEqualTo("2");
    Thread.sleep(2_100);
    assertThat(login("127.0.0.4", "walt", "guess-7").status()).isEqualTo(401);
    assertThat(login("127.0.0.4", "walt", "walt-password").retryAfter()).isEqualTo("4");
  }

  @Test
  void oneAddressGuessingManyNamesIsRefusedAfterTwentyFailuresAndOthersAreNot() {
    for (int i = 0; i < 20; i++) {
      assertThat(login("127.0.0.5", "nobody-" + i, "whatever-password").status())
          .isEqualTo(401);
    }
    Reply refused = login("127.0.0.5", "nobody-else", "whatever-password");
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.retryAfter()).isEqualTo("1");
    assertThat(login("127.0.0.6", "nobody-else", "whatever-password").status())
        .isEqualTo(401);
  }
}
