package io.taskpulse.client.internal;

/** What a {@link Connection}'s callbacks tell the subscription thread, in arrival order. */
sealed interface Signal {

  /** The connection this is about; null for {@link Wake}. */
  Connection conn();

  /** The socket is open: authenticate. */
  record Opened(Connection conn) implements Signal {}

  /** The socket could not be opened. */
  record OpenFailed(Connection conn, Throwable cause) implements Signal {}

  /** A whole text message from the server. */
  record Text(Connection conn, String text) implements Signal {}

  /** The server closed the connection (1006 for a connection that just ended). */
  record Closed(Connection conn, int code, String reason) implements Signal {}

  /** The connection failed; {@code permanent} when reconnecting cannot help. */
  record Failed(Connection conn, Throwable cause, boolean permanent) implements Signal {}

  /** Look at the flags now (close was called). */
  record Wake(Connection conn) implements Signal {}
}
