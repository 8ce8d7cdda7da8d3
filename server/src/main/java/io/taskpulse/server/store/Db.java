package io.taskpulse.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.taskpulse.server.errors.Problem;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database: connection pools, migrations, and transactions. Every call blocks, so it runs
 * on a worker thread, never on an event loop.
 *
 * <p>SQLite allows one writer: writes share a single connection that begins its transactions
 * IMMEDIATE, so commit order is the order writers took that connection; reads use a separate
 * pool of WAL readers, each transaction a consistent snapshot. PostgreSQL uses one pool;
 * reads run REPEATABLE READ so a listing and its log offset come from one snapshot.
 */
public final class Db implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Db.class);

  /** The body of a transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Tx tx) throws SQLException;
  }

  /**
   * The log's head row, which every task change locks to take its offsets (EventLog): a group
   * locks it first and takes its offsets from the last one in memory (DeferredLog).
   */
  private static final String LOG_HEAD_LOCK =
      "SELECT last_offset FROM log_head WHERE id = 1 FOR UPDATE";

  private final Dialect dialect;
  private final HikariDataSource writers;
  private final HikariDataSource readers;
  /** PostgreSQL only: SQLite's one writer commits without waiting for a disk flush. */
  private final GroupCommit group;

  private Db(Dialect dialect, HikariDataSource writers, HikariDataSource readers) {
    this.dialect = dialect;
    this.writers = writers;
    this.readers = readers;
    this.group = dialect == Dialect.POSTGRESQL
        ? new GroupCommit(writers, dialect, LOG_HEAD_LOCK, this::translate) : null;
  }

  /** Opens the pools and brings the schema up to date. Fails fast if the database is away. */
  public static Db open(String jdbcUrl, int poolSize) {
    Dialect dialect = Dialect.of(jdbcUrl);
    HikariDataSource writers;
    HikariDataSource readers;
    if (dialect == Dialect.SQLITE) {
      writers = sqlitePool(jdbcUrl, "taskpulse-write", 1, "IMMEDIATE");
      readers = sqlitePool(jdbcUrl, "taskpulse-read", Math.max(2, poolSize), "DEFERRED");
    } else {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(jdbcUrl);
      config.setPoolName("taskpulse");
      config.setMaximumPoolSize(poolSize);
      config.setConnectionTimeout(3_000);
      config.setValidationTimeout(1_000);
      config.setInitializationFailTimeout(3_000);
      // A group's events go in one batch; as one multi-row INSERT, PostgreSQL parses it once.
      config.addDataSourceProperty("reWriteBatchedInserts", "true");
      try {
        writers = new HikariDataSource(config);
      } catch (RuntimeException e) {
        throw new Unreachable(redact(jdbcUrl), rootMessage(e));
      }
      readers = writers;
    }
    Db db = new Db(dialect, writers, readers);
    try {
      db.migrate();
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    return db;
  }

  private static HikariDataSource sqlitePool(String url, String name, int size, String txMode) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName(name);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(30_000);
    config.addDataSourceProperty("journal_mode", "WAL");
    // NORMAL in WAL mode survives a killed process; only a power cut may lose the last commits.
    config.addDataSourceProperty("synchronous", "NORMAL");
    config.addDataSourceProperty("busy_timeout", "10000");
    config.addDataSourceProperty("foreign_keys", "true");
    config.addDataSourceProperty("transaction_mode", txMode);
    return new HikariDataSource(config);
  }

  private void migrate() {
    Flyway.configure()
        .dataSource(writers)
        .locations("classpath:db/migration/common")
        .placeholders(Map.of("generated_id", dialect.generatedId()))
        .failOnMissingLocations(true)
        .load()
        .migrate();
  }

  public Dialect dialect() {
    return dialect;
  }

  /** Runs {@code work} in a write transaction and commits it; rolls back if it throws. */
  public <T> T write(Work<T> work) {
    try (Connection c = writers.getConnection(); Tx tx = new Tx(c, dialect)) {
      T result = work.run(tx);
      tx.commit();
      return result;
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  /**
   * Like {@link #write}, but on PostgreSQL {@code work} may share its transaction (and so its
   * commit's disk flush) with writes queued beside it, each in its own savepoint: used for
   * task changes, which end by appending to the log and so commit one at a time anyway.
   * Returns, or throws what {@code work} threw, only after that transaction ended. {@code work}
   * may run more than once (GroupCommit), so it must act only through {@code tx} and its result.
   */
  public <T> T writeGrouped(Work<T> work) {
    return group == null ? write(work) : group.write(work);
  }

  /** Runs {@code work} in a read-only transaction that sees one consistent snapshot. */
  public <T> T read(Work<T> work) {
    try (Connection c = readers.getConnection()) {
      if (dialect == Dialect.POSTGRESQL) {
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        c.setReadOnly(true);
      }
      try (Tx tx = new Tx(c, dialect)) {
        T result = work.run(tx);
        tx.commit();
        return result;
      } finally {
        if (dialect == Dialect.POSTGRESQL) {
          c.setReadOnly(false);
          c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        }
      }
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  /** True when a trivial query answers within a second. */
  public boolean isReachable() {
    try (Connection c = readers.getConnection()) {
      return c.isValid(1);
    } catch (SQLException e) {
      return false;
    }
  }

  /** Constraint violations are the caller's to map; a lost database is 503 for everyone. */
  private RuntimeException translate(SQLException e) {
    if (isUniqueViolation(e)) {
      return new UniqueViolation(e);
    }
    if (e instanceof SQLTransientConnectionException || isConnectionLoss(e)) {
      log.warn("database unavailable: {}", e.getMessage());
      return new Problem(Problem.Code.UNAVAILABLE, "the database is not reachable; retry shortly",
          Map.of("retryAfterSeconds", 2));
    }
    return new IllegalStateException("database error: " + e.getMessage(), e);
  }

  private static boolean isConnectionLoss(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.equals("57P01")
        || state.equals("57P02") || state.equals("57P03"));
  }

  static boolean isUniqueViolation(SQLException e) {
    String state = e.getSQLState();
    if ("23505".equals(state)) {
      return true;
    }
    String message = e.getMessage();
    return message != null && message.contains("UNIQUE constraint failed")
        || message != null && message.contains("PRIMARY KEY constraint failed");
  }

  /** The database did not answer at start; the caller may wait and try again. */
  public static final class Unreachable extends RuntimeException {
    Unreachable(String where, String why) {
      super("the database at " + where + " is not reachable: " + why);
    }
  }

  /** The URL without its query, where user names and passwords go. */
  static String redact(String jdbcUrl) {
    int q = jdbcUrl.indexOf('?');
    String base = q < 0 ? jdbcUrl : jdbcUrl.substring(0, q);
    return base.replaceFirst("//[^/@]*@", "//");
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** A write hit a unique key; callers turn it into 409 or an idempotent replay. */
  public static final class UniqueViolation extends RuntimeException {
    UniqueViolation(SQLException cause) {
      super(cause.getMessage(), cause);
    }
  }

  @Override
  public void close() {
    if (group != null) {
      group.close();
    }
    if (readers != writers) {
      readers.close();
    }
    writers.close();
  }
}
