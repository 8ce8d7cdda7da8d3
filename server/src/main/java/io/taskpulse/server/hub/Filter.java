package io.taskpulse.server.hub;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.tasks.Status;
import io.taskpulse.server.tasks.Task;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * A subscription's narrowing (PROTOCOL section 4): statuses, an assignee, event types. A
 * status or assignee filter matches a change into or out of the value, so a view of running
 * tasks also hears that one of them finished.
 */
public record Filter(Set<String> statuses, String assignee, Set<String> types) {

  public static final Filter NONE = new Filter(Set.of(), null, Set.of());

  public Filter {
    statuses = Set.copyOf(statuses);
    types = Set.copyOf(types);
  }

  public static Filter parse(JsonNode node) {
    if (node == null || node.isNull()) {
      return NONE;
    }
    if (!node.isObject()) {
      throw Problem.invalid("filter", "must be an object with status, assignee or types");
    }
    Set<String> statuses = new HashSet<>();
    Set<String> types = new HashSet<>();
    String assignee = null;
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      JsonNode v = node.get(name);
      switch (name) {
        case "status" -> {
          for (JsonNode s : array("filter.status", v)) {
            if (Status.parse(s.asText()) == null) {
              throw Problem.invalid("filter.status", "unknown status " + s.asText());
            }
            statuses.add(s.asText());
          }
        }
        case "types" -> {
          for (JsonNode t : array("filter.types", v)) {
            if (!t.asText().startsWith("task.")) {
              throw Problem.invalid("filter.types", "unknown event type " + t.asText());
            }
            types.add(t.asText());
          }
        }
        case "assignee" -> {
          if (!v.isTextual() || v.asText().isEmpty()) {
            throw Problem.invalid("filter.assignee", "must be a user or worker id");
          }
          assignee = v.asText();
        }
        default -> throw Problem.invalid("filter." + name, "is not a filter (status, assignee,"
            + " types)");
      }
    }
    return new Filter(statuses, assignee, types);
  }

  private static JsonNode array(String field, JsonNode v) {
    if (!v.isArray() || v.size() > 32) {
      throw Problem.invalid(field, "must be an array of at most 32 strings");
    }
    for (JsonNode item : v) {
      if (!item.isTextual()) {
        throw Problem.invalid(field, "must be an array of strings");
      }
    }
    return v;
  }

  /** Whether a task as it is now belongs in this subscription's snapshot. */
  public boolean matches(Task t) {
    return (statuses.isEmpty() || statuses.contains(t.status()))
        && (assignee == null || assignee.equals(t.assignee()));
  }

  /** Whether {@code e} passes, by the type {@code p} receives it under. */
  public boolean matches(LogEvent e, Principal p) {
    if (!types.isEmpty() && !types.contains(e.typeFor(p))) {
      return false;
    }
    if (!statuses.isEmpty() && e.statuses().stream().noneMatch(statuses::contains)) {
      return false;
    }
    return assignee == null || e.assignees().contains(assignee);
  }
}
