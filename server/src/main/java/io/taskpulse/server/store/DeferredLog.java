package io.taskpulse.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The log's head inside one grouped transaction (GroupCommit). The head is read once, under
 * its row lock, when the shared transaction starts; each item's events take the next offsets
 * from it in memory and wait here as rows, written in one batch with the new head just before
 * the commit. An item's rows come all at once as its last step, and a failed item's rows are
 * dropped with the offsets they took, so the log stays gap-free.
 */
public final class DeferredLog {

  private long start;
  private long head;
  private String insert;
  private final List<Object[]> rows = new ArrayList<>();
  /** Where the item under way began: what to go back to if it fails. */
  private long itemHead;
  private int itemRows;

  /** The head as read, under its lock, when the shared transaction began. */
  void start(long head) {
    this.start = head;
    this.head = head;
    this.itemHead = head;
  }

  /** The last offset taken so far in this transaction. */
  public long head() {
    return head;
  }

  /**
   * Queues the rows of one append, numbered {@code head() + 1} onwards, to be written with
   * {@code insert} before the commit; every row of a transaction uses the same statement.
   */
  public void add(long firstOffset, String insert, List<Object[]> newRows) {
    if (firstOffset != head + 1) {
      throw new IllegalStateException("offsets must follow the head " + head + ": " + firstOffset);
    }
    if (this.insert != null && !this.insert.equals(insert)) {
      throw new IllegalStateException("one insert statement per grouped transaction");
    }
    this.insert = insert;
    rows.addAll(newRows);
    head += newRows.size();
  }

  void beginItem() {
    itemHead = head;
    itemRows = rows.size();
  }

  /** Forgets what the failed item under way queued, and the offsets it took. */
  void dropItem() {
    rows.subList(itemRows, rows.size()).clear();
    head = itemHead;
  }

  /** Writes the queued rows and the new head: two round trips for the whole group. */
  void flush(Connection c) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(insert)) {
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          ps.setObject(i + 1, row[i]);
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE log_head SET last_offset = ? WHERE id = 1 AND last_offset = ?")) {
      ps.setLong(1, head);
      ps.setLong(2, start);
      if (ps.executeUpdate() != 1) {
        throw new SQLException("the log head moved while its lock was held");
      }
    }
  }
}
