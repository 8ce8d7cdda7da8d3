package io.taskpulse.client;

/** Where a {@link Subscription} stands, as told to {@link SubscriptionListener#onStateChange}. */
public enum ConnectionState {
  /** Opening a connection, authenticating and subscribing. */
  CONNECTING,
  /** Subscribed: a snapshot or the missed events, then live events, are being delivered. */
  CONNECTED,
  /** The connection dropped; a reconnect is scheduled (with backoff) and will resume. */
  DISCONNECTED,
  /**
   * Stopped for good: the server refused the subscription (the cause is a
   * {@link TaskpulseException} with its code, such as {@code not_found}) or the credentials.
   * Nothing more is delivered and no reconnect follows.
   */
  ERROR,
  /** Stopped because {@link Subscription#close()} was called. */
  CLOSED;

  /** Whether nothing follows this state. */
  public boolean isTerminal() {
    return this == ERROR || this == CLOSED;
  }
}
