package io.taskpulse.client;

/**
 * A live subscription to one stream, made by
 * {@link TaskpulseClient#subscribe(String, Filter, SubscriptionListener)}. It keeps its own
 * WebSocket connection and reconnects by itself after any drop, resuming after the last
 * offset it delivered, until {@link #close()} or a permanent refusal ({@link
 * ConnectionState#ERROR}). Thread-safe.
 */
public interface Subscription extends AutoCloseable {

  /** The stream followed: {@code tasks}, {@code project:<id>} or {@code task:<id>}. */
  String stream();

  /** The offset of the last snapshot or event handed to the listener; -1 before the first. */
  long lastOffset();

  /** The current state; {@link ConnectionState#isTerminal()} once it has stopped. */
  ConnectionState state();

  /**
   * Stops the subscription and closes its connection. Once this returns no further
   * {@code onSnapshot} or {@code onEvent} call starts; a call in progress on the subscription
   * thread is waited for (unless close is called from that thread, i.e. from the listener).
   * A final {@code onStateChange(CLOSED, null)} follows on the subscription thread.
   * Idempotent; never throws.
   */
  @Override
  void close();
}
