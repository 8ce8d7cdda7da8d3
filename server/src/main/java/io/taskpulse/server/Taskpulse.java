package io.taskpulse.server;

import com.nimbusds.jose.jwk.JWK;
import io.taskpulse.server.accounts.AccountService;
import io.taskpulse.server.api.ApiRouter;
import io.taskpulse.server.auth.Secrets;
import io.taskpulse.server.auth.Tokens;
import io.taskpulse.server.bus.Bus;
import io.taskpulse.server.bus.LocalBus;
import io.taskpulse.server.bus.Notice;
import io.taskpulse.server.bus.CountingBus;
import io.taskpulse.server.bus.RedisBus;
import io.taskpulse.server.metrics.Metrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskpulse.server.github.GitHubWebhooks;
import io.taskpulse.server.hub.Hub;
import io.taskpulse.server.mcp.McpEndpoint;
import io.taskpulse.server.mcp.McpSessions;
import io.taskpulse.server.mcp.McpTools;
import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.log.LogPosition;
import io.taskpulse.server.log.Tail;
import io.taskpulse.server.store.Db;
import io.taskpulse.server.store.TaskStore;
import io.taskpulse.server.schedules.ScheduleService;
import io.taskpulse.server.tasks.Leases;
import io.taskpulse.server.tasks.TaskService;
import io.taskpulse.server.transport.Connections;
import io.taskpulse.server.transport.WebSocketConnection;
import io.taskpulse.server.web.Dashboard;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Taskpulse node: the one place where the parts are built and wired, in the order of the
 * path of a change (store, log, bus, tail, tasks, api). Tests start the same thing on port 0.
 */
public final class Taskpulse implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Taskpulse.class);
  private static final Duration IDEMPOTENCY_KEEP = Duration.ofHours(24);
  /** Fire times remembered against a second firing: far longer than any clock skew. */
  private static final Duration SCHEDULE_RUNS_KEEP = Duration.ofDays(7);

  private final Config config;
  private final Vertx vertx;
  private final Db db;
  private final WorkerExecutor workers;
  private final Bus bus;
  private final Tail tail;
  private final Tokens tokens;
  private final TaskService tasks;
  private final AccountService accounts;
  private final Hub hub;
  private final Leases leases;
  private final ScheduleService schedules;
  private final Metrics metrics;
  private final Connections connections;
  private final McpSessions mcpSessions;
  private final CompletableFuture<McpEndpoint> mcp;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final List<Long> timers = new ArrayList<>();
  private final Set<String> failingSweepers = ConcurrentHashMap.newKeySet();
  private final Optional<String> generatedAdminPassword;
  private final Clock clock;
  private int port;

  private Taskpulse(Config config, Clock clock) throws Exception {
    this.config = config;
    this.clock = clock;
    Files.createDirectories(config.dataDir());
    this.tokens = new Tokens(secret(config).getBytes(StandardCharsets.UTF_8), publicKeys(config),
        clock);

    this.db = Db.open(config.jdbcUrl(), config.dbPoolSize());
    EventLog eventLog = new EventLog();
    db.write(tx -> {
      eventLog.initialize(tx);
      return null;
    });
    TaskStore taskStore = new TaskStore();
    this.accounts = new AccountService(db, taskStore, clock);
    this.generatedAdminPassword = accounts.ensureAdmin(config.adminPassword())
        .filter(pw -> config.adminPassword() == null);
    accounts.refreshStandings();

    int eventLoops = Math.max(2, Runtime.getRuntime().availableProcessors());
    // Native epoll where the platform has it: fewer copies and system calls per delivery.
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops)
        .setWorkerPoolSize(4).setPreferNativeTransport(true));
    log.debug("transport: {}", vertx.isNativeTransportEnabled() ? "epoll" : "NIO");
    this.workers = vertx.createSharedWorkerExecutor("taskpulse-db", config.dbPoolSize() + 4,
        60, TimeUnit.SECONDS);

    LogPosition start = db.read(eventLog::position);
    RedisBus redis = config.redisUrl() == null ? null
        : new RedisBus(vertx, config.redisUrl(), config.redisChannels(), start.epoch());
    this.bus = redis != null ? redis : new LocalBus();
    this.metrics = new Metrics();
    long head = start.head();
    this.tail = new Tail(vertx, db, eventLog, workers, head, 50, 1000, bus::isHealthy);
    bus.onEvents(tail::offer);
    if (redis != null) {
      redis.onReconnect(tail::pollNow);
    }
    this.tasks = new TaskService(db, taskStore, eventLog, new CountingBus(bus, metrics), clock);

    this.leases = new Leases(tasks);
    this.schedules = new ScheduleService(db, tasks, clock);
    this.hub = new Hub(vertx, db, eventLog, tasks, accounts, tail, workers,
        new Hub.Limits(config.snapshotMaxTasks(), config.resumeMaxGap()), metrics);
    this.connections = new Connections(config.maxConnectionsPerUser());
    WebSocketConnection.Limits wsLimits = new WebSocketConnection.Limits(16 * 1024,
        config.maxSubscriptionsPerConnection(), config.messagesPerSecond(),
        config.messagesPerSecond() * 2.5, config.heartbeatSeconds(), 10,
        config.writeQueueBytes());
    registerGauges(redis);
    this.mcpSessions = new McpSessions(db, clock, McpSessions.IDLE);
    this.mcp = buildBeside("mcp", () -> new McpEndpoint(new McpTools(tasks, accounts), mcpSessions));
    // A disabled account, a left team or a lost admin role reaches open connections at once,
    // on this node and, through the bus, on the others (else within their periodic refresh).
    accounts.onStandingChanged(connections::recheck);
    accounts.onChangedHere(() -> bus.announce(Notice.ACCOUNTS, ""));
    AtomicBoolean reloadQueued = new AtomicBoolean();
    bus.onNotice(Notice.ACCOUNTS, body -> {
      if (reloadQueued.compareAndSet(false, true)) { // a burst of announcements: one reload
        workers.executeBlocking(() -> {
          reloadQueued.set(false);
          accounts.refreshStandings();
          return null;
        }, false).onFailure(e -> log.debug("account reload failed: {}", e.getMessage()));
      }
    });
    ApiRouter api = new ApiRouter(tokens, accounts, config.writesPerSecond(),
        config.writeBurst(), config.maxBodyBytes(), config.allowedOrigins(), metrics,
        config.accessLog(),
        new ApiRouter.Parts(db, eventLog, tail, bus, tasks, accounts, leases, schedules,
            config.githubWebhookSecret() == null ? null
                : new GitHubWebhooks(config.githubWebhookSecret(), tasks),
            () -> mcp.join().transport(), hub,
            connections,
            wsLimits,
            config.tokenTtl(), workers, config.maxInFlight(), new Dashboard(), clock));
    Gauge.builder("taskpulse.http.inflight", api, ApiRouter::inFlight)
        .description("Requests waiting for or running on the database workers (bounded by"
            + " TASKPULSE_MAX_IN_FLIGHT)").register(metrics.registry());
    listen(api, eventLoops);

    timers.add(vertx.setPeriodic(5_000, id -> housekeeping(api, eventLog, false)));
    timers.add(vertx.setPeriodic(1_000, id -> expireLeases()));
    timers.add(vertx.setPeriodic(500, id -> fireSchedules()));
    timers.add(vertx.setPeriodic(60_000, id -> housekeeping(api, eventLog, true)));
  }

  private void registerGauges(RedisBus redis) {
    MeterRegistry r = metrics.registry();
    for (String transport : List.of("websocket", "sse")) {
      Gauge.builder("taskpulse.connections", connections, c -> c.count(transport))
          .tag("transport", transport).description("Open live connections").register(r);
    }
    for (String transport : List.of("websocket", "sse")) {
      Gauge.builder("taskpulse.subscriptions", hub, h -> h.subscriptions(transport))
          .tag("transport", transport).description("Live subscriptions on this node")
          .register(r);
    }
    Gauge.builder("taskpulse.tail.held", tail, Tail::held)
        .description("Committed events received but held back until an earlier offset comes")
        .register(r);
    Gauge.builder("taskpulse.bus.lag.events", tail, Tail::behind)
        .description("Events in the log (as of the last poll) not yet handed to this node's"
            + " readers").register(r);
    Gauge.builder("taskpulse.readers.paused", hub, Hub::pausedReaders)
        .description("Slow readers: connection full, served from the log once it drains")
        .register(r);
    FunctionCounter.builder("taskpulse.events.delivered", hub, Hub::deliveries)
        .description("Events written to readers").register(r);
    FunctionCounter.builder("taskpulse.catchups", hub, Hub::catchUps)
        .description("Reads of the log for readers starting, resuming or slow").register(r);
    FunctionCounter.builder("taskpulse.bus.gaps.repaired", tail, Tail::repairs)
        .description("Holes in what the bus brought, filled from the log").register(r);
    Gauge.builder("taskpulse.log.released.offset", tail, Tail::released)
        .description("The last offset this node has handed to its subscribers").register(r);
    Gauge.builder("taskpulse.bus.up", bus, b -> b.isHealthy() ? 1 : 0)
        .description("1 when the bus carries events, 0 when nodes rely on the log").register(r);
    if (redis != null) {
      FunctionCounter.builder("taskpulse.bus.published", redis, RedisBus::published).register(r);
      FunctionCounter.builder("taskpulse.bus.publish.failures", redis, RedisBus::publishFailures)
          .register(r);
      FunctionCounter.builder("taskpulse.bus.received", redis, RedisBus::received).register(r);
    }
  }

  /** Starts a node and returns once it is listening; throws with a clear message if not. */
  public static Taskpulse start(Config config) {
    return start(config, Clock.systemUTC());
  }

  /**
   * Starts a node that reads the time from {@code clock}: task and event times, tokens, leases
   * and schedule fire times. Tests pass a clock they move; everything else uses the system's.
   * (Timers still tick in real time: a moved clock is seen at the next tick.)
   */
  public static Taskpulse start(Config config, Clock clock) {
    try {
      return new Taskpulse(config, clock);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * One HTTP server per event loop on one port: Vert.x shares the listening socket between
   * them (port 0 included), and each serves its connections with its own router.
   */
  private void listen(ApiRouter api, int instances) throws Exception {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.host())
        .setPort(config.port())
        .setTcpNoDelay(true)
        // curl -d and GitHub's form deliveries come labelled as form data, which the body
        // handler decodes: past the decoder's small defaults that failed with a 500. The body
        // limit bounds them instead.
        .setMaxFormAttributeSize((int) Math.min(Integer.MAX_VALUE, config.maxBodyBytes()))
        .setMaxFormBufferedBytes((int) Math.min(Integer.MAX_VALUE, config.maxBodyBytes()))
        .setMaxFormFields(-1)
        .setMaxWebSocketFrameSize(WebSocketConnection.MAX_FRAME_BYTES)
        .setMaxWebSocketMessageSize(64 * 1024)
        // A peer that does not answer our close within 2 s is gone: drop its TCP connection.
        .setWebSocketClosingTimeout(2)
        // Every request is answered on the event loop that read it, so the connection needs
        // no queue for writes from other threads: without it each HTTP connection is 4.7 KiB
        // lighter, and Vert.x keeps the upgraded one's for the WebSocket's whole life.
        .setStrictThreadMode(true);
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        HttpServer server = vertx.createHttpServer(options);
        servers.add(server);
        // This event loop's shard of subscriptions joins the fan-out before any client does.
        return hub.register(context)
            .compose(v -> server.requestHandler(api.requestHandler(vertx)).listen());
      }
    }, new DeploymentOptions().setInstances(instances))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    this.port = servers.get(0).actualPort();
  }

  private void housekeeping(ApiRouter api, EventLog eventLog, boolean slow) {
    api.housekeeping();
    workers.executeBlocking(() -> {
      accounts.refreshStandings(); // disables and memberships changed on other nodes
      if (slow) {
        Instant now = clock.instant();
        int removed;
        do {
          removed = db.write(tx -> eventLog.trim(tx, now.minus(config.retentionMaxAge()),
              config.retentionMaxEvents(), 10_000));
        } while (removed > 0);
        db.write(tx -> tx.update("DELETE FROM idempotency_keys WHERE created_at < ?",
            now.minus(IDEMPOTENCY_KEEP).toEpochMilli()));
        schedules.trimRuns(now.minus(SCHEDULE_RUNS_KEEP));
        mcpSessions.expire();
      }
      return null;
    }, false).onFailure(e -> log.warn("housekeeping failed: {}", e.getMessage()));
  }

  /** Hands back tasks of silent workers, within a second of their lease's end. */
  private void expireLeases() {
    workers.executeBlocking(() -> {
      while (leases.expire(100) == 100) {
        // more than one batch expired at once: keep going
      }
      return null;
    }, false).onComplete(r -> sweeperOutcome("lease expiry", r.cause()));
  }

  /** Creates the tasks of schedules that came due; safe on every node at once. */
  private void fireSchedules() {
    workers.executeBlocking(() -> {
      while (schedules.fireDue(100) == 100) {
        // many came due at once: keep going
      }
      return null;
    }, false).onComplete(r -> sweeperOutcome("schedule firing", r.cause()));
  }

  /** Warns once when a sweeper starts failing (the database is away), and once when it recovers. */
  private void sweeperOutcome(String sweeper, Throwable failure) {
    boolean wasFailing = failingSweepers.contains(sweeper);
    if (failure != null && !wasFailing) {
      failingSweepers.add(sweeper);
      log.warn("{} failed: {}; retrying every tick", sweeper, failure.getMessage());
    } else if (failure == null && wasFailing) {
      failingSweepers.remove(sweeper);
      log.info("{} works again", sweeper);
    }
  }

  /** The port the node listens on (the bound one when configured as 0). */
  public int port() {
    return port;
  }

  public Tokens tokens() {
    return tokens;
  }

  public Config config() {
    return config;
  }

  public Db db() {
    return db;
  }

  public Tail tail() {
    return tail;
  }

  public Hub hub() {
    return hub;
  }

  public Connections connections() {
    return connections;
  }

  public Bus bus() {
    return bus;
  }

  /** The admin's password when this start created the account with a generated one. */
  public Optional<String> generatedAdminPassword() {
    return generatedAdminPassword;
  }

  /** Stops taking requests, lets running ones finish (up to 10 s), then releases everything. */
  @Override
  public void close() {
    timers.forEach(vertx::cancelTimer);
    connections.closeAll();
    List<Future<Void>> shutdowns = new ArrayList<>();
    for (HttpServer server : servers) {
      shutdowns.add(server.shutdown(Duration.ofSeconds(10)));
    }
    try {
      Future.join(shutdowns).toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("HTTP servers did not stop cleanly: {}", e.getMessage());
    }
    try {
      mcp.get(10, TimeUnit.SECONDS).close();
    } catch (Exception e) {
      log.warn("the MCP endpoint did not stop cleanly: {}", e.getMessage());
    }
    tail.close();
    bus.close();
    try {
      workers.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("event loops did not stop cleanly: {}", e.getMessage());
    }
    db.close();
    metrics.close();
  }

  /**
   * Builds {@code part} on a thread of its own while the node starts. For the MCP SDK: its
   * classes (Reactor, a JSON-schema validator) were a fifth of the start-up on the embedded
   * default, and nothing else waits for them; the first {@code /mcp} request does, on a worker.
   */
  private static <T> CompletableFuture<T> buildBeside(String what, Supplier<T> part) {
    CompletableFuture<T> built = new CompletableFuture<>();
    Thread builder = new Thread(() -> {
      try {
        built.complete(part.get());
      } catch (RuntimeException | Error e) {
        log.error("cannot build the {} part; requests for it will fail", what, e);
        built.completeExceptionally(e);
      }
    }, "taskpulse-start-" + what);
    builder.setDaemon(true);
    builder.start();
    return built;
  }

  private static String secret(Config config) {
    return config.jwtSecret() != null ? config.jwtSecret()
        : Secrets.loadOrCreate(config.dataDir());
  }

  private static List<JWK> publicKeys(Config config) throws Exception {
    String key = config.jwtPublicKey();
    if (key == null) {
      return List.of();
    }
    Path asFile = key.contains("-----BEGIN") || key.trim().startsWith("{") ? null : Path.of(key);
    String text;
    try {
      text = asFile != null ? Files.readString(asFile) : key;
    } catch (IOException e) {
      throw new IllegalArgumentException("TASKPULSE_JWT_PUBLIC_KEY names a file that cannot be"
          + " read: " + asFile);
    }
    try {
      return Tokens.parsePublicKeys(text);
    } catch (Exception e) {
      throw new IllegalArgumentException("TASKPULSE_JWT_PUBLIC_KEY is not a PEM public key or a"
          + " JWKS document: " + e.getMessage());
    }
  }
}
