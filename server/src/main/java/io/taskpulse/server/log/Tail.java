package io.taskpulse.server.log;

import io.taskpulse.server.store.Db;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the head of the log: takes committed events as the bus brings them, in
 * any order and possibly with holes, and releases them strictly in offset order. A hole that
 * stays open longer than {@code gapWaitMillis}, or a head that moved while the bus said
 * nothing, is filled by reading the log. Everything runs on one Vert.x context, so the state
 * needs no locks; {@link #offer} may be called from any thread.
 */
public final class Tail {

  private static final Logger log = LoggerFactory.getLogger(Tail.class);
  private static final int MAX_PENDING = 10_000;
  private static final int REPAIR_BATCH = 1_000;

  private final Context context;
  private final Db db;
  private final EventLog eventLog;
  private final WorkerExecutor workers;
  private final long gapWaitMillis;
  private final TreeMap<Long, LogEvent> pending = new TreeMap<>();
  private final List<Consumer<List<LogEvent>>> listeners = new ArrayList<>();
  private final TreeMap<Long, List<Promise<Void>>> waiters = new TreeMap<>();
  private final ConcurrentLinkedQueue<List<LogEvent>> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean inboxScheduled = new AtomicBoolean();
  /** For gauges: events held back for a hole, and the log's head at the last poll. */
  private volatile int held;
  private volatile long lastKnownHead;
  private volatile long released;
  private long gapTimer = -1;
  private boolean repairing;
  private long pollTimer = -1;
  private long repairs;
  private long lastPollNanos;
  private boolean databaseAway;
  private final long pollMillis;
  private final BooleanSupplier busHealthy;

  /**
   * @param pollMillis how often to compare with the log's head while the bus is healthy; while
   *     it is not, every {@value #UNHEALTHY_POLL_MILLIS} ms, so other nodes' events keep coming
   */
  public Tail(Vertx vertx, Db db, EventLog eventLog, WorkerExecutor workers, long startAfter,
      long gapWaitMillis, long pollMillis, BooleanSupplier busHealthy) {
    this.context = vertx.getOrCreateContext();
    this.db = db;
    this.eventLog = eventLog;
    this.workers = workers;
    this.released = startAfter;
    this.gapWaitMillis = gapWaitMillis;
    this.pollMillis = pollMillis;
    this.busHealthy = busHealthy;
    context.runOnContext(v -> pollTimer = vertx.setPeriodic(UNHEALTHY_POLL_MILLIS, id -> {
      long sinceMillis = (System.nanoTime() - lastPollNanos) / 1_000_000;
      if (!busHealthy.getAsBoolean() || sinceMillis >= pollMillis) {
        poll();
      }
    }));
  }

  static final long UNHEALTHY_POLL_MILLIS = 100;

  /** Compares with the log's head now (the bus just came back, or may have missed some). */
  public void pollNow() {
    context.runOnContext(v -> poll());
  }

  /** Adds a receiver of released events, called on this tail's context, in offset order. */
  public void addListener(Consumer<List<LogEvent>> listener) {
    context.runOnContext(v -> listeners.add(listener));
  }

  /** Runs {@code action} on the tail's context, between two releases. */
  public void onContext(Runnable action) {
    context.runOnContext(v -> action.run());
  }

  /**
   * Takes committed events from any thread. Offers that arrive while one is waiting for the
   * tail's context are taken together, so a busy node releases them in one batch.
   */
  public void offer(List<LogEvent> events) {
    inbox.add(events);
    if (inboxScheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> takeInbox());
    }
  }

  private void takeInbox() {
    inboxScheduled.set(false); // before polling: a later offer schedules another take
    List<LogEvent> events;
    while ((events = inbox.poll()) != null) {
      for (LogEvent e : events) {
        if (e.offset() > released && pending.size() < MAX_PENDING) {
          pending.put(e.offset(), e);
        }
      }
    }
    drain();
  }

  /** The highest offset released; every offset below it was released before it. */
  public long released() {
    return released;
  }

  /** Committed events received but held back until an earlier offset arrives. */
  public int held() {
    return held;
  }

  /**
   * How far this node's released offset trails the log's head as last polled (at least every
   * second): events committed, on any node, that its readers have not been handed yet.
   */
  public long behind() {
    return Math.max(0, lastKnownHead - released);
  }

  /** Gap repairs done so far (reads of the log to fill a hole the bus left). */
  public long repairs() {
    return repairs;
  }

  /**
   * Completes once an event after {@code offset} was released, or fails with a
   * {@link TimeoutException} after {@code timeoutMillis}; on the caller's context, where a
   * request's handler may go on to answer it (the HTTP server allows no other thread).
   */
  public Future<Void> awaitAfter(long offset, long timeoutMillis) {
    Context caller = Vertx.currentContext();
    Promise<Void> promise = Promise.promise();
    if (caller == null) {
      await(promise, offset, timeoutMillis);
      return promise.future();
    }
    Promise<Void> back = Promise.promise();
    promise.future().onComplete(r -> caller.runOnContext(v -> {
      if (r.succeeded()) {
        back.tryComplete();
      } else {
        back.tryFail(r.cause());
      }
    }));
    await(promise, offset, timeoutMillis);
    return back.future();
  }

  private void await(Promise<Void> promise, long offset, long timeoutMillis) {
    context.runOnContext(v -> {
      if (released > offset) {
        promise.tryComplete();
        return;
      }
      waiters.computeIfAbsent(offset, k -> new ArrayList<>()).add(promise);
      long timer = context.owner().setTimer(timeoutMillis, id -> {
        List<Promise<Void>> list = waiters.get(offset);
        if (list != null && list.remove(promise) && list.isEmpty()) {
          waiters.remove(offset);
        }
        promise.tryFail(new TimeoutException());
      });
      promise.future().onComplete(r -> context.owner().cancelTimer(timer));
    });
  }

  public void close() {
    context.runOnContext(v -> {
      context.owner().cancelTimer(pollTimer);
      if (gapTimer >= 0) {
        context.owner().cancelTimer(gapTimer);
      }
    });
  }

  private void accept(List<LogEvent> events) {
    for (LogEvent e : events) {
      if (e.offset() > released && pending.size() < MAX_PENDING) {
        pending.put(e.offset(), e);
      }
    }
    drain();
  }

  private void drain() {
    List<LogEvent> batch = new ArrayList<>();
    Map.Entry<Long, LogEvent> first;
    while ((first = pending.firstEntry()) != null && first.getKey() <= released + 1) {
      pending.pollFirstEntry();
      if (first.getKey() == released + 1) {
        batch.add(first.getValue());
        released = first.getKey();
      }
    }
    if (!batch.isEmpty()) {
      for (Consumer<List<LogEvent>> listener : listeners) {
        try {
          listener.accept(batch);
        } catch (RuntimeException ex) {
          log.error("tail listener failed on offsets {}..{}", batch.get(0).offset(), released, ex);
        }
      }
      wakeWaiters();
    }
    held = pending.size();
    if (pending.isEmpty()) {
      cancelGapTimer();
    } else if (gapTimer < 0) {
      gapTimer = context.owner().setTimer(gapWaitMillis, id -> {
        gapTimer = -1;
        if (!pending.isEmpty()) {
          repair(pending.firstKey() - 1);
        }
      });
    }
  }

  private void wakeWaiters() {
    Iterator<Map.Entry<Long, List<Promise<Void>>>> it = waiters.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, List<Promise<Void>>> entry = it.next();
      if (entry.getKey() >= released) {
        break;
      }
      entry.getValue().forEach(Promise::tryComplete);
      it.remove();
    }
  }

  private void cancelGapTimer() {
    if (gapTimer >= 0) {
      context.owner().cancelTimer(gapTimer);
      gapTimer = -1;
    }
  }

  /** The bus may be quiet while other nodes write: compare with the log's head now and then. */
  private void poll() {
    if (repairing) {
      return;
    }
    lastPollNanos = System.nanoTime();
    workers.executeBlocking(() -> db.read(eventLog::position), false).onComplete(r -> {
      if (r.failed()) {
        if (!databaseAway) {
          databaseAway = true;
          log.warn("cannot read the log's head: {}", r.cause().getMessage());
        }
        return;
      }
      if (databaseAway) {
        databaseAway = false;
        log.info("the log is readable again");
      }
      lastKnownHead = Math.max(lastKnownHead, r.result().head());
      if (r.result().head() > released) {
        repair(r.result().head());
      }
    });
  }

  /** Reads (released, upTo] from the log and releases it. */
  private void repair(long upTo) {
    if (repairing || upTo <= released) {
      return;
    }
    repairing = true;
    long from = released;
    workers.executeBlocking(
            () -> db.read(tx -> eventLog.range(tx, Stream.TASKS, from, upTo, REPAIR_BATCH)), false)
        .onComplete(r -> {
          repairing = false;
          if (r.failed()) {
            log.warn("cannot read the log to fill offsets {}..{}: {}", from + 1, upTo,
                r.cause().getMessage());
            return;
          }
          repairs++;
          accept(r.result());
          if (released < upTo) {
            repair(upTo);
          }
        });
  }
}
