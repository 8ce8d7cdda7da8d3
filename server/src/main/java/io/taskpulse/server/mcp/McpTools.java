package io.taskpulse.server.mcp;

import static io.taskpulse.server.mcp.ToolSchemas.STATUSES;
import static io.taskpulse.server.mcp.ToolSchemas.anyValue;
import static io.taskpulse.server.mcp.ToolSchemas.bool;
import static io.taskpulse.server.mcp.ToolSchemas.id;
import static io.taskpulse.server.mcp.ToolSchemas.integer;
import static io.taskpulse.server.mcp.ToolSchemas.oneOf;
import static io.taskpulse.server.mcp.ToolSchemas.string;
import static io.taskpulse.server.mcp.ToolSchemas.text;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import io.taskpulse.server.accounts.AccountService;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.store.TaskStore;
import io.taskpulse.server.tasks.Actor;
import io.taskpulse.server.tasks.ListCursor;
import io.taskpulse.server.tasks.Status;
import io.taskpulse.server.tasks.TaskFields;
import io.taskpulse.server.tasks.TaskService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tools chat assistants call (PROTOCOL section 9), each a thin door onto the same
 * services as HTTP: visibility, validation, transitions and versions all apply, and every
 * change is recorded with {@code via: "mcp"}. A refusal is a tool result with
 * {@code isError: true} that names the error code, the field and what to do next, so the
 * model can correct itself. Tools block on the database: the transport runs them on the
 * worker pool.
 */
public final class McpTools {

  /** The key under which the transport puts the caller in the SDK's transport context. */
  public static final String PRINCIPAL = "taskpulse.principal";

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final Logger log = LoggerFactory.getLogger(McpTools.class);

  /** A tool: its wire description and how it runs. */
  private record Entry(Tool tool, ObjectNode input, Call call) {}

  @FunctionalInterface
  private interface Call {
    Object run(Principal p, JsonNode args, Actor actor);
  }

  private final Map<String, Entry> tools = new LinkedHashMap<>();
  private final TaskService tasks;
  private final AccountService accounts;

  public McpTools(TaskService tasks, AccountService accounts) {
    this.tasks = tasks;
    this.accounts = accounts;
    Map<String, ObjectNode> list = new LinkedHashMap<>();
    list.put("projectId", id("Only tasks of this project"));
    list.put("status", string("Only tasks in these statuses, comma-separated, from: "
        + String.join(", ", STATUSES) + "; e.g. \"pending,running\"", 100));
    list.put("assignee", id("Only tasks assigned to this user, agent or worker"));
    list.put("teamId", id("Only tasks of this team"));
    list.put("queue", id("Only tasks of this worker queue"));
    list.put("q", string("Words to find in the title or description", TaskFields.MAX_TITLE));
    list.put("limit", integer("At most this many tasks (default 20)", 1, 100));
    list.put("cursor", string("nextCursor of the previous page, to read the next one", 200));
    add("list_tasks", "List tasks",
        "List the tasks you can see, newest first, optionally filtered by project, status,"
            + " assignee, team, queue or text. Answers {tasks, offset, nextCursor}; when"
            + " nextCursor is not null, call again with cursor to read more.",
        ToolSchemas.object(list, List.of()), ToolSchemas.taskList(), true, false,
        this::listTasks);

    add("get_task", "Get a task", "Get one task by its id: status, progress, output, error,"
            + " assignee and the other fields.",
        ToolSchemas.object(Map.of("id", id("The task's id")), List.of("id")),
        ToolSchemas.task(), true, false, (p, a, actor) -> tasks.get(p, taskId(a)));

    Map<String, ObjectNode> create = ToolSchemas.taskFields(false);
    create.put("idempotencyKey", string("A key of your choosing: calling again with the same"
        + " key and arguments returns the first task instead of creating a second", 200));
    add("create_task", "Create a task",
        "Create a task (status pending) owned by you. Only title is required. Everyone who"
            + " may see it watches it appear live.",
        ToolSchemas.object(create, List.of("title")), ToolSchemas.task(), false, false,
        (p, a, actor) -> {
          ObjectNode body = a.deepCopy();
          JsonNode key = body.remove("idempotencyKey");
          return tasks.create(p, body, key == null || key.isNull() ? null
              : TaskFields.id("idempotencyKey", key, false), actor).task();
        });

    add("update_task", "Change a task",
        "Change fields of a task: title, description, assignee, project, team, priority,"
            + " labels, stage, progress, due time, or status (as set_status). Give only the"
            + " fields to change; null clears a field.",
        ToolSchemas.object(ToolSchemas.taskFields(true), List.of("id")), ToolSchemas.task(),
        false, false, (p, a, actor) -> {
          ObjectNode body = a.deepCopy();
          body.remove("id");
          return tasks.patch(p, taskId(a), body, null, actor);
        });

    Map<String, ObjectNode> status = new LinkedHashMap<>();
    status.put("id", id("The task's id"));
    status.put("status", oneOf(STATUSES, "The new status. Allowed moves: pending -> running,"
        + " cancelled or disabled; running -> completed, failed, cancelled or pending;"
        + " completed, failed, cancelled or disabled -> pending (reopen)"));
    status.put("output", anyValue("The result, when completing (text or JSON)"));
    status.put("error", anyValue("What went wrong, when failing (text or JSON)"));
    status.put("reason", text("Why, for the timeline (any move, e.g. when cancelling)"));
    add("set_status", "Move a task to another status",
        "Move a task to another status. Complete with output, fail with error; a move the"
            + " table does not allow is refused with invalid_transition.",
        ToolSchemas.object(status, List.of("id", "status")), ToolSchemas.task(), false, false,
        this::setStatus);

    Map<String, ObjectNode> progress = new LinkedHashMap<>();
    progress.put("id", id("The task's id"));
    progress.put("progress", integer("Percent done", 0, 100));
    progress.put("message", text("What is happening now, e.g. \"page 9 of 20\""));
    add("report_progress", "Report progress",
        "Report how far a pending or running task is (0-100) and what is happening now.",
        ToolSchemas.object(progress, List.of("id", "progress")), ToolSchemas.task(), false,
        false, (p, a, actor) -> tasks.progress(p, taskId(a),
            TaskFields.progress(a.get("progress")),
            TaskFields.text("message", a.get("message"), TaskFields.MAX_TEXT, true), null,
            actor));

    Map<String, ObjectNode> entry = new LinkedHashMap<>();
    entry.put("id", id("The task's id"));
    entry.put("kind", id("comment (default), log, link, or a kind of your own"));
    entry.put("text", text("The entry's text"));
    entry.put("data", anyValue("Structured data, e.g. {\"url\": \"https://…\"} for a link"));
    add("add_entry", "Add to a task's timeline",
        "Add an entry to a task's timeline: a comment, a log line or a link. Answers the"
            + " entry.",
        ToolSchemas.object(entry, List.of("id")), ToolSchemas.entry(), false, false,
        (p, a, actor) -> tasks.addEntry(p, taskId(a), a.hasNonNull("kind")
                ? TaskFields.id("kind", a.get("kind"), false) : "comment",
            TaskFields.text("text", a.get("text"), TaskFields.MAX_TEXT, true),
            TaskFields.jsonValue("data", a.get("data")), actor));

    Map<String, ObjectNode> share = new LinkedHashMap<>();
    share.put("id", id("The task's id"));
    share.put("userId", id("The user to share it with (or to stop sharing it with)"));
    share.put("unshare", bool("true to stop sharing instead (default false)"));
    add("share_task", "Share a task",
        "Let another user see a task, or stop (unshare: true). Only the task's owner or an"
            + " admin may do this.",
        ToolSchemas.object(share, List.of("id", "userId")), ToolSchemas.task(), false, false,
        (p, a, actor) -> {
          String user = TaskFields.id("userId", a.get("userId"), false);
          if (a.has("unshare") && !a.get("unshare").isBoolean()) {
            throw Problem.invalid("unshare", "must be true or false");
          }
          return a.path("unshare").asBoolean(false) ? tasks.unshare(p, taskId(a), user, actor)
              : tasks.share(p, taskId(a), user, actor);
        });

    add("delete_task", "Delete a task",
        "Delete a task for everyone. It cannot be undone; prefer set_status cancelled to keep"
            + " its history.",
        ToolSchemas.object(Map.of("id", id("The task's id")), List.of("id")),
        ToolSchemas.deleted(), false, true, (p, a, actor) -> {
          tasks.delete(p, taskId(a), null, actor);
          return Map.of("deleted", taskId(a));
        });

    add("project_summary", "Summarize a project",
        "Count a project's tasks (those you can see) by status, with the share completed.",
        ToolSchemas.object(Map.of("projectId", id("The project's id")), List.of("projectId")),
        ToolSchemas.summary(), true, false, (p, a, actor) ->
            accounts.summary(p, TaskFields.id("projectId", a.get("projectId"), false)));
  }

  /** The tools as SDK specifications, in the order {@code tools/list} shows them. */
  public List<SyncToolSpecification> specifications() {
    List<SyncToolSpecification> out = new ArrayList<>();
    for (Entry e : tools.values()) {
      out.add(new SyncToolSpecification(e.tool(), (exchange, request) -> call(e, exchange,
          request)));
    }
    return out;
  }

  private CallToolResult call(Entry e, McpSyncServerExchange exchange, CallToolRequest request) {
    Principal p = (Principal) exchange.transportContext().get(PRINCIPAL);
    JsonNode args = Json.MAPPER.valueToTree(request.arguments() == null ? Map.of()
        : request.arguments());
    try {
      checkArguments(e, args);
      JsonNode value = Json.MAPPER.valueToTree(e.call().run(p, args, Actor.user(p.userId(),
          "mcp")));
      progressDone(exchange, request);
      return CallToolResult.builder()
          .structuredContent(Json.MAPPER.convertValue(value, MAP))
          .addTextContent(value.toString())
          .isError(false)
          .build();
    } catch (Problem refused) {
      return Refusals.result(refused);
    } catch (RuntimeException bug) {
      log.error("tool {} failed for {}", e.tool().name(), p.userId(), bug);
      return Refusals.internal();
    }
  }

  /** Unknown arguments are refused by name, as HTTP refuses unknown fields. */
  private static void checkArguments(Entry e, JsonNode args) {
    JsonNode known = e.input().get("properties");
    args.fieldNames().forEachRemaining(name -> {
      if (!known.has(name)) {
        List<String> names = new ArrayList<>();
        known.fieldNames().forEachRemaining(names::add);
        throw Problem.invalid(name, "is not an argument of " + e.tool().name()
            + " (its arguments: " + String.join(", ", names) + ")");
      }
    });
  }

  /**
   * A client that sent a progress token hears when the call is done, on the same response
   * (which the transport then streams as SSE). A tool is one transaction, so there is one step.
   */
  private static void progressDone(McpSyncServerExchange exchange, CallToolRequest request) {
    Object token = request.meta() == null ? null : request.meta().get("progressToken");
    if (token != null) {
      exchange.progressNotification(new ProgressNotification(token, 1.0, 1.0,
          request.name() + " done"));
    }
  }

  private Object listTasks(Principal p, JsonNode a, Actor actor) {
    List<String> statuses = null;
    if (a.hasNonNull("status")) {
      statuses = new ArrayList<>();
      for (String s : TaskFields.text("status", a.get("status"), 100, false).split(",")) {
        if (Status.parse(s.trim()) == null) {
          throw Problem.invalid("status", "unknown status '" + s.trim() + "' (statuses: "
              + String.join(", ", STATUSES) + ")");
        }
        statuses.add(s.trim());
      }
    }
    int limit = a.hasNonNull("limit") ? TaskFields.integer("limit", a.get("limit"), 1, 100)
        : 20;
    TaskService.Page page = tasks.list(p, new TaskStore.Query(optionalId(a, "projectId"),
        statuses, optionalId(a, "assignee"), optionalId(a, "teamId"), optionalId(a, "queue"),
        a.hasNonNull("q") ? TaskFields.text("q", a.get("q"), TaskFields.MAX_TITLE, false) : null,
        ListCursor.decode(a.hasNonNull("cursor")
            ? TaskFields.text("cursor", a.get("cursor"), 200, false) : null),
        limit));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tasks", page.tasks());
    out.put("offset", page.offset());
    out.put("nextCursor", ListCursor.encode(page.nextCursor()));
    return out;
  }

  private Object setStatus(Principal p, JsonNode a, Actor actor) {
    Status to = TaskFields.status(a.get("status"));
    ObjectNode detail = Json.MAPPER.createObjectNode();
    for (String f : List.of("output", "error", "reason")) {
      if (a.has(f)) {
        detail.set(f, a.get(f));
      }
    }
    return tasks.moveTo(p, taskId(a), to, detail, null, actor);
  }

  private static String taskId(JsonNode a) {
    return TaskFields.id("id", a.get("id"), false);
  }

  private static String optionalId(JsonNode a, String field) {
    return a.hasNonNull(field) ? TaskFields.id(field, a.get(field), false) : null;
  }

  private void add(String name, String title, String description, ObjectNode input,
      ObjectNode output, boolean readOnly, boolean destructive, Call call) {
    Tool tool = Tool.builder()
        .name(name)
        .title(title)
        .description(description)
        .inputSchema(Json.MAPPER.convertValue(input, MAP))
        .outputSchema(Json.MAPPER.convertValue(output, MAP))
        .annotations(new ToolAnnotations(title, readOnly, destructive, readOnly, false, null))
        .build();
    tools.put(name, new Entry(tool, input, call));
  }
}
