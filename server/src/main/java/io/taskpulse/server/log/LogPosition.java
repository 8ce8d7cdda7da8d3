package io.taskpulse.server.log;

/**
 * The log's head as one snapshot saw it.
 *
 * @param head the last offset committed
 * @param trimmedTo every offset at or below this was removed by retention
 * @param epoch names this log's history; a new database is a new epoch
 */
public record LogPosition(long head, long trimmedTo, String epoch) {

  /** Whether a reader that has seen {@code after} in {@code epoch} can resume from the log. */
  public boolean canResume(long after, String clientEpoch) {
    boolean sameLog = clientEpoch == null || clientEpoch.isEmpty() || clientEpoch.equals(epoch);
    return sameLog && after >= trimmedTo && after <= head;
  }
}
