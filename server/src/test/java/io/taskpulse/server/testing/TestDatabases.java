package io.taskpulse.server.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * Databases for tests. SQLite is a fresh file. PostgreSQL is a fresh database on the server
 * named by {@code TASKPULSE_TEST_DATABASE_URL}, else the local one on 127.0.0.1:5432; with
 * {@code CI=true} a missing PostgreSQL fails the test instead of skipping it.
 */
public final class TestDatabases {

  private static final String DEFAULT_PG = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

  private TestDatabases() {}

  public static String sqlite() {
    try {
      Path dir = Files.createTempDirectory("taskpulse-test");
      return "jdbc:sqlite:" + dir.resolve("taskpulse.db");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The admin URL of the test PostgreSQL server; skips (or fails on CI) when none answers. */
  public static String postgresAdminUrl() {
    String url = System.getenv().getOrDefault("TASKPULSE_TEST_DATABASE_URL", DEFAULT_PG);
    try (Connection c = DriverManager.getConnection(url)) {
      return url;
    } catch (SQLException e) {
      String why = "no PostgreSQL at " + url + ": " + e.getMessage();
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(why + " (CI=true: PostgreSQL tests must run)", e);
      }
      Assumptions.abort(why);
      return null;
    }
  }

  /** Creates an empty database for one test class and returns its JDBC URL. */
  public static String freshPostgres() {
    String admin = postgresAdminUrl();
    String name = "tp_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(admin); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
    return withDatabase(admin, name);
  }

  /** Drops a database made by {@link #freshPostgres()}. */
  public static void dropPostgres(String url) {
    String name = url.replaceAll("^jdbc:postgresql://[^/]+/([^?]+).*$", "$1");
    try (Connection c = DriverManager.getConnection(postgresAdminUrl());
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      // a leftover test database is harmless; the next run uses a new name
    }
  }

  static String withDatabase(String adminUrl, String name) {
    return adminUrl.replaceFirst("^(jdbc:postgresql://[^/]+/)[^?]*", "$1" + name);
  }
}
