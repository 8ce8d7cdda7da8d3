package io.taskpulse.server.transport;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The live connections of this node, by user: for limits, metrics and a clean shutdown. */
public final class Connections {

  /** Something that can be told the node is going away. */
  public interface Live {
    void goingAway();

    String transport();

    /**
     * The user's account changed (disabled, a team left, the admin role lost or regained):
     * check the connection's standing again, on its own event loop. Callable from any thread.
     */
    void recheck();
  }

  private final Set<Live> all = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, Set<Live>> byUser = new ConcurrentHashMap<>();
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
    boolean[] admitted = {false};
    byUser.compute(user, (u, set) -> {
      Set<Live> live = set != null ? set : ConcurrentHashMap.newKeySet();
      if (live.size() < maxPerUser) {
        admitted[0] = live.add(connection);
      }
      return live.isEmpty() ? null : live;
    });
    if (admitted[0]) {
      all.add(connection);
    }
    return admitted[0];
  }

  public void release(String user, Live connection) {
    if (all.remove(connection)) {
      byUser.computeIfPresent(user, (u, set) -> set.remove(connection) && set.isEmpty() ? null
          : set);
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

  /** Asks every live connection of these users to check its standing again. */
  public void recheck(Collection<String> users) {
    for (String user : users) {
      Set<Live> live = byUser.get(user);
      if (live != null) {
        live.forEach(Live::recheck);
      }
    }
  }

  /** Tells every connection the node is going away (WebSocket close 1001). */
  public void closeAll() {
    closing = true;
    all.forEach(Live::goingAway);
  }
}
