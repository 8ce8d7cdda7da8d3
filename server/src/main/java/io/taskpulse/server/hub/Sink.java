package io.taskpulse.server.hub;

import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.tasks.Snapshot;

/**
 * A connection as the hub sees it: where a subscription's frames go. Called only on the
 * connection's event loop. A sink that reports itself full stops being fed live events; when it
 * drains it calls {@link Subscription#resume()} on its subscriptions, which catch up from the
 * log at their cursors.
 */
public interface Sink {

  /** The kind of connection, for metrics: {@code websocket} or {@code sse}. */
  String transport();

  /** The caller, as of the last token the connection presented. */
  Principal principal();

  /**
   * The bytes of one event for {@code sub}; {@code retyped} means the reader receives it
   * under another type than the stored one ({@link LogEvent#typeFor}). Frames with the same
   * {@link #frameKey} for one event are identical, so the hub builds them once.
   */
  String eventFrame(Subscription sub, LogEvent e, boolean retyped);

  /** Frames of subscriptions with equal keys are interchangeable for any one event. */
  String frameKey(Subscription sub);

  /**
   * Writes a frame, without waiting for the socket; returns false when the connection's queue
   * is now full. The same frame goes to many connections: its bytes must not be changed.
   */
  boolean write(Frame frame);

  /** Whether live events may be written now (the queue has room). */
  boolean writable();

  /** The subscription is live or resumed: {@code subscribed} on WebSocket. */
  void subscribed(Subscription sub, long offset, boolean recovered);

  /** A snapshot the subscription starts from. */
  void snapshot(Subscription sub, Snapshot snapshot);

  /** The subscription cannot go on (its task went away, the log lost its cursor, …). */
  void failed(Subscription sub, String code, String message);
}
