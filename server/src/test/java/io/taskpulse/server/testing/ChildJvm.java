package io.taskpulse.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A main class in a JVM of its own, on the test class path, with its output (stdout and
 * stderr) kept line by line: what tests kill, freeze and stop like a real machine's process.
 */
final class ChildJvm {

  private final Process process;
  private final List<String> output = new ArrayList<>();
  private final Thread reader;

  private ChildJvm(Process process, String name) {
    this.process = process;
    this.reader = new Thread(this::read, name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code mainClass} with {@code args}; {@code env} adds to this JVM's environment. */
  static ChildJvm start(String mainClass, List<String> args, Map<String, String> env,
      String name) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp",
        System.getProperty("java.class.path"), mainClass));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    try {
      return new ChildJvm(pb.start(), name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void read() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (output) {
          output.add(line);
        }
      }
    } catch (IOException ignored) {
      // the process went away
    }
  }

  /** Waits until a line containing {@code text} was printed; false on timeout or exit. */
  boolean awaitOutput(String text, long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (System.nanoTime() < deadline) {
      if (printed(text)) {
        return true;
      }
      if (!process.isAlive() && !reader.isAlive()) {
        return printed(text);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private boolean printed(String text) {
    return output().stream().anyMatch(l -> l.contains(text));
  }

  List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no flush, like a machine losing power to its process. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Sends a signal by name ({@code TERM}, {@code STOP}, {@code CONT}) with kill(1). */
  void signal(String name) throws IOException, InterruptedException {
    int code = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start()
        .waitFor();
    if (code != 0) {
      throw new IllegalStateException("kill -" + name + " failed with " + code);
    }
  }

  /** SIGTERM, then waits for a graceful exit; returns the exit code, or -1 if it had to die. */
  int stop(Duration timeout) throws InterruptedException {
    try {
      // kill(1) rather than Process.destroy(): the JVM's hooks reliably run on this SIGTERM.
      signal("TERM");
    } catch (IOException | IllegalStateException e) {
      process.destroy();
    }
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    reader.join(5_000); // the last lines it printed
    return process.exitValue();
  }
}
