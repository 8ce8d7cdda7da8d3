package io.taskpulse.server.api;

import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.mcp.McpHttpTransport;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code /mcp} over HTTP (PROTOCOL section 9): checks the origin on the event loop, hands the message to {@link McpHttpTransport} on the worker
 * pool, and writes its answer: JSON, an empty 202/204, or an SSE stream written as it comes.
 */
final class McpHandlers {

  /** Built while the node starts; waited for on a worker, never on the event loop. */
  private final Supplier<McpHttpTransport> transport;
  private final List<String> allowedOrigins;
  private final Http http;

  McpHandlers(Supplier<McpHttpTransport> transport, List<String> allowedOrigins, Http http) {
    this.transport = transport;
    this.allowedOrigins = allowedOrigins;
    this.http = http;
  }

  void post(RoutingContext ctx) {
    Principal p = checked(ctx);
    byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    McpHttpTransport.Post post = new McpHttpTransport.Post(p, ctx.request().getHeader("Accept"),
        ctx.request().getHeader("Mcp-Session-Id"),
        ctx.request().getHeader("MCP-Protocol-Version"), body);
    SseOut sse = new SseOut(ctx.response(), ctx.vertx().getOrCreateContext());
    http.async(ctx, () -> transport.get().post(post, sse), answer -> answer(ctx, answer));
  }

  void delete(RoutingContext ctx) {
    Principal p = checked(ctx);
    String session = ctx.request().getHeader("Mcp-Session-Id");
    http.async(ctx, () -> transport.get().delete(p, session), answer -> answer(ctx, answer));
  }

  /** No server-to-client stream is offered: the server has nothing to say unasked. */
  void get(RoutingContext ctx) {
    checked(ctx);
    ctx.response().setStatusCode(405).putHeader("Allow", "POST, DELETE").end();
  }

  private Principal checked(RoutingContext ctx) {
    if (!Origins.allowed(ctx.request(), allowedOrigins)) {
      throw Problem.forbidden("origin " + ctx.request().getHeader("Origin") + " is not allowed");
    }
    return Http.principal(ctx);
  }

  private static void answer(RoutingContext ctx, McpHttpTransport.Answer answer) {
    HttpServerResponse response = ctx.response();
    if (answer.streamed() || response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(answer.status());
    answer.headers().forEach(response::putHeader);
    if (answer.json() == null) {
      response.end();
    } else {
      response.putHeader("Content-Type", "application/json; charset=utf-8").end(answer.json());
    }
  }

  /** An SSE answer written on the request's event loop, in the order the worker sends it. */
  private static final class SseOut implements McpHttpTransport.EventStream {

    private final HttpServerResponse response;
    private final Context loop;

    SseOut(HttpServerResponse response, Context loop) {
      this.response = response;
      this.loop = loop;
    }

    @Override
    public void open() {
      loop.runOnContext(v -> {
        if (!response.closed()) {
          response.setStatusCode(200).setChunked(true)
              .putHeader("Content-Type", "text/event-stream")
              .putHeader("Cache-Control", "no-cache");
        }
      });
    }

    @Override
    public void send(String json) {
      Buffer frame = Buffer.buffer(("event: message\ndata: " + json + "\n\n")
          .getBytes(StandardCharsets.UTF_8));
      loop.runOnContext(v -> {
        if (!response.closed() && !response.ended()) {
          response.write(frame);
        }
      });
    }

    @Override
    public void end() {
      loop.runOnContext(v -> {
        if (!response.closed() && !response.ended()) {
          response.end();
        }
      });
    }
  }
}
