package io.taskpulse.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Taskpulse node in its own JVM, started with {@code Main serve} on the test class path, so
 * a test can kill it with SIGKILL like a crashed machine would.
 */
public final class ServerProcess implements AutoCloseable {

  private final Process process;
  private final int port;
  private final List<String> output = new ArrayList<>();
  private Thread reader;

  private ServerProcess(Process process, int port) {
    this.process = process;
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
    if (!sp.awaitOutput(" ready in ", 60_000)) {
      sp.process.destroyForcibly();
      throw new IllegalStateException("server did not start: " + sp.output());
    }
    return sp;
  }

  /** Waits until a line containing {@code text} was printed; false on timeout or exit. */
  public boolean awaitOutput(String text, long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (System.nanoTime() < deadline) {
      if (output().stream().anyMatch(l -> l.contains(text))) {
        return true;
      }
      if (!process.isAlive() && !reader.isAlive()) {
        return output().stream().anyMatch(l -> l.contains(text));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  /** Starts {@code serve} without waiting for it. */
  public static ServerProcess launch(Path dataDir, int port, Map<String, String> env) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "io.taskpulse.server.Main", "serve");
    pb.environment().put("TASKPULSE_PORT", Integer.toString(port));
    pb.environment().put("TASKPULSE_HOST", "127.0.0.1");
    pb.environment().put("TASKPULSE_DATA_DIR", dataDir.toString());
    pb.environment().put("TASKPULSE_JWT_SECRET", TestServer.SECRET);
    pb.environment().put("TASKPULSE_ADMIN_PASSWORD", TestServer.ADMIN_PASSWORD);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    try {
      ServerProcess sp = new ServerProcess(pb.start(), port);
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
            sp.process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            synchronized (sp.output) {
              sp.output.add(line);
            }
          }
        } catch (IOException ignored) {
          // the process went away
        }
      }, "server-output");
      reader.setDaemon(true);
      reader.start();
      sp.reader = reader;
      return sp;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  public long pid() {
    return process.pid();
  }

  public List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  /** SIGKILL: no shutdown hook, no flush, like a machine losing power to its process. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then waits for a graceful exit; returns the exit code. */
  public int stop(Duration timeout) throws InterruptedException {
    try {
      // kill(1) rather than Process.destroy(): the JVM's hooks reliably run on this SIGTERM.
      new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
    } catch (IOException e) {
      process.destroy();
    }
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    reader.join(5_000); // the last lines it printed
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
