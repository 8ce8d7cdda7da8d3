package io.taskpulse.server.log;

import io.taskpulse.server.tasks.Actor;
import io.taskpulse.server.tasks.Entry;
import io.taskpulse.server.tasks.Task;
import java.time.Instant;
import java.util.Map;

/** An event as clients receive it (PROTOCOL section 4): the change and the task after it. */
public record Event(
    long offset,
    String type,
    String taskId,
    long version,
    Instant at,
    Actor actor,
    Task task,
    Map<String, Object[]> changes,
    Entry entry) {

  public static final String CREATED = "task.created";
  public static final String UPDATED = "task.updated";
  public static final String STATUS_CHANGED = "task.status_changed";
  public static final String PROGRESS = "task.progress";
  public static final String ENTRY_ADDED = "task.entry_added";
  public static final String SHARED = "task.shared";
  public static final String UNSHARED = "task.unshared";
  public static final String DELETED = "task.deleted";
}
