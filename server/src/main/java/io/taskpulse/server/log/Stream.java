package io.taskpulse.server.log;

import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.tasks.Task;

/** A stream a client follows: every visible task, one project's tasks, or one task. */
public record Stream(Kind kind, String id) {

  public enum Kind { TASKS, PROJECT, TASK }

  public static final Stream TASKS = new Stream(Kind.TASKS, null);

  public static Stream parse(String name) {
    if (name == null || name.isEmpty() || name.equals("tasks")) {
      return TASKS;
    }
    if (name.startsWith("project:") && name.length() > "project:".length()) {
      return new Stream(Kind.PROJECT, name.substring("project:".length()));
    }
    if (name.startsWith("task:") && name.length() > "task:".length()) {
      return new Stream(Kind.TASK, name.substring("task:".length()));
    }
    throw Problem.invalid("stream", "must be tasks, project:<id> or task:<id>");
  }

  public boolean matches(LogEvent e) {
    return switch (kind) {
      case TASKS -> true;
      case PROJECT -> e.inProject(id);
      case TASK -> e.taskId().equals(id);
    };
  }

  /** Whether a task as it is now belongs to this stream (for snapshots). */
  public boolean contains(Task t) {
    return switch (kind) {
      case TASKS -> true;
      case PROJECT -> id.equals(t.projectId());
      case TASK -> id.equals(t.id());
    };
  }

  @Override
  public String toString() {
    return switch (kind) {
      case TASKS -> "tasks";
      case PROJECT -> "project:" + id;
      case TASK -> "task:" + id;
    };
  }
}
