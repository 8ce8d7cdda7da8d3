package io.taskpulse.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code taskpulse bench <scenario>}: load against a running node ({@code --url}, with
 * {@code --secret} to mint tokens and {@code --server-pid} to read its CPU) or against one it
 * starts as a child process from {@code server/target/taskpulse-server.jar}, so the server's
 * CPU and memory are measured apart from this generator's. Prints a table and writes JSON
 * under {@code bench/target/results/}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Measure Taskpulse. Scenarios: latency, fanout, connections, writes, resume,"
        + " claims, mcp.")
public final class Bench implements Callable<Integer> {

  static final String DEFAULT_SECRET = "bench-secret-bench-secret-bench-secret-0123";

  @Parameters(index = "0", description = "The scenario: latency, fanout, connections, writes,"
      + " resume, claims, mcp.")
  String scenario;

  // ---- where the load goes ----

  @Option(names = "--url", description = "A running node; unset: start one as a child process.")
  String url;

  @Option(names = "--secret", description = "The node's HS256 secret (TASKPULSE_JWT_SECRET).")
  String secret;

  @Option(names = "--server-pid", description = "With --url: the node's pid, to read its CPU"
      + " and memory from /proc.")
  Long serverPid;

  @Option(names = "--database-url", description = "For a node started here: a PostgreSQL URL.")
  String databaseUrl;

  @Option(names = "--postgres", description = "For a node started here: a fresh database on the"
      + " local PostgreSQL (127.0.0.1:5432, user postgres), dropped afterwards.")
  boolean postgres;

  @Option(names = "--server-jar", description = "The server jar for a node started here"
      + " (default: server/target/taskpulse-server.jar next to this bench jar).")
  String serverJar;

  @Option(names = "--server-opts", defaultValue = "",
      description = "JVM options for a node started here, e.g. '-Xmx1g'.")
  String serverOpts;

  @Option(names = "--server-env", description = "Extra settings for a node started here,"
      + " NAME=value (repeatable).")
  List<String> serverEnv = new ArrayList<>();

  @Option(names = "--jfr", description = "Record a JFR profile (settings=profile) of a node"
      + " started here into this file.")
  String jfr;

  // ---- the load ----

  @Option(names = "--subscribers", description = "WebSocket subscribers on 'tasks' (default:"
      + " latency 1000, fanout 10000, connections 50000, resume 1000).")
  Integer subscribers;

  @Option(names = "--rate", description = "Changes per second (default: latency 200, resume 100).")
  Double rate;

  @Option(names = "--rates", split = ",", description = "fanout: the steps of changes per second.")
  List<Double> rates;

  @Option(names = "--writers", defaultValue = "8",
      description = "HTTP connections the changes are sent on (open loop).")
  int writers;

  @Option(names = "--duration", defaultValue = "10", description = "Seconds measured per run"
      + " or step.")
  int duration;

  @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured seconds first.")
  int warmup;

  @Option(names = "--runs", defaultValue = "3", description = "Measured runs; medians reported.")
  int runs;

  @Option(names = "--drain", defaultValue = "5",
      description = "Seconds to wait for deliveries after the last change.")
  int drain;

  @Option(names = "--max-p99-ms", defaultValue = "100", description = "fanout: a step passes"
      + " with p99 at or under this.")
  double maxP99Ms;

  @Option(names = "--concurrency", defaultValue = "32",
      description = "writes: requests in flight (closed loop).")
  int concurrency;

  @Option(names = "--tasks", defaultValue = "64", description = "Tasks the changes rotate over.")
  int tasks;

  @Option(names = "--workers", defaultValue = "8", description = "claims: claiming workers.")
  int workers;

  @Option(names = "--calls", defaultValue = "300",
      description = "mcp: tool calls (and as many HTTP calls) per run.")
  int calls;

  @Option(names = "--loops", description = "Generator event loops (default: the CPU count).")
  Integer loops;

  @Option(names = "--connect-concurrency", defaultValue = "256",
      description = "WebSocket handshakes in flight while connecting.")
  int connectConcurrency;

  @Option(names = "--source-addresses", split = ",", description = "Local addresses to connect"
      + " from (many connections need many source ports), e.g. 127.0.0.1,127.0.0.2.")
  List<String> sourceAddresses;

  @Option(names = "--gap", defaultValue = "5",
      description = "resume: seconds the dropped clients stay away while changes go on.")
  int gap;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    try (Target target = Target.open(this)) {
      return switch (scenario) {
        case "latency" -> new LatencyScenario(target, this).run();
        case "fanout" -> new FanoutScenario(target, this).run();
        case "connections" -> new ConnectionsScenario(target, this).run();
        case "writes" -> new WritesScenario(target, this).run();
        case "resume" -> new ResumeScenario(target, this).run();
        case "claims" -> new ClaimsScenario(target, this).run();
        case "mcp" -> new McpScenario(target, this).run();
        default -> {
          System.err.println("bench: unknown scenario " + scenario
              + " (latency, fanout, connections, writes, resume, claims, mcp)");
          yield 2;
        }
      };
    }
  }

  int subscribers(int dflt) {
    return subscribers != null ? subscribers : dflt;
  }

  double rate(double dflt) {
    return rate != null ? rate : dflt;
  }

  int loops() {
    return loops != null ? loops : Runtime.getRuntime().availableProcessors();
  }
}
