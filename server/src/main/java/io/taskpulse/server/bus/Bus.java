package io.taskpulse.server.bus;

import io.taskpulse.server.log.LogEvent;
import java.util.List;
import java.util.function.Consumer;

/**
 * Carries committed events to every node's tail, fast. Not the truth: a node that misses a
 * message notices the gap in offsets and reads the log (DESIGN point 4).
 */
public interface Bus extends AutoCloseable {

  /** Hands events this node committed to every node, this one included. Never blocks. */
  void publish(List<LogEvent> events);

  /** Registers the one receiver of this node; called from any thread, in no promised order. */
  void onEvents(Consumer<List<LogEvent>> receiver);

  /**
   * Tells the other nodes something that is not in the log (see {@link Notice}). Best effort:
   * what a lost notice would have said is caught up another way. Never blocks.
   */
  default void announce(Notice notice, String body) {}

  /**
   * Registers the one handler of a kind of notice from other nodes (never this node's own);
   * called from any thread, must not block.
   */
  default void onNotice(Notice notice, Consumer<String> handler) {}

  /** Whether the bus currently carries events ("up") or nodes rely on reading the log. */
  boolean isHealthy();

  @Override
  void close();
}
