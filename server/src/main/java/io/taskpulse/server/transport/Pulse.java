package io.taskpulse.server.transport;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayList;

/**
 * One timer per event loop for all of its WebSockets: once a second each gets a tick, in which
 * it pings when its heartbeat is due and looks at its token's end. A timer per connection
 * instead keeps two scheduled tasks (about 300 bytes) for the socket's whole life. Used only
 * on its event loop.
 */
final class Pulse {

  static final long TICK_MILLIS = 1_000;
  private static final String KEY = Pulse.class.getName();

  private final Vertx vertx;
  /** Unordered: a leaver's slot is taken by the last member. */
  private final ArrayList<WebSocketConnection> members = new ArrayList<>();
  private long timer = -1;

  private Pulse(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The pulse of {@code context}'s event loop; call on that loop. */
  static Pulse of(Context context, Vertx vertx) {
    Pulse pulse = context.get(KEY);
    if (pulse == null) {
      pulse = new Pulse(vertx);
      context.put(KEY, pulse);
    }
    return pulse;
  }

  void add(WebSocketConnection c) {
    c.pulseSlot = members.size();
    members.add(c);
    if (timer < 0) {
      timer = vertx.setPeriodic(TICK_MILLIS, t -> tick());
    }
  }

  void remove(WebSocketConnection c) {
    int slot = c.pulseSlot;
    if (slot < 0) {
      return;
    }
    c.pulseSlot = -1;
    WebSocketConnection last = members.remove(members.size() - 1);
    if (last != c) {
      members.set(slot, last);
      last.pulseSlot = slot;
    }
    if (members.isEmpty()) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void tick() {
    long now = System.nanoTime();
    // Backwards: a member that leaves during its tick is replaced by one already ticked.
    for (int i = members.size() - 1; i >= 0; i--) {
      if (i < members.size()) {
        members.get(i).tick(now);
      }
    }
  }
}
