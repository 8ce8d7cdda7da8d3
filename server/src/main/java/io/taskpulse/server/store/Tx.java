package io.taskpulse.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One database transaction on one connection. Rolls back on close unless
 * {@link #commit()} ran, so an exception anywhere leaves nothing half-written.
 * Not thread-safe: it belongs to the worker thread that opened it.
 */
public final class Tx implements AutoCloseable {

  /** Maps the current row of a result set. */
  @FunctionalInterface
  public interface Row<T> {
    T map(ResultSet rs) throws SQLException;
  }

  private final Connection connection;
  private final Dialect dialect;
  private boolean done;

  Tx(Connection connection, Dialect dialect) throws SQLException {
    this.connection = connection;
    this.dialect = dialect;
    connection.setAutoCommit(false);
  }

  public Dialect dialect() {
    return dialect;
  }

  public int update(String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = prepare(sql, args)) {
      return ps.executeUpdate();
    }
  }

  public <T> List<T> query(String sql, Row<T> row, Object... args) throws SQLException {
    try (PreparedStatement ps = prepare(sql, args); ResultSet rs = ps.executeQuery()) {
      List<T> out = new ArrayList<>();
      while (rs.next()) {
        out.add(row.map(rs));
      }
      return out;
    }
  }

  public <T> Optional<T> one(String sql, Row<T> row, Object... args) throws SQLException {
    try (PreparedStatement ps = prepare(sql, args); ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.ofNullable(row.map(rs)) : Optional.empty();
    }
  }

  /** For single-value queries (counts, RETURNING a key); fails if no row came back. */
  public long queryLong(String sql, Object... args) throws SQLException {
    return one(sql, rs -> rs.getLong(1), args)
        .orElseThrow(() -> new SQLException("no row returned by: " + sql));
  }

  public void commit() throws SQLException {
    connection.commit();
    done = true;
  }

  /** Rolls back unless committed; the connection itself belongs to whoever opened it. */
  @Override
  public void close() throws SQLException {
    if (!done) {
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
