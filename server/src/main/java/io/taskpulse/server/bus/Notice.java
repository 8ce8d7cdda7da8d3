package io.taskpulse.server.bus;

/**
 * Word between nodes that is not in the log, each kind on a channel of its own. Losing one
 * costs time, never correctness: each has a slower way to the same state.
 */
public enum Notice {
  /** Accounts changed here; the others reload now (else at their refresh, every 5 s). */
  ACCOUNTS("accounts"),
  /** A sign-in failed or succeeded here; the others count it in their login throttle. */
  LOGINS("logins");

  /** The channel's last part: {@code taskpulse:<epoch>:<channel>}. */
  final String channel;

  Notice(String channel) {
    this.channel = channel;
  }
}
