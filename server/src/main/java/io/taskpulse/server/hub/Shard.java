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
  private final Map<String, Members> index = new HashMap<>();
  private final Map<String, Frame> frames = new HashMap<>();
  private int size;
  /** The frame last looked up for the current event: most readers share one key. */
  private String lastKey;
  private Frame lastFrame;
  /** Events written by the current dispatch, for the hub's counters. */
  private int written;

  /** The subscriptions under one key: a set to change, an array made from it to iterate. */
  private static final class Members {
    final Set<Subscription> set = new HashSet<>();
    private Subscription[] array;

    void add(Subscription s) {
      if (set.add(s)) {
        array = null;
      }
    }

    boolean remove(Subscription s) {
      boolean removed = set.remove(s);
      if (removed) {
        array = null;
      }
      return removed;
    }

    /** A snapshot: a subscription closed while it is iterated is skipped by its state. */
    Subscription[] array() {
      if (array == null) {
        array = set.toArray(new Subscription[0]);
      }
      return array;
    }
  }

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
      index.computeIfAbsent(key, k -> new Members()).add(s);
    }
    size++;
    hub.counted(s.sink().transport(), 1);
  }

  void remove(Subscription s) {
    for (String key : s.keys) {
      Members members = index.get(key);
      if (members != null && members.remove(s) && members.set.isEmpty()) {
        index.remove(key);
      }
    }
    s.keys = List.of();
    size--;
    hub.counted(s.sink().transport(), -1);
  }

  /** The current event's frame for {@code key} (an interned string), if built. */
  Frame frame(String key) {
    if (key == lastKey) {
      return lastFrame;
    }
    Frame f = frames.get(key);
    if (f != null) {
      lastKey = key;
      lastFrame = f;
    }
    return f;
  }

  Frame keep(String key, Frame frame) {
    frames.put(key, frame);
    lastKey = key;
    lastFrame = frame;
    return frame;
  }

  private void clearFrames() {
    frames.clear();
    lastKey = null;
    lastFrame = null;
  }

  void dispatch(List<LogEvent> batch) {
    for (LogEvent e : batch) {
      if (e.offset() <= lastDispatched) {
        continue;
      }
      lastDispatched = e.offset();
      clearFrames();
      int before = written;
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
      if (written > before) {
        hub.written(e, written - before);
      }
    }
    clearFrames();
    written = 0;
  }

  private void visit(String key, LogEvent e) {
    Members members = index.get(key);
    if (members == null) {
      return;
    }
    for (Subscription s : members.array()) {
      if (s.lastOffered != e.offset()) {
        s.lastOffered = e.offset();
        if (s.offer(e)) {
          written++;
        }
      }
    }
  }
}
