package io.taskpulse.server.api;

import io.taskpulse.server.auth.AccountCheck;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.bus.Bus;
import io.taskpulse.server.hub.Hub;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.log.LogPosition;
import io.taskpulse.server.log.Stream;
import io.taskpulse.server.log.Tail;
import io.taskpulse.server.store.Db;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** The event feed with long-poll ({@code GET /events}), and the health probes. */
final class EventHandlers {

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  static final int MAX_WAIT_SECONDS = 60;
  /** Rows looked at per read, so a reader who sees little of a busy log is not a full scan. */
  static final int SCAN_LIMIT = 10_000;

  private final Db db;
  private final EventLog eventLog;
  private final Tail tail;
  private final Bus bus;
  private final Hub hub;
  private final AccountCheck accountCheck;
  private final Http http;

  EventHandlers(Db db, EventLog eventLog, Tail tail, Bus bus, Hub hub, AccountCheck accountCheck,
      Http http) {
    this.db = db;
    this.eventLog = eventLog;
    this.tail = tail;
    this.bus = bus;
    this.hub = hub;
    this.accountCheck = accountCheck;
    this.http = http;
  }

  /**
   * {@code GET /events?after&stream&limit&wait&epoch&sight}: events after an offset at once,
   * or, when there are none and {@code wait} is given, as soon as one arrives. Without
   * {@code after} the feed starts at the head: only what happens from now on. A
   * {@code sight} that is no longer the caller's (a team left or joined, the admin role moved)
   * is answered like a lost offset: {@code recovered:false}, so the reader takes a snapshot
   * (team membership is not in the log, so no event could say which tasks went).
   */
  void feed(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    Stream stream = Stream.parse(ctx.queryParams().get("stream"));
    String afterParam = ctx.queryParams().get("after");
    long after = TaskHandlers.longParam(ctx, "after", -1);
    int limit = TaskHandlers.intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    int wait = TaskHandlers.intParam(ctx, "wait", 0, 0, MAX_WAIT_SECONDS);
    String epoch = ctx.queryParams().get("epoch");
    String sight = ctx.queryParams().get("sight");
    if (sight != null && !sight.isEmpty() && !sight.equals(p.sight())) {
      http.async(ctx, () -> {
        hub.checkVisible(p, stream);
        return db.read(eventLog::position);
      }, position -> Http.send(ctx, Reply.ok(new RawJson(accessChangedJson(position, p)))));
      return;
    }
    long deadline = System.nanoTime() + wait * 1_000_000_000L;
    http.async(ctx, () -> {
      hub.checkVisible(p, stream);
      return afterParam == null || afterParam.isEmpty()
          ? db.read(eventLog::position).head() : after;
    }, from -> read(ctx, p, stream, from, epoch, limit, deadline));
  }

  private void read(RoutingContext ctx, Principal p, Stream stream, long after, String epoch,
      int limit, long deadline) {
    http.async(ctx, () -> db.read(tx -> eventLog.read(tx, after, epoch, stream, p, limit,
        SCAN_LIMIT)), page -> {
      long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
      if (!page.events().isEmpty() || !page.recovered() || remainingMillis <= 0
          || ctx.response().closed()) {
        Http.send(ctx, Reply.ok(new RawJson(pageJson(page, p))));
        return;
      }
      tail.awaitAfter(page.next(), remainingMillis).onComplete(woken -> {
        // The account may have changed while this request waited: read with the sight it has now.
        Principal now = accountCheck.current(Http.tokenPrincipal(ctx)).orElse(null);
        if (now == null) {
          Http.send(ctx, Reply.ok(new RawJson(pageJson(page, p)))); // the next request gets 401
        } else if (!now.sight().equals(p.sight())) {
          Http.send(ctx, Reply.ok(new RawJson(accessChangedJson(page.position(), now))));
        } else {
          read(ctx, p, stream, page.next(), page.position().epoch(), limit, deadline);
        }
      });
    });
  }


  private static String accessChangedJson(LogPosition position, Principal reader) {
    return "{\"events\":[],\"next\":" + position.head() + ",\"epoch\":"
        + Json.write(position.epoch()) + ",\"recovered\":false,\"reason\":\"access_changed\""
        + ",\"sight\":" + Json.write(reader.sight()) + "}";
  }

  private static String pageJson(EventLog.Page page, Principal reader) {
    StringBuilder out = new StringBuilder(256 + page.events().size() * 512);
    out.append("{\"events\":[");
    for (int i = 0; i < page.events().size(); i++) {
      LogEvent e = page.events().get(i);
      if (i > 0) {
        out.append(',');
      }
      out.append(e.jsonFor(reader));
    }
    out.append("],\"next\":").append(page.next())
        .append(",\"epoch\":").append(Json.write(page.position().epoch()))
        .append(",\"recovered\":").append(page.recovered())
        .append(",\"sight\":").append(Json.write(reader.sight())).append('}');
    return out.toString();
  }

  void live(RoutingContext ctx) {
    Http.send(ctx, Reply.ok(Map.of("status", "up")));
  }

  /** Ready when the database answers; the bus state is reported alongside. */
  void ready(RoutingContext ctx) {
    http.async(ctx, () -> {
      boolean database = db.isReachable();
      boolean busUp = bus.isHealthy();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("status", database ? "up" : "down");
      out.put("database", database ? "up" : "down");
      out.put("bus", busUp ? "up" : "degraded");
      out.put("offset", tail.released());
      return new Reply(database ? 200 : 503, out, Map.of());
    });
  }
}
