package io.taskpulse.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.Background;
import io.taskpulse.server.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code taskpulse watch} against a real server: the table, the event lines, the exits. */
class WatchCommandTest {

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Output a test can wait on: woken on every write. */
  static final class Output extends ByteArrayOutputStream {
    @Override
    public synchronized void write(byte[] b, int off, int len) {
      super.write(b, off, len);
      notifyAll();
    }

    @Override
    public synchronized void write(int b) {
      super.write(b);
      notifyAll();
    }

    synchronized String text() {
      return toString(StandardCharsets.UTF_8);
    }

    synchronized void awaitContains(String... parts) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!containsAll(parts)) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          throw new AssertionError("output lacks " + List.of(parts) + ":\n" + text());
        }
        wait(left);
      }
    }

    /** Whole lines only: a line may reach the stream in several writes. */
    private boolean containsAll(String... parts) {
      String text = text();
      if (!text.endsWith("\n")) {
        return false;
      }
      for (String p : parts) {
        if (!text.contains(p)) {
          return false;
        }
      }
      return true;
    }
  }

  /** A watch run on its own thread, printing into {@code out}. */
  record Run(WatchCommand command, Output out, Output err, CompletableFuture<Integer> exit) {

    static Run of(Map<String, String> env, boolean interactive, String... args) {
      WatchCommand command = new WatchCommand();
      Output out = new Output();
      Output err = new Output();
      command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
      command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
      command.env = env;
      command.interactive = interactive;
      command.exitOnCtrlC = false;
      CompletableFuture<Integer> exit = Background.supply(() ->
          new CommandLine(command).execute(args));
      return new Run(command, out, err, exit);
    }

    int stop() throws Exception {
      command.stop.countDown();
      return exit.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void printsTheSnapshotAsATableThenOneLinePerChange() throws Exception {
    Api alice = server.as("watch-alice");
    String id = alice.create("{\"title\":\"Export contracts\",\"assignee\":\"agent-7\"}");
    Run run = Run.of(Map.of(), false, "--url", server.baseUrl(), "--token",
        alice.token(), "tasks");
    run.out().awaitContains("ID", "STATUS", "TITLE", "Export contracts", "agent-7",
        "-- 1 task on tasks at offset");
    alice.post("/api/v1/tasks/" + id + "/start", null);
    alice.post("/api/v1/tasks/" + id + "/progress", "{\"progress\":45}");
    run.out().awaitContains("task.status_changed", "task.progress");
    String[] lines = run.out().text().split("\n");
    String progress = lines[lines.length - 1];
    assertThat(progress).contains("task.progress", " " + id + " ", "running", "45%",
        "Export contracts", "watch-alice via http").matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  #\\d+ .*");
    assertThat(run.out().text()).doesNotContain("\u001b[");
    assertThat(run.stop()).isZero();
    assertThat(run.err().text()).isEmpty();
  }

  @Test
  void mintsItsOwnTokenWithTheServersSecretAndFiltersByStatus() throws Exception {
    Api bob = server.as("watch-bob");
    String waiting = bob.create("{\"title\":\"waiting\"}");
    String busy = bob.create("{\"title\":\"busy\"}");
    bob.post("/api/v1/tasks/" + busy + "/start", null);
    Map<String, String> env = new HashMap<>();
    env.put("TASKPULSE_URL", server.baseUrl());
    Run run = Run.of(env, false, "--user", "watch-bob", "--jwt-secret", TestServer.SECRET,
        "--status", "running");
    run.out().awaitContains("busy", "-- 1 task on tasks");
    assertThat(run.out().text()).doesNotContain("waiting");
    bob.post("/api/v1/tasks/" + waiting + "/progress", "{\"progress\":5}");
    bob.post("/api/v1/tasks/" + busy + "/complete", null);
    run.out().awaitContains("task.status_changed");
    assertThat(run.out().text()).doesNotContain("task.progress").contains("completed");
    assertThat(run.stop()).isZero();
  }

  @Test
  void colorsTheStatusOnlyOnATerminalWithoutNoColor() throws Exception {
    Api carol = server.as("watch-carol");
    carol.create("{\"title\":\"coloured\"}");
    Run colored = Run.of(Map.of(), true, "--url", server.baseUrl(), "--token", carol.token());
    colored.out().awaitContains("coloured");
    assertThat(colored.out().text()).contains("\u001b[34mpending  \u001b[0m");
    assertThat(colored.stop()).isZero();

    Run plain = Run.of(Map.of("NO_COLOR", "1"), true, "--url", server.baseUrl(), "--token",
        carol.token());
    plain.out().awaitContains("coloured");
    assertThat(plain.out().text()).doesNotContain("\u001b[");
    assertThat(plain.stop()).isZero();
  }

  @Test
  void saysSoWhenTheConnectionDropsAndComesBack() throws Exception {
    TestServer node = TestServer.start(null, Map.of("TASKPULSE_WRITE_RATE_LIMIT", "0"));
    TestServer current = node;
    try {
      String token = node.token("watch-dave", List.of(), false);
      Run run = Run.of(Map.of(), false, "--url", node.baseUrl(), "--token", token);
      run.out().awaitContains("-- 0 tasks on tasks");
      int port = node.port();
      node.close();
      run.out().awaitContains("-- disconnected (going_away");
      current = TestServer.startAt(port, node.dataDir(), Map.of());
      new Api(current.baseUrl(), token).create("{\"title\":\"after the restart\"}");
      run.out().awaitContains("-- connected again; resuming", "task.created",
          "after the restart");
      assertThat(run.stop()).isZero();
    } finally {
      current.close();
    }
  }

  @Test
  void aRefusedStreamOrAMissingTokenEndsWithAnError() throws Exception {
    Run refused = Run.of(Map.of(), false, "--url", server.baseUrl(), "--token",
        server.token("watch-erin", List.of(), false), "task:999999");
    assertThat(refused.exit().get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(refused.err().text()).contains("not_found");

    Run noToken = Run.of(Map.of(), false, "--url", server.baseUrl());
    assertThat(noToken.exit().get(10, TimeUnit.SECONDS)).isEqualTo(2);
    assertThat(noToken.err().text()).contains("no token");
  }

  @Test
  void isRegisteredAsASubcommand() {
    CommandLine cli = new CommandLine(new io.taskpulse.server.Main());
    assertThat(cli.getSubcommands()).containsKey("watch");
    String usage = cli.getSubcommands().get("watch").getUsageMessage();
    assertThat(usage).contains("--url", "--token", "--user", "--status", "--assignee");
  }
}
