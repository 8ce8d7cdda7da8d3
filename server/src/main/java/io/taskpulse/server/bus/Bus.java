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
   * Tells the other nodes that accounts changed here (a user disabled, a team member removed),
   * so that they reload standings now instead of at their next periodic refresh. Best effort:
   * the periodic refresh still catches what a lost message misses. Never blocks.
   */
  default void announceAccountChange() {}

  /** Registers what runs when another node announces an account change; from any thread. */
  default void onAccountChange(Runnable action) {}

  /** Whether the bus currently carries events ("up") or nodes rely on reading the log. */
  boolean isHealthy();

  @Override
  void close();
}
