package io.taskpulse.server.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Blocking test work on a thread of its own. Never {@code CompletableFuture.supplyAsync} without
 * an executor: since JDK 25 that runs in the common pool even when it has one thread (as on two
 * cores), and the JDK's HTTP client completes {@code sendAsync} and WebSocket opening there; a
 * test blocking that thread stalls every WebSocket in the JVM (JDK-8362881).
 */
public final class Background {

  private static final Executor THREAD_PER_TASK = task -> {
    Thread t = new Thread(task, "test-background");
    t.setDaemon(true);
    t.start();
  };

  private Background() {}

  public static <T> CompletableFuture<T> supply(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, THREAD_PER_TASK);
  }
}
