package io.taskpulse.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.accounts.AccountService;
import io.taskpulse.server.auth.AccountCheck;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.auth.Tokens;
import io.taskpulse.server.bus.Bus;
import io.taskpulse.server.bus.Notice;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.github.GitHubWebhooks;
import io.taskpulse.server.hub.Hub;
import io.taskpulse.server.mcp.McpHttpTransport;
import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.log.Tail;
import io.taskpulse.server.metrics.Metrics;
import io.taskpulse.server.store.Db;
import io.taskpulse.server.schedules.ScheduleService;
import io.taskpulse.server.tasks.Leases;
import io.taskpulse.server.tasks.TaskService;
import io.taskpulse.server.transport.Connections;
import io.taskpulse.server.transport.WebSocketConnection;
import io.taskpulse.server.web.Dashboard;
import io.taskpulse.server.tasks.Status;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The route table of {@code /api/v1} (PROTOCOL section 3), with auth, limits and errors. */
public final class ApiRouter {

  private static final String V1 = "/api/v1";

  private final Tokens tokens;
  private final AccountCheck accountCheck;
  private final RateLimiter rateLimiter;
  private final LoginThrottle loginThrottle = new LoginThrottle(10_000);
  private final TaskHandlers tasks;
  private final AccountHandlers accounts;
  private final EventHandlers events;
  private final LiveHandlers live;
  private final WorkHandlers work;
  private final ScheduleHandlers schedules;
  private final GitHubWebhooks githubWebhooks;
  private final McpHandlers mcp;
  private final Dashboard dashboard;
  private final Http http;
  private final long maxBodyBytes;
  private final List<String> allowedOrigins;
  private final Metrics metrics;
  private final boolean accessLog;
  private static final Logger ACCESS = LoggerFactory.getLogger("taskpulse.access");

  public ApiRouter(Tokens tokens, AccountCheck accountCheck, double writesPerSecond,
      double writeBurst, long maxBodyBytes, List<String> allowedOrigins, Metrics metrics,
      boolean accessLog, Parts parts) {
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.tokens = tokens;
    this.accountCheck = accountCheck;
    this.rateLimiter = new RateLimiter(writesPerSecond, writeBurst);
    this.maxBodyBytes = maxBodyBytes;
    this.allowedOrigins = allowedOrigins;
    Http http = parts.http();
    this.tasks = new TaskHandlers(parts.tasks(), http);
    this.accounts = new AccountHandlers(parts.accounts(), tokens, parts.tokenTtl(), http,
        loginThrottle, new LoginCounters(metrics.registry()));
    loginThrottle.tellOthersWith(body -> parts.bus().announce(Notice.LOGINS, body));
    parts.bus().onNotice(Notice.LOGINS, loginThrottle::heard);
    this.events = new EventHandlers(parts.db(), parts.eventLog(), parts.tail(), parts.bus(),
        parts.hub(), accountCheck, http);
    this.work = new WorkHandlers(parts.leases(), parts.tail(), http);
    this.schedules = new ScheduleHandlers(parts.schedules(), http);
    this.githubWebhooks = parts.github();
    this.mcp = new McpHandlers(parts.mcp(), allowedOrigins, http);
    this.dashboard = parts.dashboard();
    this.http = http;
    this.live = new LiveHandlers(parts.hub(), tokens, accountCheck, parts.connections(),
        parts.wsLimits(), allowedOrigins, parts.clock(), http);
  }

  /** The services the handlers call; built once in {@code Taskpulse}. */
  public record Parts(Db db, EventLog eventLog, Tail tail, Bus bus, TaskService tasks,
      AccountService accounts, Leases leases, ScheduleService schedules,
      GitHubWebhooks github, Supplier<McpHttpTransport> mcp, Hub hub,
      Connections connections,
      WebSocketConnection.Limits wsLimits, Duration tokenTtl, WorkerExecutor workers,
      int maxInFlight, Dashboard dashboard, Clock clock) {

    Http http() {
      return new Http(workers, maxInFlight);
    }
  }

  /**
   * What a node's HTTP server hands every request to: an accepted WebSocket upgrade goes
   * straight to the socket, everything else (refused upgrades included) through the router.
   * An upgrade the router makes keeps its routing context, and the request that holds it, for
   * as long as the socket lives.
   */
  public Handler<HttpServerRequest> requestHandler(Vertx vertx) {
    Router router = router(vertx);
    return req -> {
      if (!live.upgrade(req, vertx, this::upgraded)) {
        router.handle(req);
      }
    };
  }

  /**
   * Records an accepted upgrade like a routed request once its handshake is done. Only
   * strings are kept: the request lives as long as its socket when something holds it.
   */
  private IntConsumer upgraded(HttpServerRequest req) {
    long start = System.nanoTime();
    String method = req.method().name();
    String path = req.path();
    String remote = accessLog ? String.valueOf(req.remoteAddress()) : "";
    return status -> observe(method, path, path, status, System.nanoTime() - start, null,
        remote);
  }

  public Router router(Vertx vertx) {
    Router r = Router.router(vertx);
    r.route().handler(this::measure);
    if (!allowedOrigins.isEmpty()) {
      r.route().handler(CorsHandler.create().addOrigins(allowedOrigins)
          .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PATCH, HttpMethod.PUT,
              HttpMethod.DELETE))
          .allowedHeaders(Set.of("Authorization", "Content-Type", "If-Match", "If-None-Match",
              "Idempotency-Key", "Last-Event-ID", "Accept", "Mcp-Session-Id",
              "MCP-Protocol-Version"))
          .exposedHeaders(Set.of("ETag", "Location", "Retry-After", "Mcp-Session-Id")));
    }
    // The upgrade carries no body and authenticates itself (first message or ?token=). Those
    // that will be accepted never get here (requestHandler); this route refuses the rest.
    r.get(V1 + "/ws").handler(live::webSocket);
    r.route(V1 + "/*").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));

    // Open to all (restrict /metrics at the proxy if it must not be public).
    r.get("/metrics").handler(this::scrape);
    r.get(V1 + "/metrics").handler(this::scrape);
    r.get(V1 + "/health/live").handler(events::live);
    r.get(V1 + "/health/ready").handler(events::ready);
    r.get("/health/live").handler(events::live);
    r.get("/health/ready").handler(events::ready);
    r.post(V1 + "/auth/login").handler(accounts::login);
    r.post(V1 + "/webhooks/github").handler(this::github); // signed by GitHub, not a token

    // Everything else needs a token; writes are rate-limited per user.
    r.route(V1 + "/*").handler(this::authenticate);
    r.route(V1 + "/*").handler(this::limitWrites);

    r.get(V1 + "/me").handler(accounts::me);
    r.post(V1 + "/auth/refresh").handler(accounts::refresh);

    r.post(V1 + "/tasks").handler(tasks::create);
    r.get(V1 + "/tasks").handler(tasks::list);
    r.get(V1 + "/tasks/:id").handler(tasks::get);
    r.patch(V1 + "/tasks/:id").handler(tasks::patch);
    r.delete(V1 + "/tasks/:id").handler(tasks::delete);
    r.post(V1 + "/tasks/:id/start").handler(move(Status.RUNNING, Set.of()));
    r.post(V1 + "/tasks/:id/complete").handler(move(Status.COMPLETED, Set.of("output", "worker")));
    r.post(V1 + "/tasks/:id/fail").handler(move(Status.FAILED, Set.of("error", "worker")));
    r.post(V1 + "/tasks/:id/cancel").handler(move(Status.CANCELLED, Set.of("reason")));
    r.post(V1 + "/tasks/:id/reopen").handler(move(Status.PENDING, Set.of("reason")));
    r.post(V1 + "/tasks/:id/progress").handler(tasks::progress);
    r.post(V1 + "/tasks/:id/entries").handler(tasks::addEntry);
    r.get(V1 + "/tasks/:id/entries").handler(tasks::entries);
    r.put(V1 + "/tasks/:id/shares/:userId").handler(tasks::share);
    r.delete(V1 + "/tasks/:id/shares/:userId").handler(tasks::unshare);

    r.post(V1 + "/queues/:queue/claim").handler(work::claim);
    r.post(V1 + "/tasks/:id/heartbeat").handler(work::heartbeat);
    r.get(V1 + "/workers").handler(work::workers);

    r.post(V1 + "/schedules").handler(schedules::create);
    r.get(V1 + "/schedules").handler(schedules::list);
    r.get(V1 + "/schedules/:id").handler(schedules::get);
    r.patch(V1 + "/schedules/:id").handler(schedules::patch);
    r.delete(V1 + "/schedules/:id").handler(schedules::delete);
    r.post(V1 + "/schedules/:id/run").handler(schedules::run);

    r.post(V1 + "/mcp").handler(mcp::post);
    r.delete(V1 + "/mcp").handler(mcp::delete);
    r.get(V1 + "/mcp").handler(mcp::get);

    r.get(V1 + "/events").handler(events::feed);
    r.get(V1 + "/events/stream").handler(live::sse);

    r.post(V1 + "/users").handler(accounts::createUser);
    r.get(V1 + "/users").handler(accounts::listUsers);
    r.patch(V1 + "/users/:id").handler(accounts::patchUser);

    r.post(V1 + "/teams").handler(accounts::createTeam);
    r.get(V1 + "/teams").handler(accounts::listTeams);
    r.patch(V1 + "/teams/:id").handler(accounts::renameTeam);
    r.put(V1 + "/teams/:id/members/:userId").handler(accounts::addMember);
    r.delete(V1 + "/teams/:id/members/:userId").handler(accounts::removeMember);

    r.post(V1 + "/projects").handler(accounts::createProject);
    r.get(V1 + "/projects").handler(accounts::listProjects);
    r.get(V1 + "/projects/:id").handler(accounts::getProject);
    r.patch(V1 + "/projects/:id").handler(accounts::patchProject);
    r.get(V1 + "/projects/:id/summary").handler(accounts::projectSummary);

    // The web dashboard at /, after every API route so it can never shadow one.
    dashboard.mount(r);

    r.route().last().handler(ctx -> Http.fail(ctx,
        new Problem(Problem.Code.NOT_FOUND, "no such route: " + ctx.request().method() + " "
            + ctx.request().path(), Map.of()), null));
    r.route().failureHandler(this::failure);
    return r;
  }

  /** {@code POST /webhooks/github}: 401 unless signed with the configured secret. */
  private void github(RoutingContext ctx) {
    if (githubWebhooks == null) {
      throw new Problem(Problem.Code.NOT_FOUND, "GitHub webhooks are not configured"
          + " (TASKPULSE_GITHUB_WEBHOOK_SECRET)", Map.of());
    }
    byte[] raw = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    githubWebhooks.verify(raw, ctx.request().getHeader("X-Hub-Signature-256"));
    String type = ctx.request().getHeader("Content-Type");
    if (type != null && type.startsWith("application/x-www-form-urlencoded")) {
      throw Problem.badRequest("this webhook takes JSON: set its content type to"
          + " application/json in GitHub's webhook settings");
    }
    String event = ctx.request().getHeader("X-GitHub-Event");
    String delivery = ctx.request().getHeader("X-GitHub-Delivery");
    JsonNode payload = Http.body(ctx);
    http.async(ctx, () -> {
      GitHubWebhooks.Outcome o = githubWebhooks.handle(event, delivery, payload);
      return new Reply(o.status(), Map.of("result", o.result()), Map.of());
    });
  }

  private void scrape(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape());
  }

  /** Times every request by route template and status; optionally logs it as JSON. */
  private void measure(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addBodyEndHandler(v -> {
      long nanos = System.nanoTime() - start;
      String route = ctx.currentRoute() == null || ctx.currentRoute().getPath() == null
          ? "unmatched" : ctx.currentRoute().getPath();
      Principal p = Http.principal(ctx);
      observe(ctx.request().method().name(), ctx.request().path(), route,
          ctx.response().getStatusCode(), nanos, p == null ? null : p.userId(),
          accessLog ? String.valueOf(ctx.request().remoteAddress()) : "");
    });
    ctx.next();
  }

  /** One finished request: its timer by route and status, and its access log line. */
  private void observe(String method, String path, String route, int status, long nanos,
      String user, String remote) {
    Timer.builder("taskpulse.http.requests")
        .tag("method", method).tag("route", route)
        .tag("status", Integer.toString(status)).register(metrics.registry())
        .record(nanos, TimeUnit.NANOSECONDS);
    if (accessLog) {
      ACCESS.info("{}", Json.write(Map.of("method", method, "path", path, "route", route,
          "status", status, "micros", nanos / 1000, "user", user == null ? "" : user,
          "remote", remote)));
    }
  }

  private Handler<RoutingContext> move(Status to, Set<String> fields) {
    return ctx -> tasks.move(ctx, to, fields);
  }

  private void authenticate(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    String token = null;
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      token = header.substring(7).trim();
    } else if (ctx.request().method() == HttpMethod.GET) {
      token = ctx.queryParams().get("token"); // for EventSource and simple clients
    }
    Principal fromToken = tokens.verify(token);
    Principal p = accountCheck.current(fromToken)
        .orElseThrow(() -> Problem.unauthorized("this account is disabled"));
    ctx.put(Http.PRINCIPAL, p);
    ctx.put(Http.TOKEN_PRINCIPAL, fromToken);
    ctx.next();
  }

  private void limitWrites(RoutingContext ctx) {
    HttpMethod m = ctx.request().method();
    if (rateLimiter.enabled() && m != HttpMethod.GET && m != HttpMethod.HEAD
        && m != HttpMethod.OPTIONS) {
      long wait = rateLimiter.acquire(Http.principal(ctx).userId());
      if (wait > 0) {
        throw Problem.rateLimited(wait);
      }
    }
    ctx.next();
  }

  /** Requests on or waiting for the database workers; for metrics. */
  public int inFlight() {
    return http.inFlight();
  }

  /** Forgets idle rate-limit buckets and sign-in failures; called now and then by the server. */
  public void housekeeping() {
    rateLimiter.evictIdle();
    loginThrottle.evictIdle();
  }

  private void failure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof io.netty.handler.codec.DecoderException) {
      Http.fail(ctx, Problem.badRequest("the body cannot be read; send JSON with Content-Type:"
          + " application/json"), null);
      return;
    }
    if (failure != null && !(failure instanceof io.vertx.ext.web.handler.HttpException)) {
      Http.fail(ctx, failure, null);
      return;
    }
    int status = ctx.statusCode();
    Problem p = switch (status) {
      case 413 -> Problem.tooLarge("the body is larger than " + maxBodyBytes + " bytes");
      case 404 -> new Problem(Problem.Code.NOT_FOUND, "not found", Map.of());
      case 405 -> Problem.badRequest("method not allowed on " + ctx.request().path());
      case 400 -> Problem.badRequest("the request is malformed");
      case 401 -> Problem.unauthorized("a valid bearer token is required");
      default -> null;
    };
    if (p == null) {
      Http.fail(ctx, failure == null ? new IllegalStateException("status " + status) : failure,
          null);
    } else {
      Http.fail(ctx, p, null);
    }
  }
}
