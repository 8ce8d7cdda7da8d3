package io.taskpulse.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A PostgreSQL cluster of this test's own, on a free port, so the test can stop and start it
 * like a database restart. PostgreSQL refuses to run as root: as root it runs as the
 * {@code postgres} user. With {@code CI=true} missing binaries fail the test.
 */
public final class PrivatePostgres implements AutoCloseable {

  private final Path bin;
  private final Path dir;
  private final int port;

  private PrivatePostgres(Path bin, Path dir, int port) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
  }

  public static PrivatePostgres start() {
    Path bin = findBin();
    try {
      Path dir = Files.createTempDirectory("taskpulse-pg");
      PrivatePostgres pg = new PrivatePostgres(bin, dir, ServerProcess.freePort());
      if (isRoot()) {
        run(List.of("chown", "postgres", dir.toString()));
      }
      pg.asOwner(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(),
          "-A", "trust", "-U", "postgres", "--no-sync");
      pg.startServer();
      return pg;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path findBin() {
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      Path bin = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(
          b.resolve("pg_ctl"))).max(Comparator.naturalOrder()).orElse(null);
      if (bin != null) {
        return bin;
      }
    } catch (IOException ignored) {
      // reported below
    }
    String why = "PostgreSQL server binaries are not installed";
    if ("true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(why + " (CI=true: PostgreSQL tests must run)");
    }
    Assumptions.abort(why);
    return null;
  }

  public String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  public void startServer() {
    asOwner(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
        dir.resolve("log").toString(), "-w", "-o",
        "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off", "start");
  }

  /** An immediate stop: like a crash, the server gets no chance to finish anything. */
  public void stopServer() {
    asOwner(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m",
        "immediate", "-w", "stop");
  }

  private void asOwner(String... command) {
    List<String> cmd = new ArrayList<>();
    if (isRoot()) {
      cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    cmd.addAll(List.of(command));
    run(cmd);
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static void run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      stopServer();
    } catch (RuntimeException alreadyStopped) {
      // nothing to stop
    }
  }
}
