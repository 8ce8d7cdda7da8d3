package io.taskpulse.server.cli;

import io.taskpulse.server.Config;
import io.taskpulse.server.Main;
import io.taskpulse.server.Taskpulse;
import io.taskpulse.server.demo.DemoSeed;
import io.taskpulse.server.demo.DemoWorkers;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code taskpulse demo}: a node like {@code serve}, seeded with a demo team, projects, users
 * and tasks, with simulated workers and a trickle of new work, so a newcomer sees tasks move.
 *
 * <p>It never mixes into real data: it reads no {@code TASKPULSE_*} variables (the database,
 * secret, Redis and data dir of a real deployment stay untouched), keeps its own data dir
 * ({@code ./data-demo}), and binds to 127.0.0.1, because its passwords are printed and known.
 * Flags ({@code --port}, {@code --data-dir}, {@code --host}, …) still apply.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start a node with demo data and simulated workers (./data-demo, 127.0.0.1).")
public final class DemoCommand implements Callable<Integer> {

  static final String DATA_DIR = "./data-demo";

  @Mixin
  Settings settings;

  @Override
  public Integer call() {
    Map<String, String> defaults = new HashMap<>();
    defaults.put("TASKPULSE_DATA_DIR", DATA_DIR);
    defaults.put("TASKPULSE_HOST", "127.0.0.1");
    defaults.put("TASKPULSE_ADMIN_PASSWORD", DemoSeed.ADMIN_PASSWORD);
    Config config;
    try {
      config = Config.from(settings.merged(defaults));
    } catch (IllegalArgumentException e) {
      System.err.println("taskpulse: " + e.getMessage());
      return 2;
    }
    long started = System.nanoTime();
    Taskpulse node;
    try {
      node = Taskpulse.start(config);
    } catch (RuntimeException e) {
      System.err.println("taskpulse: cannot start the demo: " + ServeCommand.rootMessage(e));
      return 1;
    }
    String local = "http://127.0.0.1:" + node.port();
    DemoWorkers workers;
    int seeded;
    try {
      // Tokens as `taskpulse token` would mint them: signed with this node's own secret.
      java.util.function.Function<String, String> tokenFor = user -> node.tokens().sign(user,
          user.equals("admin") ? List.of() : List.of(DemoSeed.TEAM), user.equals("admin"),
          Duration.ofDays(30));
      seeded = new DemoSeed(local, tokenFor).seed();
      workers = new DemoWorkers(local, tokenFor);
    } catch (RuntimeException e) {
      System.err.println("taskpulse: the demo could not start its data or workers: "
          + ServeCommand.rootMessage(e));
      node.close();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("taskpulse: stopping the demo");
      workers.close();
      node.close();
      System.out.println("taskpulse: stopped");
      System.out.flush();
      stopped.countDown();
    }, "taskpulse-demo-shutdown"));
    print(config, node.port(), seeded, workers, (System.nanoTime() - started) / 1_000_000);
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static void print(Config config, int port, int seeded, DemoWorkers workers,
      long millis) {
    String url = "http://localhost:" + port + "/";
    StringBuilder out = new StringBuilder();
    out.append(String.format("Taskpulse %s demo ready in %d ms on %s (%s)%n", Main.version(),
        millis, url, config.databaseUrl() == null ? "embedded SQLite in "
            + config.dataDir().toAbsolutePath().normalize() : "PostgreSQL"));
    out.append(seeded > 0 ? String.format("Seeded a demo team, 3 projects, 3 users, %d tasks and"
        + " 2 schedules.%n", seeded) : String.format("Demo data already there: nothing"
        + " seeded again (delete %s to start over).%n", config.dataDir()));
    out.append(String.format("%nOpen %s and sign in as one of:%n", url));
    for (DemoSeed.Account u : DemoSeed.USERS) {
      out.append(String.format("  %-6s password %-12s (%s, team %s)%n", u.id(), u.password(),
          u.name(), DemoSeed.TEAM));
    }
    out.append(String.format("  %-6s password %-12s (administrator)%n", "admin",
        DemoSeed.ADMIN_PASSWORD));
    out.append(String.format("%nSimulated workers (Java worker API over HTTP): %s.%n",
        String.join(", ", workers.describe())));
    out.append(String.format("A new task arrives every few seconds; now and then alice"
        + " cancels a running export.%n"));
    out.append(String.format("From a terminal: ./taskpulse watch --url http://localhost:%d"
        + " --data-dir %s --user alice --team %s%n", port, config.dataDir(), DemoSeed.TEAM));
    out.append(String.format("Ctrl-C stops it; the data stays in %s.%n", config.dataDir()));
    System.out.print(out);
    System.out.flush();
  }
}
