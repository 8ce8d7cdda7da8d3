package io.taskpulse.server.transport;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The live connections of this node, by user: for limits, metrics and a clean shutdown. */
public final class Connections {

  /** Something that can be told the node is going away. */
  public interface Live {
    void goingAway();

    String transport();
  }

  private final Set<Live> all = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, AtomicInteger> perUser = new ConcurrentHashMap<>();
  private final int maxPerUser;
  private volatile boolean closing;

  public Connections(int maxPerUser) {
    this.maxPerUser = maxPerUser;
  }

  /** Counts a connection for {@code user}; false when the user is at the limit. */
  public boolean admit(String user, Live connection) {
    if (closing) {
      return false;
    }
    AtomicInteger count = perUser.computeIfAbsent(user, u -> new AtomicInteger());
    if (count.incrementAndGet() > maxPerUser) {
      count.decrementAndGet();
      return false;
    }
    all.add(connection);
    return true;
  }

  public void release(String user, Live connection) {
    if (all.remove(connection)) {
      perUser.computeIfPresent(user, (u, c) -> c.decrementAndGet() <= 0 ? null : c);
    }
  }

  public int count() {
    return all.size();
  }

  public long count(String transport) {
    return all.stream().filter(c -> c.transport().equals(transport)).count();
  }

  public boolean closing() {
    return closing;
  }

  /** Tells every connection the node is going away (WebSocket close 1001). */
  public void closeAll() {
    closing = true;
    all.forEach(Live::goingAway);
  }
}
