package io.taskpulse.bench;

import io.taskpulse.server.Config;
import io.taskpulse.server.Taskpulse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code taskpulse bench <scenario>}: load against a running node ({@code --url}) or one it
 * starts in this JVM on embedded SQLite or {@code --database-url}. Prints a table and writes
 * JSON under {@code target/bench/}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure Taskpulse. Scenarios: writes.")
public final class Bench implements Callable<Integer> {

  static final String DEFAULT_SECRET = "bench-secret-bench-secret-bench-secret-0123";

  @Parameters(index = "0", description = "The scenario: writes.")
  String scenario;

  @Option(names = "--url", description = "A running node; unset: start one in this JVM.")
  String url;

  @Option(names = "--secret", description = "The node's HS256 secret (TASKPULSE_JWT_SECRET).")
  String secret;

  @Option(names = "--database-url", description = "For a node started here: PostgreSQL URL.")
  String databaseUrl;

  @Option(names = "--duration", defaultValue = "10", description = "Seconds measured per run.")
  int duration;

  @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured seconds first.")
  int warmup;

  @Option(names = "--concurrency", defaultValue = "32",
      description = "Requests in flight (writes).")
  int concurrency;

  @Option(names = "--tasks", defaultValue = "64", description = "Tasks the writers rotate over.")
  int tasks;

  @Option(names = "--runs", defaultValue = "3", description = "Measured runs; medians reported.")
  int runs;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Taskpulse node = null;
    String target = url;
    String key = secret != null ? secret : System.getenv().getOrDefault("TASKPULSE_JWT_SECRET",
        DEFAULT_SECRET);
    if (target == null) {
      Path dir = Files.createTempDirectory("taskpulse-bench");
      Map<String, String> settings = new HashMap<>(System.getenv());
      settings.put("TASKPULSE_PORT", "0");
      settings.put("TASKPULSE_HOST", "127.0.0.1");
      settings.put("TASKPULSE_DATA_DIR", dir.toString());
      settings.put("TASKPULSE_JWT_SECRET", key);
      settings.put("TASKPULSE_WRITE_RATE_LIMIT", "0");
      if (databaseUrl != null) {
        settings.put("TASKPULSE_DATABASE_URL", databaseUrl);
      }
      node = Taskpulse.start(Config.from(settings));
      target = "http://127.0.0.1:" + node.port();
      System.err.printf("bench: started a node at %s on %s%n", target,
          databaseUrl == null ? "embedded SQLite" : "PostgreSQL");
    }
    try {
      return switch (scenario) {
        case "writes" -> new WritesScenario(target, key, this).run();
        default -> {
          System.err.println("bench: unknown scenario " + scenario + " (writes)");
          yield 2;
        }
      };
    } finally {
      if (node != null) {
        node.close();
      }
    }
  }
}
