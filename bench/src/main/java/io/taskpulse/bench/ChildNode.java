package io.taskpulse.bench;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A node in its own JVM ({@code java -jar taskpulse-server.jar serve}), so its CPU seconds and
 * memory are its own. Its output goes to a log file beside the results.
 */
final class ChildNode implements AutoCloseable {

  private final Process process;
  private final int port;
  private final long readyMillis;
  private final List<String> jvmOptions;
  private final Path logFile;

  private ChildNode(Process process, int port, long readyMillis, List<String> jvmOptions,
      Path logFile) {
    this.process = process;
    this.port = port;
    this.readyMillis = readyMillis;
    this.jvmOptions = jvmOptions;
    this.logFile = logFile;
  }

  static ChildNode start(Path jar, String opts, String jfr, Map<String, String> env)
      throws Exception {
    int port = freePort();
    List<String> jvm = new ArrayList<>();
    if (!opts.isBlank()) {
      jvm.addAll(Arrays.asList(opts.trim().split("\\s+")));
    }
    if (jfr != null) {
      jvm.add("-XX:StartFlightRecording=filename=" + Path.of(jfr).toAbsolutePath()
          + ",settings=profile,dumponexit=true");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvm);
    command.addAll(List.of("-jar", jar.toString(), "serve"));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.environment().put("TASKPULSE_PORT", Integer.toString(port));
    Path log = Report.resultsDir().resolve("server-" + Report.stamp() + ".log");
    Files.createDirectories(log.getParent());
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    long started = System.nanoTime();
    Process p = pb.start();
    String ready = "http://127.0.0.1:" + port + "/api/v1/health/ready";
    while (true) {
      if (!p.isAlive()) {
        throw new IllegalStateException("the node exited with " + p.exitValue() + "; see " + log);
      }
      if (status(ready) == 200) {
        break;
      }
      if (System.nanoTime() - started > TimeUnit.SECONDS.toNanos(120)) {
        p.destroyForcibly();
        throw new IllegalStateException("the node was not ready within 120 s; see " + log);
      }
      Thread.sleep(20);
    }
    return new ChildNode(p, port, (System.nanoTime() - started) / 1_000_000, jvm, log);
  }

  static int status(String url) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(2_000);
      try {
        return c.getResponseCode();
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return -1;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  long pid() {
    return process.pid();
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  long readyMillis() {
    return readyMillis;
  }

  List<String> jvmOptions() {
    return jvmOptions;
  }

  Path logFile() {
    return logFile;
  }

  /** SIGTERM (a graceful stop, which also writes the JFR file), then SIGKILL after 30 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
