package io.taskpulse.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.json.Json;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs handlers off the event loop and writes their replies. Handlers block on the database,
 * so they run on the bounded worker pool; past {@code maxInFlight} requests waiting for it, a
 * request is refused with 503 rather than queued without end.
 */
final class Http {

  private static final Logger log = LoggerFactory.getLogger(Http.class);
  /** The caller as the server's records allow it (see {@code AccountCheck}). */
  static final String PRINCIPAL = "taskpulse.principal";
  /** The caller as the token alone says, for connections that re-check it later. */
  static final String TOKEN_PRINCIPAL = "taskpulse.token-principal";

  private final WorkerExecutor workers;
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();

  Http(WorkerExecutor workers, int maxInFlight) {
    this.workers = workers;
    this.maxInFlight = maxInFlight;
  }

  /** Runs {@code work} on a worker thread and answers with its reply or its error. */
  void async(RoutingContext ctx, Callable<Reply> work) {
    async(ctx, work, reply -> send(ctx, reply));
  }

  /**
   * Runs {@code work} on a worker thread, then {@code then} with its result back on the
   * request's event loop; a failure of either is answered as an error.
   */
  <T> void async(RoutingContext ctx, Callable<T> work, Consumer<T> then) {
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      fail(ctx, Problem.unavailable("the server is busy; retry shortly"), "1");
      return;
    }
    workers.executeBlocking(work, false).onComplete(r -> {
      inFlight.decrementAndGet();
      if (r.failed()) {
        fail(ctx, r.cause(), null);
        return;
      }
      try {
        then.accept(r.result());
      } catch (RuntimeException e) {
        fail(ctx, e, null);
      }
    });
  }

  int inFlight() {
    return inFlight.get();
  }

  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  static Principal tokenPrincipal(RoutingContext ctx) {
    return ctx.get(TOKEN_PRINCIPAL);
  }

  /** The request body as a JSON object; an empty body is an empty object. */
  static ObjectNode body(RoutingContext ctx) {
    Buffer buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      return Json.MAPPER.createObjectNode();
    }
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(buffer.getBytes());
    } catch (JsonProcessingException e) {
      throw Problem.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw Problem.badRequest("the body cannot be read");
    }
    if (node == null || node.isMissingNode()) {
      return Json.MAPPER.createObjectNode();
    }
    if (!node.isObject()) {
      throw Problem.badRequest("the body must be a JSON object");
    }
    return (ObjectNode) node;
  }

  static void send(RoutingContext ctx, Reply reply) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(reply.status());
    reply.headers().forEach(response::putHeader);
    if (reply.body() == null) {
      response.end();
    } else {
      response.putHeader("Content-Type", "application/json; charset=utf-8");
      response.end(reply.body() instanceof RawJson raw ? Buffer.buffer(raw.text())
          : Buffer.buffer(Json.writeBytes(reply.body())));
    }
  }

  /** Maps any failure to the error body; a bug is a logged 500 with no internals shown. */
  static void fail(RoutingContext ctx, Throwable cause, String retryAfter) {
    Problem problem;
    if (cause instanceof Problem p) {
      problem = p;
    } else {
      log.error("{} {} failed", ctx.request().method(), ctx.request().path(), cause);
      send(ctx, new Reply(500, error("internal", "the server failed to handle this request",
          Map.of()), Map.of()));
      return;
    }
    Reply reply = new Reply(problem.code().httpStatus,
        error(problem.code().wire, problem.getMessage(), problem.details()), Map.of());
    if (problem.code() == Problem.Code.UNAUTHORIZED) {
      reply = reply.header("WWW-Authenticate", "Bearer");
    }
    Object retry = problem.details().get("retryAfterSeconds");
    if (retry != null) {
      reply = reply.header("Retry-After", retry.toString());
    } else if (retryAfter != null) {
      reply = reply.header("Retry-After", retryAfter);
    }
    send(ctx, reply);
  }

  static Map<String, Object> error(String code, String message, Map<String, Object> details) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", code);
    body.put("message", message);
    body.put("details", details);
    return Map.of("error", body);
  }
}
