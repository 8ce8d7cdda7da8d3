package io.taskpulse.server.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for PostgreSQL: writes that queue up while the previous transaction commits
 * run together in the next one and share one commit (one WAL flush). A write that fails is
 * undone and fails alone: one that wrote nothing has nothing to undo; one that wrote is
 * undone by running the group again without it, with a savepoint per item from then on
 * (savepoints cost a round trip each, and failures after a write are rare); a commit that fails
 * fails them all, and none of them happened. Every caller returns only after the commit that
 * holds its write, so a reply never tells of an uncommitted change.
 *
 * <p>The shared transaction reads the log's head once, under its row lock, before any work;
 * works run one after another on one thread in the order they were queued and take their
 * offsets from it in memory ({@link DeferredLog}); their events are inserted in one batch
 * with the new head just before the commit. The lock is held until then, so offsets are
 * gap-free and in commit order on every node. A work may run more than once (when another
 * work's failure is undone by running the group again), so it must act only through its
 * transaction and its result.
 */
final class GroupCommit implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
  /** Writes per transaction; PostgreSQL tracks up to 64 subtransactions per backend cheaply. */
  static final int MAX_BATCH = 32;

  private record Item(Db.Work<?> work, CompletableFuture<Object> done) {}

  private final DataSource writers;
  private final Dialect dialect;
  private final String lockFirst;
  private final Function<SQLException, RuntimeException> translate;
  private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(10_000);
  private final Thread committer;
  private volatile boolean closed;

  /**
   * @param lockFirst a query that locks, at the start of every shared transaction, the row
   *     every grouped write would lock anyway (the log's head), and returns its last offset.
   *     Batches hold several tasks'
   *     locks at once; taking the head first gives every batch, on every node, one lock order
   *     (head, then tasks), so two nodes' batches cannot deadlock.
   */
  GroupCommit(DataSource writers, Dialect dialect, String lockFirst,
      Function<SQLException, RuntimeException> translate) {
    this.writers = writers;
    this.dialect = dialect;
    this.lockFirst = lockFirst;
    this.translate = translate;
    this.committer = new Thread(this::loop, "taskpulse-group-commit");
    committer.setDaemon(true);
    committer.start();
  }

  /** Runs {@code work} in the next shared transaction; returns its result once committed. */
  @SuppressWarnings("unchecked")
  <T> T write(Db.Work<T> work) {
    if (Thread.currentThread() == committer) {
      throw new IllegalStateException("a grouped write cannot start another from inside it");
    }
    Item item = new Item(work, new CompletableFuture<>());
    try {
      if (closed || !queue.offer(item, 10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the database writer is " + (closed ? "stopped"
            : "overloaded"));
      }
      return (T) item.done().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a commit", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private void loop() {
    List<Item> batch = new ArrayList<>(MAX_BATCH);
    while (!closed) {
      try {
        Item first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        run(batch);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException | Error e) {
        log.error("group commit failed unexpectedly", e);
        batch.forEach(i -> i.done().completeExceptionally(e));
      } finally {
        batch.clear();
      }
    }
  }

  private void run(List<Item> batch) {
    Object[] results = new Object[batch.size()];
    Throwable[] failures = new Throwable[batch.size()];
    boolean[] dropped = new boolean[batch.size()];
    boolean committed = false;
    boolean savepoints = false; // the first attempt saves a round trip per item
    while (!committed) {
      for (int i = 0; i < batch.size(); i++) {
        if (!dropped[i]) {
          // A refusal in a rolled-back attempt was judged against writes rolled back with it
          // (an earlier item's version bump): every item but the dropped ones is judged again.
          failures[i] = null;
        }
      }
      try (Connection c = writers.getConnection();
          Tx tx = new Tx(c, dialect, new DeferredLog(), savepoints)) {
        tx.deferredLog().start(tx.queryLong(lockFirst));
        if (runItems(batch, tx, results, failures, dropped)) {
          tx.commit(); // writes the group's events and the new head, then commits
          committed = true;
        } else {
          // An item failed in a way only a rollback undoes: the rest run again, each in a
          // savepoint now, so a second failure needs no third run (unless it aborts).
          savepoints = true;
        }
      } catch (SQLException e) {
        RuntimeException lost = translate.apply(e);
        batch.forEach(i -> i.done().completeExceptionally(lost)); // nothing of it committed
        if (lost instanceof io.taskpulse.server.errors.Problem) {
          // The database is away: what queued meanwhile would wait as long to fail the same way.
          List<Item> waiting = new ArrayList<>();
          queue.drainTo(waiting);
          waiting.forEach(i -> i.done().completeExceptionally(lost));
        }
        return;
      }
    }
    for (int i = 0; i < batch.size(); i++) {
      if (failures[i] != null) {
        batch.get(i).done().completeExceptionally(failures[i]);
      } else {
        batch.get(i).done().complete(results[i]);
      }
    }
  }

  /**
   * Runs the items not dropped, in order, in {@code tx}; an item that fails is undone and
   * fails alone. Returns false when an item's failure cannot be undone alone (it wrote without
   * a savepoint, or an SQL error aborted the whole transaction): that item is dropped, failed,
   * and the others must run again in a new transaction. Each such round drops one item, so it
   * ends.
   */
  private boolean runItems(List<Item> batch, Tx tx, Object[] results, Throwable[] failures,
      boolean[] dropped) throws SQLException {
    for (int i = 0; i < batch.size(); i++) {
      if (dropped[i]) {
        continue;
      }
      tx.beginItem();
      try {
        results[i] = batch.get(i).work().run(tx);
      } catch (SQLException e) {
        failures[i] = translate.apply(e);
      } catch (RuntimeException | Error e) {
        failures[i] = e; // its rule said no: undo what it wrote, keep the others
      }
      if (failures[i] != null && !tx.undoItem()) {
        dropped[i] = true;
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    closed = true;
    committer.interrupt();
    try {
      committer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<Item> left = new ArrayList<>();
    queue.drainTo(left);
    left.forEach(i -> i.done().completeExceptionally(
        new IllegalStateException("the database writer stopped")));
  }
}
