package io.taskpulse.server.cli;

import io.taskpulse.client.ConnectionState;
import io.taskpulse.client.Event;
import io.taskpulse.client.Filter;
import io.taskpulse.client.Snapshot;
import io.taskpulse.client.SubscriptionListener;
import io.taskpulse.client.Task;
import io.taskpulse.client.TaskpulseClient;
import io.taskpulse.client.TaskpulseException;
import io.taskpulse.server.Config;
import io.taskpulse.server.auth.Secrets;
import io.taskpulse.server.auth.Tokens;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code taskpulse watch [stream]}: follows a stream live with the Java client. Prints the
 * tasks it starts from as a table, then one line per change; says when the connection drops
 * and comes back (it resumes where it was). Runs until Ctrl-C.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = "Follow a stream live: the tasks now, then one line per change.")
public final class WatchCommand implements Callable<Integer> {

  /** How long a minted token lives; a fresh one is minted before it runs out. */
  static final Duration MINTED_TTL = Duration.ofMinutes(10);

  @Mixin
  Settings settings;

  @Parameters(index = "0", arity = "0..1", defaultValue = "tasks",
      description = "tasks (default), project:<id> or task:<id>.")
  String stream;

  @Option(names = "--url", description = "The server (TASKPULSE_URL, default http://localhost:8080).")
  String url;

  @Option(names = "--token", description = "A bearer token (TASKPULSE_TOKEN).")
  String token;

  @Option(names = "--user",
      description = "Instead of a token: mint short ones for this user with the server's secret.")
  String user;

  @Option(names = "--team", description = "A team the minted token carries; repeatable.")
  List<String> teams = new ArrayList<>();

  @Option(names = "--admin", description = "Give the minted token the admin role.")
  boolean admin;

  @Option(names = "--status", split = ",",
      description = "Only tasks in (or moving into or out of) these statuses, e.g. running,failed.")
  List<String> statuses = new ArrayList<>();

  @Option(names = "--assignee", description = "Only tasks assigned to this user or worker.")
  String assignee;

  // Where it prints and what it reads; replaced by tests.
  PrintStream out = System.out;
  PrintStream err = System.err;
  Map<String, String> env = System.getenv();
  boolean interactive = System.console() != null;
  /** Counted down to stop watching: Ctrl-C, or a test. */
  CountDownLatch stop = new CountDownLatch(1);
  boolean exitOnCtrlC = true;

  @Override
  public Integer call() {
    URI base;
    Supplier<String> tokens;
    try {
      base = URI.create(firstOf(url, env.get("TASKPULSE_URL"), "http://localhost:8080"));
      tokens = tokens();
    } catch (IllegalArgumentException e) {
      err.println("taskpulse watch: " + e.getMessage());
      return 2;
    }
    boolean color = interactive && (env.get("NO_COLOR") == null || env.get("NO_COLOR").isEmpty());
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Printer printer = new Printer(out, color, () -> stop.countDown(), failure);
    TaskpulseClient client;
    try {
      client = TaskpulseClient.builder(base).tokenSupplier(tokens).build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("taskpulse watch: " + e.getMessage());
      return 2;
    }
    Thread hook = new Thread(() -> {
      stop.countDown();
      client.close();
    }, "taskpulse-watch-stop");
    if (exitOnCtrlC) {
      Runtime.getRuntime().addShutdownHook(hook);
    }
    try {
      Filter filter = new Filter(statuses, assignee, List.of());
      client.subscribe(stream, filter, printer);
      stop.await();
    } catch (IllegalArgumentException e) {
      err.println("taskpulse watch: " + e.getMessage());
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      client.close();
      if (exitOnCtrlC) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // Ctrl-C: the hook is running
        }
      }
    }
    Throwable cause = failure.get();
    if (cause != null) {
      err.println("taskpulse watch: " + describe(cause));
      return 1;
    }
    return 0;
  }

  /** --token, else --user (minted with the server's secret), else TASKPULSE_TOKEN. */
  private Supplier<String> tokens() {
    if (token != null) {
      String t = token;
      return () -> t;
    }
    if (user != null) {
      Config config = Config.from(settings.merged(env));
      String secret = config.jwtSecret() != null ? config.jwtSecret()
          : Secrets.loadOrCreate(config.dataDir());
      Tokens signer = new Tokens(secret.getBytes(StandardCharsets.UTF_8), List.of(),
          Clock.systemUTC());
      List<String> tokenTeams = List.copyOf(teams);
      return () -> signer.sign(user, tokenTeams, admin, MINTED_TTL);
    }
    String fromEnv = env.get("TASKPULSE_TOKEN");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return () -> fromEnv;
    }
    throw new IllegalArgumentException("no token: give --token, set TASKPULSE_TOKEN, or mint"
        + " one with --user <id> (needs the server's secret: --jwt-secret or --data-dir)");
  }

  private static String firstOf(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  static String describe(Throwable t) {
    if (t instanceof TaskpulseException e) {
      return e.code() + ": " + e.getMessage();
    }
    return String.valueOf(t.getMessage());
  }

  /** Prints what the subscription delivers; runs on the subscription's thread. */
  static final class Printer implements SubscriptionListener {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
        .withZone(ZoneId.systemDefault());
    private static final String RESET = "\u001b[0m";

    private final PrintStream out;
    private final boolean color;
    private final Runnable stopped;
    private final AtomicReference<Throwable> failure;
    private boolean connectedOnce;
    private boolean snapshotSeen;

    Printer(PrintStream out, boolean color, Runnable stopped, AtomicReference<Throwable> failure) {
      this.out = out;
      this.color = color;
      this.stopped = stopped;
      this.failure = failure;
    }

    @Override
    public void onSnapshot(Snapshot s) {
      if (snapshotSeen) {
        out.println("-- the server could not replay what was missed: the state now");
      }
      snapshotSeen = true;
      int idWidth = 2;
      int whoWidth = 8;
      for (Task t : s.tasks()) {
        idWidth = Math.max(idWidth, t.id().length());
        whoWidth = Math.max(whoWidth, Math.min(16, String.valueOf(t.assignee()).length()));
      }
      String row = "%-" + idWidth + "s  %-9s  %4s  %-" + whoWidth + "s  %s%n";
      out.printf(row, "ID", "STATUS", "PROG", "ASSIGNEE", "TITLE");
      for (Task t : s.tasks()) {
        out.printf(row, t.id(), status(t.status(), 9), t.progress() + "%",
            clip(t.assignee() == null ? "-" : t.assignee(), 16), clip(t.title(), 70));
      }
      out.printf("-- %d task%s on %s at offset %d%s%n", s.tasks().size(),
          s.tasks().size() == 1 ? "" : "s", s.stream(), s.offset(),
          s.complete() ? "" : " (more than a snapshot holds; list them over HTTP)");
      out.flush();
    }

    @Override
    public void onEvent(Event e) {
      Task t = e.task();
      String actor = e.actor() == null ? "" : e.actor().id()
          + (e.actor().via() == null ? "" : " via " + e.actor().via());
      out.printf("%s  #%-6d %-19s %-6s %s %4s  %s  %s%n", TIME.format(e.at()), e.offset(),
          e.type(), e.taskId(), status(t == null ? "?" : t.status(), 9),
          t == null ? "" : t.progress() + "%", t == null ? "" : clip(t.title(), 60), actor);
      out.flush();
    }

    @Override
    public void onStateChange(ConnectionState state, Throwable cause) {
      switch (state) {
        case CONNECTED -> {
          if (connectedOnce) {
            out.println("-- connected again; resuming");
          }
          connectedOnce = true;
        }
        case DISCONNECTED -> out.println("-- disconnected (" + describe(cause)
            + "); reconnecting");
        case ERROR -> {
          failure.set(cause);
          stopped.run();
        }
        case CLOSED -> stopped.run();
        case CONNECTING -> { }
      }
      out.flush();
    }

    /** The status padded to {@code width}, coloured when the terminal takes it. */
    String status(String status, int width) {
      String padded = String.format("%-" + width + "s", status);
      if (!color) {
        return padded;
      }
      String code = switch (status) {
        case "pending" -> "\u001b[34m";
        case "running" -> "\u001b[33m";
        case "completed" -> "\u001b[32m";
        case "failed" -> "\u001b[31m";
        case "cancelled", "disabled" -> "\u001b[90m";
        default -> "";
      };
      return code.isEmpty() ? padded : code + padded + RESET;
    }

    private static String clip(String s, int max) {
      if (s == null) {
        return "";
      }
      return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
  }
}
