package io.taskpulse.server.hub;

import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.log.Stream;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The subscriptions of one event loop, indexed by who may see what, so an event reaches only
 * the readers that may see its task without scanning every connection. Only its own event
 * loop touches it: the hub posts each batch of released events to it, in offset order.
 */
final class Shard {

  final Hub hub;
  final Context context;
  /** The highest offset this shard has been given; a catch-up that reaches it goes live. */
  long lastDispatched;
  private final Map<String, Set<Subscription>> index = new HashMap<>();
  private final Map<String, String> frames = new HashMap<>();
  private int size;

  Shard(Hub hub, Context context) {
    this.hub = hub;
    this.context = context;
  }

  int size() {
    return size;
  }

  /** Files a subscription under the keys an event can reach it by. */
  void add(Subscription s) {
    List<String> keys = new ArrayList<>();
    Principal p = s.principal();
    for (Stream stream : s.streams()) {
      switch (stream.kind()) {
        case TASK -> keys.add("task:" + stream.id());
        case PROJECT -> keys.add("project:" + stream.id());
        case TASKS -> {
          if (p.admin()) {
            keys.add("admin");
          } else {
            keys.add("user:" + p.userId());
            p.teams().forEach(t -> keys.add("team:" + t));
          }
        }
      }
    }
    s.keys = keys;
    for (String key : keys) {
      index.computeIfAbsent(key, k -> new HashSet<>()).add(s);
    }
    size++;
  }

  void remove(Subscription s) {
    for (String key : s.keys) {
      Set<Subscription> set = index.get(key);
      if (set != null && set.remove(s) && set.isEmpty()) {
        index.remove(key);
      }
    }
    s.keys = List.of();
    size--;
  }

  /** Re-files a subscription whose principal changed (a refreshed token with other teams). */
  void reindex(Subscription s) {
    remove(s);
    add(s);
  }

  void dispatch(List<LogEvent> batch) {
    for (LogEvent e : batch) {
      if (e.offset() <= lastDispatched) {
        continue;
      }
      lastDispatched = e.offset();
      frames.clear();
      visit("admin", e);
      for (String u : e.viewers()) {
        visit("user:" + u, e);
      }
      for (String u : e.priorViewers()) {
        visit("user:" + u, e);
      }
      for (String t : e.teams()) {
        visit("team:" + t, e);
      }
      for (String t : e.priorTeams()) {
        visit("team:" + t, e);
      }
      visit("task:" + e.taskId(), e);
      for (String p : e.projectIds()) {
        visit("project:" + p, e);
      }
    }
    frames.clear();
  }

  private void visit(String key, LogEvent e) {
    Set<Subscription> subs = index.get(key);
    if (subs == null) {
      return;
    }
    for (Subscription s : subs) {
      if (s.lastOffered != e.offset()) {
        s.lastOffered = e.offset();
        s.offer(e, frames);
      }
    }
  }
}
