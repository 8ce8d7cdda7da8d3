package io.taskpulse.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.store.TaskStore;
import io.taskpulse.server.tasks.Actor;
import io.taskpulse.server.tasks.Entry;
import io.taskpulse.server.tasks.ListCursor;
import io.taskpulse.server.tasks.Status;
import io.taskpulse.server.tasks.Task;
import io.taskpulse.server.tasks.TaskFields;
import io.taskpulse.server.tasks.TaskService;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** HTTP handlers for tasks: parse and check the request, call {@link TaskService}, reply. */
final class TaskHandlers {

  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 500;
  private static final int MAX_IDEMPOTENCY_KEY = 200;

  private final TaskService tasks;
  private final Http http;

  TaskHandlers(TaskService tasks, Http http) {
    this.tasks = tasks;
    this.http = http;
  }

  void create(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    ObjectNode body = Http.body(ctx);
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key != null && (key.isBlank() || key.length() > MAX_IDEMPOTENCY_KEY)) {
      throw Problem.invalid("Idempotency-Key", "must be 1 to " + MAX_IDEMPOTENCY_KEY
          + " characters");
    }
    http.async(ctx, () -> {
      TaskService.Created created = tasks.create(p, body, key, actor(p));
      Reply reply = withEtag(Reply.created(created.task()), created.task())
          .header("Location", "/api/v1/tasks/" + created.task().id());
      return created.replayed() ? reply.header("Idempotent-Replayed", "true") : reply;
    });
  }

  void list(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    List<String> statuses = null;
    String status = ctx.queryParams().get("status");
    if (status != null && !status.isBlank()) {
      statuses = new ArrayList<>();
      for (String s : status.split(",")) {
        if (Status.parse(s.trim()) == null) {
          throw Problem.invalid("status", "unknown status " + s.trim());
        }
        statuses.add(s.trim());
      }
    }
    TaskStore.Query q = new TaskStore.Query(
        param(ctx, "projectId"), statuses, param(ctx, "assignee"), param(ctx, "teamId"),
        param(ctx, "queue"), param(ctx, "q"), ListCursor.decode(ctx.queryParams().get("cursor")),
        intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT));
    http.async(ctx, () -> {
      TaskService.Page page = tasks.list(p, q);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("tasks", page.tasks());
      out.put("offset", page.offset());
      out.put("epoch", page.epoch());
      out.put("nextCursor", ListCursor.encode(page.nextCursor()));
      out.put("sight", p.sight()); // for the /events long-poll that follows this snapshot
      return Reply.ok(out);
    });
  }

  void get(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    String ifNoneMatch = ctx.request().getHeader("If-None-Match");
    http.async(ctx, () -> {
      Task task = tasks.get(p, id);
      if (ifNoneMatch != null && matches(ifNoneMatch, task)) {
        return new Reply(304, null, Map.of("ETag", etag(task)));
      }
      return withEtag(Reply.ok(task), task);
    });
  }

  void patch(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    ObjectNode body = Http.body(ctx);
    Long expected = ifMatch(ctx);
    http.async(ctx, () -> taskReply(tasks.patch(p, id, body, expected, actor(p))));
  }

  /** The status-move endpoints: start, complete, fail, cancel, reopen. */
  void move(RoutingContext ctx, Status to, Set<String> fields) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    ObjectNode body = Http.body(ctx);
    body.fieldNames().forEachRemaining(name -> {
      if (!fields.contains(name)) {
        throw Problem.invalid(name, "is not accepted here (accepted: " + String.join(", ", fields)
            + ")");
      }
    });
    Long expected = ifMatch(ctx);
    String worker = body.hasNonNull("worker") ? body.get("worker").asText() : null;
    http.async(ctx, () -> taskReply(tasks.moveTo(p, id, to, body, expected, actor(p, worker))));
  }

  void progress(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    ObjectNode body = Http.body(ctx);
    body.fieldNames().forEachRemaining(name -> {
      if (!name.equals("progress") && !name.equals("message") && !name.equals("worker")) {
        throw Problem.invalid(name, "is not accepted here (accepted: progress, message, worker)");
      }
    });
    if (!body.has("progress")) {
      throw Problem.invalid("progress", "is required");
    }
    int progress = TaskFields.progress(body.get("progress"));
    String message = TaskFields.text("message", body.get("message"), TaskFields.MAX_TEXT, true);
    String worker = body.has("worker") ? TaskFields.id("worker", body.get("worker"), false) : null;
    http.async(ctx, () -> taskReply(tasks.progress(p, id, progress, message, worker,
        actor(p, worker))));
  }

  void addEntry(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    ObjectNode body = Http.body(ctx);
    body.fieldNames().forEachRemaining(name -> {
      if (!Set.of("kind", "text", "data", "worker").contains(name)) {
        throw Problem.invalid(name, "is not accepted here (accepted: kind, text, data, worker)");
      }
    });
    String kind = body.has("kind") ? TaskFields.id("kind", body.get("kind"), false) : "log";
    String text = TaskFields.text("text", body.get("text"), TaskFields.MAX_TEXT, true);
    JsonNode data = TaskFields.jsonValue("data", body.get("data"));
    if (text == null && data == null) {
      throw Problem.invalid("text", "an entry needs text or data");
    }
    String worker = body.has("worker") ? TaskFields.id("worker", body.get("worker"), false) : null;
    http.async(ctx, () -> Reply.created(tasks.addEntry(p, id, kind, text, data, worker,
        actor(p, worker))));
  }

  void entries(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    long after = longParam(ctx, "after", 0);
    int limit = intParam(ctx, "limit", 100, 1, 1000);
    http.async(ctx, () -> {
      List<Entry> entries = tasks.entries(p, id, after, limit);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("entries", entries);
      out.put("next", entries.size() == limit ? entries.get(entries.size() - 1).id() : null);
      return Reply.ok(out);
    });
  }

  void share(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    String user = userParam(ctx);
    http.async(ctx, () -> taskReply(tasks.share(p, id, user, actor(p))));
  }

  void unshare(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    String user = userParam(ctx);
    http.async(ctx, () -> taskReply(tasks.unshare(p, id, user, actor(p))));
  }

  void delete(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    Long expected = ifMatch(ctx);
    http.async(ctx, () -> {
      tasks.delete(p, id, expected, actor(p));
      return Reply.noContent();
    });
  }

  private static Actor actor(Principal p) {
    return Actor.user(p.userId(), "http");
  }

  /** A call that names a worker acts as that worker. */
  static Actor actor(Principal p, String worker) {
    return worker == null ? actor(p) : new Actor(worker, "worker", "http");
  }

  private static Reply taskReply(Task task) {
    return withEtag(Reply.ok(task), task);
  }

  private static Reply withEtag(Reply reply, Task task) {
    return reply.header("ETag", etag(task));
  }

  /** {@code If-None-Match} as a list of tags, quoted, bare or weak, or {@code *}. */
  private static boolean matches(String ifNoneMatch, Task task) {
    for (String tag : ifNoneMatch.split(",")) {
      String v = tag.trim();
      if (v.equals("*")) {
        return true;
      }
      if (v.startsWith("W/")) {
        v = v.substring(2);
      }
      if (v.replace("\"", "").equals(Long.toString(task.version()))) {
        return true;
      }
    }
    return false;
  }

  private static String etag(Task task) {
    return "\"" + task.version() + "\"";
  }

  /** {@code If-Match: "7"}, {@code 7} or {@code W/"7"}; absent means no check. */
  private static Long ifMatch(RoutingContext ctx) {
    String header = ctx.request().getHeader("If-Match");
    if (header == null || header.isBlank() || header.trim().equals("*")) {
      return null;
    }
    String v = header.trim();
    if (v.startsWith("W/")) {
      v = v.substring(2);
    }
    v = v.replace("\"", "");
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw Problem.invalid("If-Match", "must be a task version such as \"7\"");
    }
  }

  private static String userParam(RoutingContext ctx) {
    String user = ctx.pathParam("userId");
    if (user == null || user.isBlank() || user.length() > TaskFields.MAX_ID) {
      throw Problem.invalid("userId", "must be a user id of at most " + TaskFields.MAX_ID
          + " characters");
    }
    return user;
  }

  static String param(RoutingContext ctx, String name) {
    String v = ctx.queryParams().get(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    if (v.length() > TaskFields.MAX_TITLE) {
      throw Problem.invalid(name, "is too long");
    }
    return v;
  }

  static int intParam(RoutingContext ctx, String name, int dflt, int min, int max) {
    String v = ctx.queryParams().get(name);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw Problem.invalid(name, "must be a whole number from " + min + " to " + max);
  }

  static long longParam(RoutingContext ctx, String name, long dflt) {
    String v = ctx.queryParams().get(name);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw Problem.invalid(name, "must be a whole number, 0 or more");
  }
}
