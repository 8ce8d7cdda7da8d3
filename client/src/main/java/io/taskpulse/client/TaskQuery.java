package io.taskpulse.client;

import java.util.List;

/**
 * What {@link TaskpulseClient#list(TaskQuery)} asks for; null fields and empty lists are left
 * out. Build with {@link #all()} and the {@code with…} methods.
 *
 * @param statuses any of these statuses
 * @param q text to look for in titles and descriptions
 * @param limit page size, 1 to 500 (server default 50)
 * @param cursor a {@link TaskPage#nextCursor()} from the previous page
 */
public record TaskQuery(String projectId, List<String> statuses, String assignee, String q,
    Integer limit, String cursor) {

  public TaskQuery {
    statuses = statuses == null ? List.of() : List.copyOf(statuses);
    if (limit != null && (limit < 1 || limit > 500)) {
      throw new IllegalArgumentException("limit must be from 1 to 500, got " + limit);
    }
  }

  /** Every task the user may see, first page. */
  public static TaskQuery all() {
    return new TaskQuery(null, List.of(), null, null, null, null);
  }

  /** A copy listing only the tasks of this project. */
  public TaskQuery withProjectId(String projectId) {
    return new TaskQuery(projectId, statuses, assignee, q, limit, cursor);
  }

  /** A copy listing only tasks in one of these statuses. */
  public TaskQuery withStatuses(String... statuses) {
    return new TaskQuery(projectId, List.of(statuses), assignee, q, limit, cursor);
  }

  /** A copy listing only tasks assigned to this user or worker. */
  public TaskQuery withAssignee(String assignee) {
    return new TaskQuery(projectId, statuses, assignee, q, limit, cursor);
  }

  /** A copy listing only tasks whose title or description contains {@code q}. */
  public TaskQuery withText(String q) {
    return new TaskQuery(projectId, statuses, assignee, q, limit, cursor);
  }

  /** A copy with this page size (1 to 500). */
  public TaskQuery withLimit(int limit) {
    return new TaskQuery(projectId, statuses, assignee, q, limit, cursor);
  }

  /** A copy asking for the page after the one that gave {@code cursor}. */
  public TaskQuery withCursor(String cursor) {
    return new TaskQuery(projectId, statuses, assignee, q, limit, cursor);
  }
}
