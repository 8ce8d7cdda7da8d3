package io.taskpulse.server.mcp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.tasks.Priority;
import io.taskpulse.server.tasks.Status;
import io.taskpulse.server.tasks.TaskFields;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON Schemas of the tools' arguments and results, written for a language model to
 * follow: every argument has a type, its limits and a description in the words of the HTTP
 * API. The limits are the ones {@code TaskFields} enforces, so the schema never promises
 * what the server refuses.
 */
final class ToolSchemas {

  private ToolSchemas() {}

  static final List<String> STATUSES = Arrays.stream(Status.values()).map(Status::wire).toList();
  static final List<String> PRIORITIES = Arrays.stream(Priority.values()).map(Priority::wire)
      .toList();

  /** An object schema with these properties, of which {@code required} must be given. */
  static ObjectNode object(Map<String, ObjectNode> properties, List<String> required) {
    ObjectNode s = Json.MAPPER.createObjectNode().put("type", "object");
    ObjectNode props = s.putObject("properties");
    properties.forEach(props::set);
    ArrayNode req = s.putArray("required");
    required.forEach(req::add);
    s.put("additionalProperties", false);
    return s;
  }

  static ObjectNode string(String description, int maxLength) {
    return Json.MAPPER.createObjectNode().put("type", "string").put("minLength", 1)
        .put("maxLength", maxLength).put("description", description);
  }

  static ObjectNode id(String description) {
    return string(description, TaskFields.MAX_ID);
  }

  static ObjectNode text(String description) {
    return Json.MAPPER.createObjectNode().put("type", "string")
        .put("maxLength", TaskFields.MAX_TEXT).put("description", description);
  }

  static ObjectNode integer(String description, int min, int max) {
    return Json.MAPPER.createObjectNode().put("type", "integer").put("minimum", min)
        .put("maximum", max).put("description", description);
  }

  static ObjectNode bool(String description) {
    return Json.MAPPER.createObjectNode().put("type", "boolean").put("description", description);
  }

  static ObjectNode oneOf(List<String> values, String description) {
    ObjectNode s = Json.MAPPER.createObjectNode().put("type", "string");
    ArrayNode e = s.putArray("enum");
    values.forEach(e::add);
    return s.put("description", description);
  }

  /** Any JSON value: text, number, object, array. */
  static ObjectNode anyValue(String description) {
    return Json.MAPPER.createObjectNode().put("description", description);
  }

  static ObjectNode time(String description) {
    return Json.MAPPER.createObjectNode().put("type", "string").put("format", "date-time")
        .put("description", description);
  }

  static ObjectNode labels() {
    ObjectNode s = Json.MAPPER.createObjectNode().put("type", "array")
        .put("maxItems", TaskFields.MAX_LABELS).put("uniqueItems", true)
        .put("description", "Labels, e.g. [\"export\", \"urgent-customer\"]; replaces the"
            + " task's labels");
    s.putObject("items").put("type", "string").put("minLength", 1)
        .put("maxLength", TaskFields.MAX_LABEL);
    return s;
  }

  /** The task fields a create (without {@code id}) or an update (with it) may set. */
  static Map<String, ObjectNode> taskFields(boolean update) {
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    if (update) {
      p.put("id", id("The task's id, as list_tasks or create_task returned it"));
      p.put("status", oneOf(STATUSES, "A new status; only moves the transition table allows"
          + " (see set_status)"));
    }
    p.put("title", string("Short title of the work, e.g. \"Export contracts\"",
        TaskFields.MAX_TITLE));
    p.put("description", text("Longer description: what to do and why"));
    p.put("assignee", id("Who should do it: a user, agent or worker id"));
    p.put("projectId", id("The project it belongs to"));
    p.put("teamId", id("The team that may see it (a team you are in)"));
    p.put("priority", oneOf(PRIORITIES, "How urgent it is (default normal)"));
    p.put("labels", labels());
    p.put("stage", id("A free label for the phase within the status, e.g. analyzing"));
    p.put("progress", integer("Percent done", 0, 100));
    p.put("progressMessage", text("What is happening now, e.g. \"page 9 of 20\""));
    p.put("dueAt", time("When it is due, RFC 3339, e.g. 2026-11-30T09:00:00Z"));
    p.put("queue", id("The worker queue that should run it"));
    p.put("maxAttempts", integer("Attempts a worker gets before the task fails", 1, 100));
    p.put("retryBackoffSeconds", integer("Seconds before a retry, doubled each attempt", 0,
        86_400));
    if (update) {
      p.put("output", anyValue("The result (kept on a completed task)"));
      p.put("error", anyValue("What went wrong (kept on a failed task)"));
    }
    return p;
  }

  /** A task as the HTTP API returns it (PROTOCOL section 2). */
  static ObjectNode task() {
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    p.put("id", type("string"));
    p.put("title", type("string"));
    p.put("description", nullable("string"));
    p.put("status", oneOf(STATUSES, "The status"));
    p.put("stage", nullable("string"));
    p.put("progress", type("integer"));
    p.put("progressMessage", nullable("string"));
    p.put("output", anyValue("The result of a completed task"));
    p.put("error", anyValue("What went wrong in a failed task"));
    p.put("ownerId", type("string"));
    p.put("assignee", nullable("string"));
    p.put("projectId", nullable("string"));
    p.put("teamId", nullable("string"));
    p.put("sharedWith", strings());
    p.put("priority", oneOf(PRIORITIES, "The priority"));
    p.put("labels", strings());
    p.put("queue", nullable("string"));
    for (String t : List.of("dueAt", "startedAt", "finishedAt", "leaseExpiresAt", "notBefore")) {
      p.put(t, nullable("string"));
    }
    p.put("createdAt", type("string"));
    p.put("updatedAt", type("string"));
    p.put("version", type("integer").put("description",
        "Grows by 1 on every change of the task"));
    p.put("attempt", type("integer"));
    p.put("maxAttempts", type("integer"));
    p.put("retryBackoffSeconds", type("integer"));
    p.put("scheduleId", nullable("string"));
    return open(p, List.of("id", "title", "status", "ownerId", "version"));
  }

  static ObjectNode taskList() {
    ObjectNode tasks = type("array");
    tasks.set("items", task());
    return open(Map.of("tasks", tasks,
        "offset", type("integer").put("description", "The log offset the list is consistent"
            + " with"),
        "nextCursor", nullable("string").put("description", "Give as cursor for the next page;"
            + " null on the last page")), List.of("tasks", "offset", "nextCursor"));
  }

  static ObjectNode entry() {
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    p.put("id", type("string"));
    p.put("taskId", type("string"));
    p.put("kind", type("string"));
    p.put("text", nullable("string"));
    p.put("data", anyValue("Structured data of the entry"));
    p.put("actorId", type("string"));
    p.put("at", type("string"));
    return open(p, List.of("id", "taskId", "kind", "at"));
  }

  static ObjectNode deleted() {
    return open(Map.of("deleted", type("string").put("description", "The deleted task's id")),
        List.of("deleted"));
  }

  static ObjectNode summary() {
    Map<String, ObjectNode> counts = new LinkedHashMap<>();
    STATUSES.forEach(s -> counts.put(s, type("integer")));
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    p.put("project", type("object"));
    p.put("counts", open(counts, STATUSES));
    p.put("total", type("integer"));
    p.put("completion", type("number").put("description", "Completed tasks / all tasks, 0-1"));
    p.put("offset", type("integer"));
    return open(p, List.of("project", "counts", "total", "completion"));
  }

  private static ObjectNode type(String type) {
    return Json.MAPPER.createObjectNode().put("type", type);
  }

  private static ObjectNode nullable(String type) {
    ObjectNode s = Json.MAPPER.createObjectNode();
    s.putArray("type").add(type).add("null");
    return s;
  }

  private static ObjectNode strings() {
    ObjectNode s = type("array");
    s.putObject("items").put("type", "string");
    return s;
  }

  /** A result object: fields may be added later, so unknown ones are allowed. */
  private static ObjectNode open(Map<String, ObjectNode> properties, List<String> required) {
    ObjectNode s = type("object");
    ObjectNode props = s.putObject("properties");
    properties.forEach(props::set);
    ArrayNode req = s.putArray("required");
    required.forEach(req::add);
    return s;
  }
}
