package io.taskpulse.server.transport;

import io.taskpulse.server.json.Json;
import io.taskpulse.server.log.Event;
import io.taskpulse.server.log.LogEvent;

/** Event JSON as sent, and its variant for a reader who just lost sight of the task. */
final class Frames {

  private Frames() {}

  /**
   * The event as this reader receives it: unchanged, or retyped {@code task.unshared} when it
   * took the reader's sight of the task (a deleted task stays {@code task.deleted}).
   */
  static String eventJson(LogEvent e, boolean lostSight) {
    if (!lostSight || e.type().equals(Event.DELETED) || e.type().equals(Event.UNSHARED)) {
      return e.json();
    }
    // The serialized event starts {"offset":N,"type":"…": replace that first type only.
    String from = "\"type\":" + Json.write(e.type());
    int at = e.json().indexOf(from);
    return e.json().substring(0, at) + "\"type\":\"" + Event.UNSHARED + "\""
        + e.json().substring(at + from.length());
  }
}
