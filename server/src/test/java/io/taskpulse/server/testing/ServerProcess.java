package io.taskpulse.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Taskpulse node in its own JVM, started with {@code Main serve} on the test class path, so
 * a test can kill it with SIGKILL like a crashed machine would.
 */
public final class ServerProcess implements AutoCloseable {

  private final ChildJvm jvm;
  private final int port;

  private ServerProcess(ChildJvm jvm, int port) {
    this.jvm = jvm;
    this.port = port;
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts {@code serve} and waits until it prints that it is ready. */
  public static ServerProcess start(Path dataDir, int port, Map<String, String> env) {
    ServerProcess sp = launch(dataDir, port, env);
    sp.awaitReady(" ready in ", "server");
    return sp;
  }

  /** Waits until a line containing {@code text} was printed; false on timeout or exit. */
  public boolean awaitOutput(String text, long timeoutMillis) {
    return jvm.awaitOutput(text, timeoutMillis);
  }

  /** Starts {@code serve} without waiting for it. */
  public static ServerProcess launch(Path dataDir, int port, Map<String, String> env) {
    Map<String, String> all = new HashMap<>();
    all.put("TASKPULSE_PORT", Integer.toString(port));
    all.put("TASKPULSE_HOST", "127.0.0.1");
    all.put("TASKPULSE_DATA_DIR", dataDir.toString());
    all.put("TASKPULSE_JWT_SECRET", TestServer.SECRET);
    all.put("TASKPULSE_ADMIN_PASSWORD", TestServer.ADMIN_PASSWORD);
    all.putAll(env);
    return launch(port, List.of("serve"), all);
  }

  /**
   * Runs {@code taskpulse <args>} (a command and its flags, e.g. {@code demo --port N}) and
   * waits until it prints {@code ready}.
   */
  public static ServerProcess startCommand(int port, List<String> args, String ready) {
    ServerProcess sp = launch(port, args, Map.of());
    sp.awaitReady(ready, args.toString());
    return sp;
  }

  private static ServerProcess launch(int port, List<String> args, Map<String, String> env) {
    return new ServerProcess(ChildJvm.start("io.taskpulse.server.Main", args, env, "server"),
        port);
  }

  private void awaitReady(String ready, String what) {
    if (!jvm.awaitOutput(ready, 60_000)) {
      try {
        jvm.kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException(what + " did not start: " + jvm.output());
    }
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  public long pid() {
    return jvm.pid();
  }

  public List<String> output() {
    return jvm.output();
  }

  /** SIGKILL: no shutdown hook, no flush, like a machine losing power to its process. */
  public void kill() throws InterruptedException {
    jvm.kill();
  }

  /** SIGTERM, then waits for a graceful exit; returns the exit code. */
  public int stop(Duration timeout) throws InterruptedException {
    return jvm.stop(timeout);
  }

  @Override
  public void close() throws InterruptedException {
    if (jvm.isAlive()) {
      kill();
    }
  }
}
