package io.taskpulse.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskpulse.server.accounts.AccountService;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.store.TaskStore;
import io.taskpulse.server.tasks.Actor;
import io.taskpulse.server.tasks.Status;
import io.taskpulse.server.tasks.TaskFields;
import io.taskpulse.server.tasks.TaskService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tools chat assistants call (PROTOCOL section 9), each a thin door onto the same
 * services as HTTP: visibility, validation, transitions and versions all apply, and every
 * change is recorded with {@code via: "mcp"}. Blocks on the database.
 */
public final class McpTools {

  /** A tool: its name, what it does, its input schema, and how it runs. */
  record Tool(String name, String description, ObjectNode inputSchema, Call call) {}

  @FunctionalInterface
  interface Call {
    Object run(Principal p, JsonNode args, Actor actor);
  }

  private static final Set<String> TASK_FIELDS = Set.of("title", "description", "stage",
      "progress", "progressMessage", "output", "error", "assignee", "projectId", "teamId",
      "priority", "labels", "queue", "dueAt", "maxAttempts", "retryBackoffSeconds");

  private final Map<String, Tool> tools = new LinkedHashMap<>();
  private final TaskService tasks;
  private final AccountService accounts;

  public McpTools(TaskService tasks, AccountService accounts) {
    this.tasks = tasks;
    this.accounts = accounts;
    add("list_tasks", "List the tasks you can see, newest first, with optional filters.",
        schema(Map.of("projectId", str("Only this project"), "status",
            str("Only these statuses, comma-separated: pending,running,completed,failed,"
                + "cancelled,disabled"), "assignee", str("Only tasks assigned to this id"),
            "q", str("Text to search in title and description"), "limit",
            num("At most this many (1-100, default 20)")), List.of()), this::listTasks);
    add("get_task", "Get one task by id.", schema(Map.of("id", str("The task id")),
        List.of("id")), (p, a, actor) -> tasks.get(p, id(a)));
    add("create_task", "Create a task. Only title is required.", schema(taskProperties(true),
        List.of("title")), (p, a, actor) -> tasks.create(p, fields(a, false), null, actor)
            .task());
    add("update_task", "Change fields of a task (title, description, assignee, stage, …).",
        schema(taskProperties(false), List.of("id")),
        (p, a, actor) -> tasks.patch(p, id(a), fields(a, true), null, actor));
    add("set_status", "Move a task to another status: pending, running, completed, failed,"
            + " cancelled or disabled. Give output when completing, error when failing.",
        schema(Map.of("id", str("The task id"), "status", str("The new status"), "output",
            any("Result when completing"), "error", any("What went wrong when failing"),
            "reason", str("Why, when cancelling or reopening")), List.of("id", "status")),
        this::setStatus);
    add("report_progress", "Report progress (0-100) of a pending or running task.",
        schema(Map.of("id", str("The task id"), "progress", num("0 to 100"), "message",
            str("What is happening now")), List.of("id", "progress")),
        (p, a, actor) -> tasks.progress(p, id(a), TaskFields.progress(a.get("progress")),
            TaskFields.text("message", a.get("message"), TaskFields.MAX_TEXT, true), null,
            actor));
    add("add_entry", "Add an entry to a task's timeline: a log line, a comment or a link.",
        schema(Map.of("id", str("The task id"), "kind", str("log, comment, link, … (default"
            + " comment)"), "text", str("The entry's text"), "data", any("Structured data")),
            List.of("id")),
        (p, a, actor) -> tasks.addEntry(p, id(a), a.hasNonNull("kind")
            ? TaskFields.id("kind", a.get("kind"), false) : "comment",
            TaskFields.text("text", a.get("text"), TaskFields.MAX_TEXT, true),
            TaskFields.jsonValue("data", a.get("data")), actor));
    add("share_task", "Share a task with a user, or stop sharing it (unshare: true).",
        schema(Map.of("id", str("The task id"), "userId", str("The user"), "unshare",
            bool("Stop sharing instead")), List.of("id", "userId")), (p, a, actor) -> {
              String user = TaskFields.id("userId", a.get("userId"), false);
              return a.path("unshare").asBoolean(false) ? tasks.unshare(p, id(a), user, actor)
                  : tasks.share(p, id(a), user, actor);
            });
    add("delete_task", "Delete a task.", schema(Map.of("id", str("The task id")), List.of("id")),
        (p, a, actor) -> {
          tasks.delete(p, id(a), null, actor);
          return Map.of("deleted", id(a));
        });
    add("project_summary", "Count a project's tasks by status.",
        schema(Map.of("projectId", str("The project id")), List.of("projectId")),
        (p, a, actor) -> accounts.summary(p, TaskFields.id("projectId", a.get("projectId"),
            false)));
  }

  /** The tools as {@code tools/list} shows them. */
  ArrayNode describe() {
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (Tool t : tools.values()) {
      ObjectNode n = out.addObject();
      n.put("name", t.name());
      n.put("description", t.description());
      n.set("inputSchema", t.inputSchema());
      n.set("outputSchema", Json.MAPPER.createObjectNode().put("type", "object"));
    }
    return out;
  }

  /** Runs a tool; a refusal is a {@link Problem}, as over HTTP. */
  Object call(String name, Principal p, JsonNode args) {
    Tool tool = tools.get(name);
    if (tool == null) {
      throw Problem.invalid("name", "no tool " + name);
    }
    JsonNode a = args == null || args.isNull() ? Json.MAPPER.createObjectNode() : args;
    if (!a.isObject()) {
      throw Problem.invalid("arguments", "must be an object");
    }
    return tool.call().run(p, a, Actor.user(p.userId(), "mcp"));
  }

  private Object listTasks(Principal p, JsonNode a, Actor actor) {
    List<String> statuses = null;
    if (a.hasNonNull("status")) {
      statuses = new ArrayList<>();
      for (String s : a.get("status").asText().split(",")) {
        if (Status.parse(s.trim()) == null) {
          throw Problem.invalid("status", "unknown status " + s.trim());
        }
        statuses.add(s.trim());
      }
    }
    int limit = a.has("limit") ? TaskFields.integer("limit", a.get("limit"), 1, 100) : 20;
    TaskService.Page page = tasks.list(p, new TaskStore.Query(text(a, "projectId"), statuses,
        text(a, "assignee"), null, null, text(a, "q"), null, limit));
    return Map.of("tasks", page.tasks(), "offset", page.offset());
  }

  private Object setStatus(Principal p, JsonNode a, Actor actor) {
    Status to = TaskFields.status(a.get("status"));
    ObjectNode detail = Json.MAPPER.createObjectNode();
    for (String f : List.of("output", "error", "reason")) {
      if (a.has(f)) {
        detail.set(f, a.get(f));
      }
    }
    return tasks.moveTo(p, id(a), to, detail, null, actor);
  }

  private static String id(JsonNode a) {
    return TaskFields.id("id", a.get("id"), false);
  }

  private static String text(JsonNode a, String field) {
    return a.hasNonNull(field) ? TaskFields.text(field, a.get(field), TaskFields.MAX_TITLE, false)
        : null;
  }

  /** The task fields among the arguments, as a create or PATCH body. */
  private static ObjectNode fields(JsonNode a, boolean withStatus) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    a.fields().forEachRemaining(f -> {
      if (TASK_FIELDS.contains(f.getKey()) || (withStatus && f.getKey().equals("status"))) {
        body.set(f.getKey(), f.getValue());
      } else if (!f.getKey().equals("id")) {
        throw Problem.invalid(f.getKey(), "is not an argument of this tool");
      }
    });
    return body;
  }

  private static Map<String, ObjectNode> taskProperties(boolean create) {
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    if (!create) {
      p.put("id", str("The task id"));
      p.put("status", str("A new status (moves by the transition table)"));
    }
    p.put("title", str("Short title"));
    p.put("description", str("Longer description"));
    p.put("assignee", str("Who (a user, agent or worker id) should do it"));
    p.put("projectId", str("Project id"));
    p.put("teamId", str("Team id (a team you belong to)"));
    p.put("priority", str("low, normal, high or urgent"));
    p.put("labels", Json.MAPPER.createObjectNode().put("type", "array")
        .set("items", Json.MAPPER.createObjectNode().put("type", "string")));
    p.put("stage", str("Free label for the phase, e.g. analyzing"));
    p.put("dueAt", str("RFC 3339 time"));
    p.put("queue", str("Queue for workers"));
    return p;
  }

  private void add(String name, String description, ObjectNode schema, Call call) {
    tools.put(name, new Tool(name, description, schema, call));
  }

  private static ObjectNode schema(Map<String, ObjectNode> properties, List<String> required) {
    ObjectNode s = Json.MAPPER.createObjectNode().put("type", "object");
    ObjectNode props = s.putObject("properties");
    properties.forEach(props::set);
    ArrayNode req = s.putArray("required");
    required.forEach(req::add);
    return s;
  }

  private static ObjectNode str(String description) {
    return Json.MAPPER.createObjectNode().put("type", "string").put("description", description);
  }

  private static ObjectNode num(String description) {
    return Json.MAPPER.createObjectNode().put("type", "integer").put("description", description);
  }

  private static ObjectNode bool(String description) {
    return Json.MAPPER.createObjectNode().put("type", "boolean").put("description", description);
  }

  private static ObjectNode any(String description) {
    return Json.MAPPER.createObjectNode().put("description", description);
  }
}
