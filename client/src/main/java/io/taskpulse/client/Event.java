package io.taskpulse.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One change of one task, at its place in the server's single ordered log (PROTOCOL section
 * 4). Offsets only grow; a subscription hands them to its listener in order, without gaps
 * in what the user may see and without duplicates.
 *
 * @param offset the event's place in the log
 * @param type {@code task.created}, {@code task.updated}, {@code task.status_changed},
 *     {@code task.progress}, {@code task.entry_added}, {@code task.shared},
 *     {@code task.unshared} or {@code task.deleted}; a reader who just lost sight of the task
 *     receives {@code task.unshared} and nothing after
 * @param version the task's version after the change
 * @param task the whole task after the change (as it was, for {@code task.deleted})
 * @param changes {@code {"field": [before, after], …}}; an empty object when none are listed
 * @param entry the timeline entry for {@code task.entry_added}, else null
 */
public record Event(
    long offset,
    String type,
    String taskId,
    long version,
    Instant at,
    Actor actor,
    Task task,
    JsonNode changes,
    Entry entry) {

  public Event {
    changes = changes == null || changes.isNull()
        ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode() : changes;
  }

  public static final String CREATED = "task.created";
  public static final String UPDATED = "task.updated";
  public static final String STATUS_CHANGED = "task.status_changed";
  public static final String PROGRESS = "task.progress";
  public static final String ENTRY_ADDED = "task.entry_added";
  public static final String SHARED = "task.shared";
  public static final String UNSHARED = "task.unshared";
  public static final String DELETED = "task.deleted";
}
