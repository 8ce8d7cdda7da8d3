package io.taskpulse.server.cli;

import io.taskpulse.server.Config;
import io.taskpulse.server.Main;
import io.taskpulse.server.Taskpulse;
import io.taskpulse.server.store.Db;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code taskpulse serve}: runs a node until SIGTERM or Ctrl-C, then stops gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Start a Taskpulse node (embedded SQLite in ./data unless configured).")
public final class ServeCommand implements Callable<Integer> {

  @Mixin
  Settings settings;

  @Override
  public Integer call() {
    long started = System.nanoTime();
    Config config;
    try {
      config = settings.config();
    } catch (IllegalArgumentException e) {
      System.err.println("taskpulse: " + e.getMessage());
      return 2;
    }
    Taskpulse node = null;
    long waitMillis = 1_000;
    while (node == null) {
      try {
        node = Taskpulse.start(config);
      } catch (Db.Unreachable e) {
        // Orchestrators start services in any order: wait for the database, say so plainly.
        System.err.printf("taskpulse: %s; retrying in %d s%n", e.getMessage(), waitMillis / 1000);
        try {
          Thread.sleep(waitMillis);
        } catch (InterruptedException interrupted) {
          return 1;
        }
        waitMillis = Math.min(waitMillis * 2, 10_000);
      } catch (RuntimeException e) {
        System.err.println("taskpulse: cannot start: " + rootMessage(e));
        return 1;
      }
    }
    Taskpulse running = node;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("taskpulse: stopping");
      running.close();
      System.out.println("taskpulse: stopped");
      System.out.flush();
      stopped.countDown();
    }, "taskpulse-shutdown"));
    long millis = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("Taskpulse %s ready in %d ms on http://localhost:%d (%s)%n", Main.version(),
        millis, node.port(), config.databaseUrl() == null ? "embedded SQLite in "
            + config.dataDir().toAbsolutePath().normalize() : "PostgreSQL");
    node.generatedAdminPassword().ifPresent(pw -> System.out.printf(
        "First start: sign in as 'admin' with password %s (shown once; change it with"
            + " PATCH /api/v1/users/admin)%n", pw));
    System.out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String top = e.getMessage();
    String root = t.getMessage();
    return root == null || root.equals(top) ? top : top + " (" + root + ")";
  }
}
