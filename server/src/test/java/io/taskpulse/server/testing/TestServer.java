package io.taskpulse.server.testing;

import io.taskpulse.server.Config;
import io.taskpulse.server.Taskpulse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A real Taskpulse node on port 0 for tests, with a known secret and admin password. */
public final class TestServer implements AutoCloseable {

  public static final String SECRET = "test-secret-test-secret-test-secret-0123456789";
  public static final String ADMIN_PASSWORD = "admin-password";

  private final Taskpulse node;
  private final Path dataDir;

  private TestServer(Taskpulse node, Path dataDir) {
    this.node = node;
    this.dataDir = dataDir;
  }

  public static TestServer start(String jdbcUrl) {
    return start(jdbcUrl, Map.of());
  }

  /** Starts a node on {@code jdbcUrl} (null: SQLite in a temp dir) with extra settings. */
  public static TestServer start(String jdbcUrl, Map<String, String> extra) {
    return start(jdbcUrl, extra, Clock.systemUTC());
  }

  /** As {@link #start(String, Map)}, reading the time from {@code clock} (a {@link TestClock}). */
  public static TestServer start(String jdbcUrl, Map<String, String> extra, Clock clock) {
    try {
      return start(Files.createTempDirectory("taskpulse-node"), 0, jdbcUrl, extra, clock);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Starts a node on a given port and data directory, with SQLite in that directory: after
   * {@link #close()}, the same node comes back where clients and its log left it (the same
   * database, so the same epoch). A new directory is a new database.
   */
  public static TestServer startAt(int port, Path dataDir, Map<String, String> extra) {
    return startAt(port, dataDir, extra, Clock.systemUTC());
  }

  /** As {@link #startAt(int, Path, Map)}, reading the time from {@code clock}. */
  public static TestServer startAt(int port, Path dataDir, Map<String, String> extra,
      Clock clock) {
    return start(dataDir, port, null, extra, clock);
  }

  private static TestServer start(Path dataDir, int port, String jdbcUrl,
      Map<String, String> extra, Clock clock) {
    try {
      Files.createDirectories(dataDir);
      Map<String, String> settings = new HashMap<>();
      settings.put("TASKPULSE_PORT", Integer.toString(port));
      settings.put("TASKPULSE_HOST", "127.0.0.1");
      settings.put("TASKPULSE_DATA_DIR", dataDir.toString());
      settings.put("TASKPULSE_JWT_SECRET", SECRET);
      settings.put("TASKPULSE_ADMIN_PASSWORD", ADMIN_PASSWORD);
      settings.put("TASKPULSE_DB_POOL_SIZE", "8");
      if (jdbcUrl != null) {
        settings.put("TASKPULSE_DATABASE_URL", jdbcUrl);
      }
      settings.putAll(extra);
      return new TestServer(Taskpulse.start(Config.from(settings), clock), dataDir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public Taskpulse node() {
    return node;
  }

  public int port() {
    return node.port();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + node.port();
  }

  public Path dataDir() {
    return dataDir;
  }

  public String token(String user, List<String> teams, boolean admin) {
    return node.tokens().sign(user, teams, admin, Duration.ofHours(1));
  }

  /** An HTTP client acting as {@code user} in {@code teams}. */
  public Api as(String user, String... teams) {
    return new Api(baseUrl(), token(user, List.of(teams), false));
  }

  public Api asAdmin() {
    return new Api(baseUrl(), token("admin", List.of(), true));
  }

  @Override
  public void close() {
    node.close();
  }
}
