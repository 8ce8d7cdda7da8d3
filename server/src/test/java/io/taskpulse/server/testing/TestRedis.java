package io.taskpulse.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A private redis-server on a free port, so a test can stop and start it like an outage
 * without touching anyone else's Redis. With {@code CI=true} a missing redis-server fails the
 * test instead of skipping it.
 */
public final class TestRedis implements AutoCloseable {

  private final int port;
  private final Path dir;
  private Process process;

  private TestRedis(int port, Path dir) {
    this.port = port;
    this.dir = dir;
  }

  public static TestRedis start() {
    String binary = findBinary();
    try {
      TestRedis redis = new TestRedis(ServerProcess.freePort(),
          Files.createTempDirectory("taskpulse-redis"));
      redis.launch(binary);
      return redis;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String findBinary() {
    for (String candidate : new String[] {"/usr/bin/redis-server", "/usr/local/bin/redis-server",
        "/usr/sbin/redis-server"}) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    String why = "redis-server is not installed";
    if ("true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(why + " (CI=true: Redis tests must run)");
    }
    Assumptions.abort(why);
    return null;
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
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        sleep(50);
      }
    }
    throw new IllegalStateException("redis-server did not start on port " + port);
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Kills Redis outright, like a crashed broker. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Starts Redis again on the same port (empty: it keeps nothing). */
  public void restart() {
    launch(findBinary());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      kill();
    }
  }
}
