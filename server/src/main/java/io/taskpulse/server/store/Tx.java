package io.taskpulse.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One database transaction on one connection. Rolls back on close unless
 * {@link #commit()} ran, so an exception anywhere leaves nothing half-written.
 * Not thread-safe: it belongs to the worker thread that opened it.
 *
 * <p>A grouped transaction (PostgreSQL group commit) runs several items, one after another,
 * and must undo a failed item alone. An item that fails before it wrote has nothing to undo.
 * With savepoints, the item's savepoint is set right before its first statement that may
 * write, and a failure after that rolls back to it; without (a group's first attempt, since a
 * savepoint costs a round trip per item), an item that fails after it wrote cannot be undone
 * alone and the group runs again, with savepoints. Its events wait in its {@link DeferredLog}
 * until the group commits.
 */
public final class Tx implements AutoCloseable {

  /** Maps the current row of a result set. */
  @FunctionalInterface
  public interface Row<T> {
    T map(ResultSet rs) throws SQLException;
  }

  private final Connection connection;
  private final Dialect dialect;
  private final DeferredLog deferred;
  private final boolean savepoints;
  private boolean done;
  /** Grouped only: the item under way ran a statement that may write. */
  private boolean itemWrote;
  /** Grouped with savepoints: the savepoint of the item under way, once it is about to write. */
  private Savepoint itemSavepoint;
  /** Grouped only: a statement failed with no savepoint to go back to. */
  private boolean aborted;

  Tx(Connection connection, Dialect dialect) throws SQLException {
    this(connection, dialect, null, false);
  }

  /** A grouped transaction; {@code savepoints} says whether each item's writes can be undone. */
  Tx(Connection connection, Dialect dialect, DeferredLog deferred, boolean savepoints)
      throws SQLException {
    this.connection = connection;
    this.dialect = dialect;
    this.deferred = deferred;
    this.savepoints = savepoints;
    connection.setAutoCommit(false);
  }

  public Dialect dialect() {
    return dialect;
  }

  /**
   * In a grouped transaction, the log head and the events waiting for the shared commit
   * (EventLog appends there instead of writing at once); null in any other transaction.
   */
  public DeferredLog deferredLog() {
    return deferred;
  }

  /** Grouped: the next item starts; it has written nothing yet. */
  void beginItem() {
    itemWrote = false;
    itemSavepoint = null;
    deferred.beginItem();
  }

  /**
   * Grouped: undoes what the failed item under way wrote. False when that cannot be done:
   * it wrote with no savepoint to go back to, or a statement failed before the item's
   * savepoint (the database has then aborted the whole transaction). The group must then start
   * again without this item.
   */
  boolean undoItem() throws SQLException {
    deferred.dropItem();
    if (aborted || itemWrote && itemSavepoint == null) {
      return false;
    }
    if (itemSavepoint != null) {
      connection.rollback(itemSavepoint); // not released on success: that would cost a round trip
    }
    return true;
  }

  /** Grouped: notes the item's first statement that may write, and sets its savepoint. */
  private void beforeStatement(String sql) throws SQLException {
    if (deferred != null && !itemWrote && !isRead(sql)) {
      itemWrote = true;
      if (savepoints) {
        itemSavepoint = connection.setSavepoint();
      }
    }
  }

  /** A plain SELECT (locking or not) writes nothing; anything else may. */
  private static boolean isRead(String sql) {
    return sql.regionMatches(true, 0, "SELECT ", 0, 7);
  }

  /** Grouped: a failed statement without a savepoint leaves the transaction aborted. */
  private SQLException failed(SQLException e) {
    if (deferred != null && itemSavepoint == null) {
      aborted = true;
    }
    return e;
  }

  public int update(String sql, Object... args) throws SQLException {
    beforeStatement(sql);
    try (PreparedStatement ps = prepare(sql, args)) {
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  public <T> List<T> query(String sql, Row<T> row, Object... args) throws SQLException {
    beforeStatement(sql);
    try (PreparedStatement ps = prepare(sql, args); ResultSet rs = ps.executeQuery()) {
      List<T> out = new ArrayList<>();
      while (rs.next()) {
        out.add(row.map(rs));
      }
      return out;
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  public <T> Optional<T> one(String sql, Row<T> row, Object... args) throws SQLException {
    beforeStatement(sql);
    try (PreparedStatement ps = prepare(sql, args); ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.ofNullable(row.map(rs)) : Optional.empty();
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  /** For single-value queries (counts, RETURNING a key); fails if no row came back. */
  public long queryLong(String sql, Object... args) throws SQLException {
    return one(sql, rs -> rs.getLong(1), args)
        .orElseThrow(() -> new SQLException("no row returned by: " + sql));
  }

  /** Commits; a grouped transaction first writes the events its items appended. */
  public void commit() throws SQLException {
    if (deferred != null) {
      deferred.flush(connection);
    }
    connection.commit();
    done = true;
  }

  /**
   * Rolls back unless committed; the connection itself belongs to whoever opened it. A
   * connection already closed (the pool closes one whose link broke) has nothing to roll
   * back: the database ended the transaction with it, and a rollback there would only fail.
   */
  @Override
  public void close() throws SQLException {
    if (!done && !connection.isClosed()) {
      connection.rollback();
    }
  }

  private PreparedStatement prepare(String sql, Object... args) throws SQLException {
    PreparedStatement ps = connection.prepareStatement(sql);
    try {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      return ps;
    } catch (SQLException e) {
      ps.close();
      throw e;
    }
  }
}
