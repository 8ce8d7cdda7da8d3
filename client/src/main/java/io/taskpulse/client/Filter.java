package io.taskpulse.client;

import java.util.List;

/**
 * Narrows a subscription (PROTOCOL section 4). A status or assignee filter matches a change
 * into or out of the value, so a view of running tasks also hears that one of them finished.
 * The snapshot a subscription starts from holds only the tasks whose status and assignee
 * match. Empty lists and a null assignee mean "any".
 *
 * @param statuses task statuses to follow, such as {@code running}
 * @param assignee only tasks assigned to this user or worker (before or after the change)
 * @param types event types to follow, such as {@code task.status_changed}
 */
public record Filter(List<String> statuses, String assignee, List<String> types) {

  private static final Filter NONE = new Filter(List.of(), null, List.of());

  public Filter {
    statuses = statuses == null ? List.of() : List.copyOf(statuses);
    types = types == null ? List.of() : List.copyOf(types);
    if (assignee != null && assignee.isEmpty()) {
      throw new IllegalArgumentException("assignee must be null or a user id, not empty");
    }
  }

  /** Everything on the stream. */
  public static Filter none() {
    return NONE;
  }

  /** Only tasks in (or moving into or out of) one of {@code statuses}. */
  public static Filter statuses(String... statuses) {
    return new Filter(List.of(statuses), null, List.of());
  }

  /** A copy following only these statuses. */
  public Filter withStatuses(String... statuses) {
    return new Filter(List.of(statuses), assignee, types);
  }

  /** A copy following only tasks assigned (before or after a change) to {@code assignee}. */
  public Filter withAssignee(String assignee) {
    return new Filter(statuses, assignee, types);
  }

  /** A copy following only these event types, such as {@code task.status_changed}. */
  public Filter withTypes(String... types) {
    return new Filter(statuses, assignee, List.of(types));
  }

  /** Whether this filter lets everything through. */
  public boolean isEmpty() {
    return statuses.isEmpty() && assignee == null && types.isEmpty();
  }
}
