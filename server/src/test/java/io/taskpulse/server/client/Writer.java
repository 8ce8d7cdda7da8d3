package io.taskpulse.server.client;

import io.taskpulse.server.testing.Api;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps changing tasks over HTTP, as fast as the server takes it (or at a pace), on a thread
 * of its own, until stopped. A write that gets no answer (the server is restarting) is
 * retried; the tests compare with the log, not with this writer's count.
 */
final class Writer implements AutoCloseable {

  private final Api api;
  private final List<String> ids;
  private final Duration pause;
  private final AtomicInteger written = new AtomicInteger();
  private final Thread thread;
  private volatile boolean stopped;
  private volatile Throwable failure;

  private Writer(Api api, List<String> ids, Duration pause) {
    this.api = api;
    this.ids = List.copyOf(ids);
    this.pause = pause;
    this.thread = new Thread(this::run, "test-writer");
    this.thread.setDaemon(true);
  }

  static Writer start(Api api, List<String> ids, Duration pause) {
    Writer w = new Writer(api, ids, pause);
    w.thread.start();
    return w;
  }

  private void run() {
    int i = 0;
    while (!stopped) {
      String id = ids.get(i % ids.size());
      try {
        Api.Response r = api.post("/api/v1/tasks/" + id + "/progress",
            "{\"progress\":" + (i % 101) + ",\"message\":\"step " + i + "\"}");
        if (r.status() != 200) {
          throw new AssertionError("progress answered " + r.status() + " " + r.text());
        }
        synchronized (this) {
          written.incrementAndGet();
          notifyAll();
        }
        i++;
        if (!pause.isZero()) {
          Thread.sleep(pause.toMillis()); // a steady pace of writes is what is being tested
        }
      } catch (UncheckedIOException e) {
        // no answer: the server is restarting; try again
      } catch (InterruptedException e) {
        return;
      } catch (Throwable t) {
        failure = t;
        return;
      }
    }
  }

  int written() {
    return written.get();
  }

  /** Waits until at least {@code n} writes went through. */
  synchronized void awaitWritten(int n) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (written.get() < n) {
      if (failure != null) {
        throw new AssertionError("the writer failed", failure);
      }
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new AssertionError("only " + written.get() + " of " + n + " writes in 15 s");
      }
      try {
        wait(Math.min(left, 100)); // woken by each write; the cap notices a failed writer
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
  }

  /** Stops and waits for the last write to finish; fails if a write was refused. */
  void stop() {
    stopped = true;
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw new AssertionError("the writer failed", failure);
    }
  }

  @Override
  public void close() {
    stopped = true;
    thread.interrupt();
  }
}
