package io.taskpulse.server.store;

/** What differs between the two databases; everything else is one SQL code path. */
public enum Dialect {
  SQLITE("sqlite"),
  POSTGRESQL("postgresql");

  private final String migrations;

  Dialect(String migrations) {
    this.migrations = migrations;
  }

  public static Dialect of(String jdbcUrl) {
    if (jdbcUrl.startsWith("jdbc:sqlite:")) {
      return SQLITE;
    }
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    throw new IllegalArgumentException("unsupported database URL (jdbc:sqlite: or jdbc:postgresql:)");
  }

  /** Flyway location of this database's migrations. */
  public String migrationLocation() {
    return "classpath:db/migration/" + migrations;
  }

  /** Row lock for read-modify-write; SQLite's single writer needs none. */
  public String forUpdate() {
    return this == POSTGRESQL ? " FOR UPDATE" : "";
  }

  /** Row lock that passes over rows another writer holds (claims); SQLite needs none. */
  public String forUpdateSkipLocked() {
    return this == POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "";
  }
}
