package io.taskpulse.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Redis for tests, as DESIGN says: {@link #shared()} is the server named by
 * {@code TASKPULSE_TEST_REDIS_URL} when set, else the local one on 127.0.0.1:6379 when it
 * answers, else a private redis-server of its own. {@link #start()} is always a private
 * redis-server on a free port, for a test that stops and starts it like an outage without
 * touching anyone else's Redis. With {@code CI=true}, a test that cannot get its Redis fails
 * instead of skipping.
 *
 * <p>Nodes of different test databases may share one Redis: their channels are named by the
 * log's epoch, so they never hear each other.
 */
public final class TestRedis implements AutoCloseable {

  static final String LOCAL = "redis://127.0.0.1:6379";

  private final String url;
  private final int port;
  private final Path dir;
  private Process process;

  private TestRedis(String url, int port, Path dir) {
    this.url = url;
    this.port = port;
    this.dir = dir;
  }

  /** A Redis that may be shared with other tests: the given one, the local one, or our own. */
  public static TestRedis shared() {
    return shared(System.getenv());
  }

  /** {@link #shared()} with the environment given, so the choice itself can be tested. */
  static TestRedis shared(Map<String, String> env) {
    String given = env.get("TASKPULSE_TEST_REDIS_URL");
    if (given != null && !given.isBlank()) {
      if (!answers(given)) {
        unavailable("TASKPULSE_TEST_REDIS_URL=" + given + " does not answer PING", env);
      }
      return new TestRedis(given, -1, null);
    }
    if (answers(LOCAL)) {
      return new TestRedis(LOCAL, -1, null);
    }
    return start(env);
  }

  /** A private redis-server on a free port, which the test may {@link #kill} and restart. */
  public static TestRedis start() {
    return start(System.getenv());
  }

  private static TestRedis start(Map<String, String> env) {
    String binary = findBinary(env);
    try {
      int port = ServerProcess.freePort();
      TestRedis redis = new TestRedis("redis://127.0.0.1:" + port, port,
          Files.createTempDirectory("taskpulse-redis"));
      redis.launch(binary);
      return redis;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String findBinary(Map<String, String> env) {
    for (String candidate : new String[] {"/usr/bin/redis-server", "/usr/local/bin/redis-server",
        "/usr/sbin/redis-server"}) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    unavailable("redis-server is not installed", env);
    return null;
  }

  private static void unavailable(String why, Map<String, String> env) {
    if ("true".equals(env.get("CI"))) {
      throw new IllegalStateException(why + " (CI=true: Redis tests must run)");
    }
    Assumptions.abort(why);
  }

  /** Whether a Redis at {@code url} answers PING within a second (no password support). */
  static boolean answers(String url) {
    URI uri = URI.create(url);
    int port = uri.getPort() < 0 ? 6379 : uri.getPort();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(uri.getHost(), port), 1_000);
      s.setSoTimeout(1_000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] reply = new byte[7];
      int n = in.readNBytes(reply, 0, reply.length);
      return new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  private void launch(String binary) {
    try {
      process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind",
          "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (answers(url)) {
        return;
      }
      sleep(50);
    }
    throw new IllegalStateException("redis-server did not start on port " + port);
  }

  public String url() {
    return url;
  }

  /** Whether this is a redis-server of our own (which {@link #kill} and {@link #restart} need). */
  public boolean isPrivate() {
    return dir != null;
  }

  /** Kills Redis outright, like a crashed broker. Only a private one. */
  public void kill() throws InterruptedException {
    requirePrivate();
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Starts Redis again on the same port (empty: it keeps nothing). Only a private one. */
  public void restart() {
    requirePrivate();
    launch(findBinary(System.getenv()));
  }

  private void requirePrivate() {
    if (!isPrivate()) {
      throw new IllegalStateException("a shared Redis (" + url + ") is not ours to stop: use"
          + " TestRedis.start()");
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops a private redis-server; leaves a shared one running. */
  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
