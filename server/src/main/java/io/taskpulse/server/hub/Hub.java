package io.taskpulse.server.hub;

import io.taskpulse.server.accounts.AccountService;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.log.LogPosition;
import io.taskpulse.server.log.Stream;
import io.taskpulse.server.log.Tail;
import io.taskpulse.server.store.Db;
import io.taskpulse.server.tasks.Snapshot;
import io.taskpulse.server.tasks.TaskService;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import io.taskpulse.server.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans released events out to subscriptions. One shard per event loop holds that loop's
 * subscriptions; the tail's batches are posted to every shard in offset order. A subscription
 * starts from a snapshot or a resume point, then catches up from the log until it meets the
 * live stream, so nothing is lost or doubled at the seam.
 */
public final class Hub {

  private static final Logger log = LoggerFactory.getLogger(Hub.class);
  private static final int CATCH_UP_BATCH = 500;
  private static final int CATCH_UP_SCAN = 10_000;

  /** Sizes that bound a subscription's start. */
  public record Limits(int snapshotMaxTasks, long resumeMaxGap) {}

  private final Vertx vertx;
  private final Db db;
  private final EventLog eventLog;
  private final TaskService tasks;
  private final AccountService accounts;
  private final Tail tail;
  private final WorkerExecutor workers;
  private final Limits limits;
  /** Shards by event-loop thread: handlers run on duplicates of the verticle's context. */
  private final Map<Thread, Shard> shards = new ConcurrentHashMap<>();
  private final List<Shard> active = new CopyOnWriteArrayList<>();
  private final AtomicLong catchUps = new AtomicLong();
  private final LongAdder deliveries = new LongAdder();
  private final AtomicInteger paused = new AtomicInteger();
  private final Map<String, AtomicInteger> byTransport = new ConcurrentHashMap<>();
  private final Metrics metrics;

  public Hub(Vertx vertx, Db db, EventLog eventLog, TaskService tasks, AccountService accounts,
      Tail tail, WorkerExecutor workers, Limits limits, Metrics metrics) {
    this.metrics = metrics;
    this.vertx = vertx;
    this.db = db;
    this.eventLog = eventLog;
    this.tasks = tasks;
    this.accounts = accounts;
    this.tail = tail;
    this.workers = workers;
    this.limits = limits;
    tail.addListener(this::fanOut);
  }

  /**
   * Gives the calling event loop its shard. It joins the fan-out on the tail's context, so it
   * is handed every batch released after the offset it starts from, and none before.
   */
  public Future<Void> register(Context context) {
    Shard shard = new Shard(this, context);
    Promise<Void> joined = Promise.promise();
    tail.onContext(() -> {
      long from = tail.released();
      context.runOnContext(v -> {
        shard.lastDispatched = from;
        shards.put(Thread.currentThread(), shard);
        joined.complete();
      });
      active.add(shard);
    });
    return joined.future();
  }

  private void fanOut(List<LogEvent> batch) {
    for (LogEvent e : batch) {
      metrics.dispatched(e.at());
    }
    for (Shard shard : active) {
      shard.context.runOnContext(v -> shard.dispatch(batch));
    }
  }

  void counted(String transport, int delta) {
    byTransport.computeIfAbsent(transport, t -> new AtomicInteger()).addAndGet(delta);
  }

  /** Subscriptions of one transport on this node; for metrics. */
  public int subscriptions(String transport) {
    AtomicInteger n = byTransport.get(transport);
    return n == null ? 0 : n.get();
  }

  /** Subscriptions on every shard; for metrics and tests. */
  public int subscriptions() {
    return shards.values().stream().mapToInt(Shard::size).sum();
  }

  public long catchUps() {
    return catchUps.get();
  }

  /** Events written to readers, live and from the log. */
  public long deliveries() {
    return deliveries.sum();
  }

  /** Readers whose connection is full, waiting to drain before they are fed from the log. */
  public int pausedReaders() {
    return paused.get();
  }

  /** {@code count} readers on one event loop were just written {@code e}. */
  void written(LogEvent e, int count) {
    deliveries.add(count);
    metrics.written(e.at());
  }

  void paused(int delta) {
    paused.addAndGet(delta);
  }

  /**
   * Opens a subscription for {@code sink} on the calling event loop. With {@code after}, it
   * resumes from the log when the log still holds that offset in {@code epoch} and the gap is
   * within bounds; otherwise it starts from a snapshot. The sink hears {@code subscribed},
   * then the snapshot if any, then every event after.
   */
  public Subscription subscribe(String id, List<Stream> streams, Filter filter, Sink sink,
      Long after, String epoch) {
    Shard shard = shards.get(Thread.currentThread());
    if (shard == null) {
      throw new IllegalStateException("subscribe called off a registered event loop");
    }
    Subscription s = new Subscription(id, streams, filter, sink, shard);
    shard.add(s);
    Principal p = sink.principal();
    workers.executeBlocking(() -> {
      for (Stream stream : streams) {
        checkVisible(p, stream);
      }
      LogPosition pos = db.read(eventLog::position);
      if (after != null && pos.canResume(after, epoch)
          && pos.head() - after <= limits.resumeMaxGap()) {
        return new Start(pos, null);
      }
      Stream only = streams.size() == 1 ? streams.get(0) : Stream.TASKS;
      Snapshot all = tasks.snapshot(p, only, limits.snapshotMaxTasks());
      return new Start(pos, new Snapshot(all.offset(), all.epoch(),
          all.tasks().stream().filter(filter::matches)
              .filter(t -> streams.stream().anyMatch(st -> st.contains(t))).toList(),
          all.entries(), all.complete()));
    }, false).onComplete(r -> {
      if (s.isClosed()) {
        return;
      }
      if (r.failed()) {
        Problem problem = r.cause() instanceof Problem pr ? pr
            : Problem.unavailable("cannot start the subscription; retry shortly");
        if (!(r.cause() instanceof Problem)) {
          log.warn("subscription {} for {} failed to start: {}", id, p.userId(),
              r.cause().toString());
        }
        s.close();
        sink.failed(s, problem.code().wire, problem.getMessage());
        return;
      }
      Start start = r.result();
      if (start.snapshot() == null) {
        s.cursor = after;
        s.epoch = start.position().epoch();
        sink.subscribed(s, start.position().head(), true);
      } else {
        s.cursor = start.snapshot().offset();
        s.epoch = start.snapshot().epoch();
        sink.subscribed(s, start.snapshot().offset(), false);
        sink.snapshot(s, start.snapshot());
      }
      catchUp(s);
    });
    return s;
  }

  private record Start(LogPosition position, Snapshot snapshot) {}

  /** 404 unless {@code p} may follow {@code stream}; blocks on the database. */
  public void checkVisible(Principal p, Stream stream) {
    switch (stream.kind()) {
      case TASK -> tasks.get(p, stream.id());
      case PROJECT -> accounts.project(p, stream.id());
      case TASKS -> { }
    }
  }

  /** Reads the log from the cursor until the subscription meets the live stream. */
  void catchUp(Subscription s) {
    s.state(Subscription.State.CATCHING_UP);
    catchUps.incrementAndGet();
    long from = s.cursor;
    Principal p = s.principal();
    Stream only = s.streams().size() == 1 ? s.streams().get(0) : Stream.TASKS;
    workers.executeBlocking(() -> db.read(tx -> eventLog.read(tx, from, s.epoch, only, p,
        CATCH_UP_BATCH, CATCH_UP_SCAN)), false).onComplete(r -> {
          if (s.isClosed()) {
            return;
          }
          if (r.failed()) {
            // The database is away: try again shortly; the reader only waits.
            log.warn("catch-up of {} failed: {}", s.id(), r.cause().getMessage());
            vertx.setTimer(1_000, t -> {
              if (!s.isClosed()) {
                catchUp(s);
              }
            });
            return;
          }
          EventLog.Page page = r.result();
          if (!page.recovered()) {
            s.close();
            s.sink().failed(s, "resubscribe", "the log no longer holds this subscription's"
                + " position; subscribe again for a snapshot");
            return;
          }
          Sink sink = s.sink();
          Principal now = sink.principal();
          for (LogEvent e : page.events()) {
            if (e.offset() > s.cursor && s.wants(e, now)) {
              sink.write(new Frame(sink.eventFrame(s, e, e.retypedFor(now))));
              deliveries.increment();
            }
            s.cursor = Math.max(s.cursor, e.offset());
          }
          s.cursor = Math.max(s.cursor, page.next());
          if (!sink.writable()) {
            s.state(Subscription.State.PAUSED);
          } else if (s.cursor >= s.shard.lastDispatched) {
            s.state(Subscription.State.LIVE);
          } else {
            catchUp(s);
          }
        });
  }
}
