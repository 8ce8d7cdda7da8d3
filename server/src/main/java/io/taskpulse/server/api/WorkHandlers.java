package io.taskpulse.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.log.Tail;
import io.taskpulse.server.tasks.Leases;
import io.taskpulse.server.tasks.Task;
import io.taskpulse.server.tasks.TaskFields;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Workers: claim work from a queue, keep leases with heartbeats, list who works. */
final class WorkHandlers {

  private final Leases leases;
  private final Tail tail;
  private final Http http;

  WorkHandlers(Leases leases, Tail tail, Http http) {
    this.leases = leases;
    this.tail = tail;
    this.http = http;
  }

  /**
   * {@code POST /queues/{queue}/claim}: with {@code wait}, an empty claim is tried again each
   * time the log moves on, until work arrives or the wait ends.
   */
  void claim(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String queue = TaskFields.queue(ctx.pathParam("queue"));
    ObjectNode body = Http.body(ctx);
    only(body, Set.of("worker", "max", "leaseSeconds", "wait"));
    String worker = TaskFields.id("worker", body.get("worker"), false);
    int max = body.has("max") ? TaskFields.integer("max", body.get("max"), 1, 100) : 1;
    int lease = body.has("leaseSeconds")
        ? TaskFields.integer("leaseSeconds", body.get("leaseSeconds"), 1, 3600) : 30;
    int wait = body.has("wait") ? TaskFields.integer("wait", body.get("wait"), 0, 60) : 0;
    long deadline = System.nanoTime() + wait * 1_000_000_000L;
    tryClaim(ctx, p, queue, worker, max, lease, deadline);
  }

  private void tryClaim(RoutingContext ctx, Principal p, String queue, String worker, int max,
      int lease, long deadline) {
    long seen = tail.released();
    http.async(ctx, () -> leases.claim(p, queue, worker, max, lease), claimed -> {
      long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
      if (!claimed.isEmpty() || leftMillis <= 0 || ctx.response().closed()) {
        Http.send(ctx, Reply.ok(Map.of("tasks", claimed)));
        return;
      }
      // Nothing now: try again when anything is committed (work may have arrived or come due),
      // and at least every second for tasks whose notBefore passes.
      tail.awaitAfter(seen, Math.min(leftMillis, 1_000))
          .onComplete(r -> tryClaim(ctx, p, queue, worker, max, lease, deadline));
    });
  }

  /** {@code POST /tasks/{id}/heartbeat}: 409 {@code lease_lost} tells a worker to stop. */
  void heartbeat(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    ObjectNode body = Http.body(ctx);
    only(body, Set.of("worker", "leaseSeconds", "progress", "progressMessage"));
    String worker = TaskFields.id("worker", body.get("worker"), false);
    int lease = body.has("leaseSeconds")
        ? TaskFields.integer("leaseSeconds", body.get("leaseSeconds"), 1, 3600) : 30;
    Integer progress = body.has("progress") ? TaskFields.progress(body.get("progress")) : null;
    String message = TaskFields.text("progressMessage", body.get("progressMessage"),
        TaskFields.MAX_TEXT, true);
    http.async(ctx, () -> {
      Leases.Heartbeat beat = leases.heartbeat(p, id, worker, lease, progress, message);
      Task task = beat.task();
      return Reply.ok(Map.of("leaseExpiresAt", beat.leaseExpiresAt(), "task", task));
    });
  }

  void workers(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    http.async(ctx, () -> Reply.ok(Map.of("workers", leases.workers(p))));
  }

  private static void only(JsonNode body, Set<String> fields) {
    body.fieldNames().forEachRemaining(name -> {
      if (!fields.contains(name)) {
        throw Problem.invalid(name, "is not accepted here (accepted: "
            + String.join(", ", new TreeSet<>(fields)) + ")");
      }
    });
  }
}
