package io.taskpulse.client;

/**
 * Receives what a {@link Subscription} delivers. Every method has a no-op default: override
 * what you need.
 *
 * <p><b>Threading.</b> Each subscription has one thread of its own; all calls for that
 * subscription happen on it, one at a time, in order, never concurrently. A slow method slows
 * only this subscription: the client stops reading its socket until the method returns and
 * the server, which keeps its place in the log, catches up afterwards, so nothing is lost.
 * Do not block in a method for long, and do not wait there for the subscription's own state
 * to change. An exception thrown by a method is logged and otherwise ignored (the event
 * counts as delivered).
 *
 * <p><b>Order.</b> {@code onStateChange(CONNECTING)}, then {@code onStateChange(CONNECTED)},
 * then either {@code onSnapshot} (a fresh start) or nothing (a resume), then {@code onEvent}
 * for each change in log order. After a drop: {@code DISCONNECTED}, {@code CONNECTING},
 * {@code CONNECTED}, then the missed events, or a new snapshot when the server could not
 * replay them. The last call is {@code onStateChange} with {@code ERROR} or {@code CLOSED}.
 */
public interface SubscriptionListener {

  /**
   * The state of the stream at {@code snapshot.offset()}; replaces whatever the listener held.
   * Called once after the first subscribe, and again only when a resume was not possible
   * (the server lost the missed events, or is a new database).
   */
  default void onSnapshot(Snapshot snapshot) {}

  /** The next change, with an offset above every one delivered before it. */
  default void onEvent(Event event) {}

  /**
   * The connection's state changed.
   *
   * @param cause why it dropped ({@code DISCONNECTED}) or stopped ({@code ERROR}); null
   *     otherwise
   */
  default void onStateChange(ConnectionState state, Throwable cause) {}
}
