package io.taskpulse.bench;

import io.taskpulse.server.auth.Tokens;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node under load: its URL, a way to mint tokens for it, and, when known, its process (to
 * read CPU and memory) and its database. A node started here is a child process; closing the
 * target stops it and drops a database created for it.
 */
final class Target implements AutoCloseable {

  static final String LOCAL_POSTGRES = "jdbc:postgresql://127.0.0.1:5432/";

  final URI uri;
  final Long pid;
  /** The node's JDBC URL when known (a node started here); null means embedded SQLite. */
  final String databaseUrl;
  final ChildNode child;
  private final Tokens tokens;
  private final String droppable;
  private final Map<String, String> minted = new ConcurrentHashMap<>();

  private Target(URI uri, String secret, Long pid, String databaseUrl, ChildNode child,
      String droppable) {
    this.uri = uri;
    this.pid = pid;
    this.databaseUrl = databaseUrl;
    this.child = child;
    this.droppable = droppable;
    this.tokens = new Tokens(secret.getBytes(StandardCharsets.UTF_8), List.of(),
        Clock.systemUTC());
  }

  static Target open(Bench o) throws Exception {
    String secret = o.secret != null ? o.secret
        : System.getenv().getOrDefault("TASKPULSE_JWT_SECRET", Bench.DEFAULT_SECRET);
    if (o.url != null) {
      return new Target(URI.create(o.url), secret, o.serverPid, o.databaseUrl, null, null);
    }
    String db = o.databaseUrl;
    String droppable = null;
    if (db == null && o.postgres) {
      droppable = "taskpulse_bench_" + Long.toHexString(System.nanoTime());
      admin("CREATE DATABASE " + droppable);
      db = LOCAL_POSTGRES + droppable + "?user=postgres";
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TASKPULSE_HOST", "127.0.0.1");
    env.put("TASKPULSE_DATA_DIR", Files.createTempDirectory("taskpulse-bench").toString());
    env.put("TASKPULSE_JWT_SECRET", secret);
    env.put("TASKPULSE_ADMIN_PASSWORD", "bench-admin-password");
    // The load comes from a handful of users: lift the per-user limits, not the global ones.
    env.put("TASKPULSE_WRITE_RATE_LIMIT", "0");
    env.put("TASKPULSE_MAX_CONNECTIONS_PER_USER", "1000000");
    if (db != null) {
      env.put("TASKPULSE_DATABASE_URL", db);
    }
    for (String kv : o.serverEnv) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--server-env takes NAME=value, got " + kv);
      }
      env.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    ChildNode child = ChildNode.start(serverJar(o), o.serverOpts, o.jfr, env);
    System.err.printf("bench: started a node (pid %d) at %s on %s in %d ms%n", child.pid(),
        child.url(), db == null ? "embedded SQLite" : "PostgreSQL", child.readyMillis());
    return new Target(URI.create(child.url()), secret, child.pid(), db, child, droppable);
  }

  private static Path serverJar(Bench o) throws Exception {
    if (o.serverJar != null) {
      return Path.of(o.serverJar);
    }
    Path benchJar = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation()
        .toURI());
    // bench/target/taskpulse-bench.jar -> server/target/taskpulse-server.jar
    Path jar = benchJar.getParent().getParent().getParent()
        .resolve("server/target/taskpulse-server.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("no server jar at " + jar + " (build it, or --server-jar)");
    }
    return jar;
  }

  /** A token for {@code user} in team {@code bench}, minted once. */
  String token(String user) {
    return minted.computeIfAbsent(user, u -> tokens.sign(u, List.of("bench"), false,
        Duration.ofHours(8)));
  }

  String host() {
    return uri.getHost();
  }

  int port() {
    return uri.getPort();
  }

  boolean postgres() {
    return databaseUrl != null && databaseUrl.startsWith("jdbc:postgresql:");
  }

  /** The process tree to measure, if known. */
  ProcStats.Tree server() {
    return pid == null ? null : new ProcStats.Tree(pid);
  }

  private static void admin(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(LOCAL_POSTGRES + "postgres?user=postgres");
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Override
  public void close() throws Exception {
    if (child != null) {
      child.close();
    }
    if (droppable != null) {
      admin("DROP DATABASE IF EXISTS " + droppable + " WITH (FORCE)");
    }
  }

  /** How a node started here is described in reports. */
  Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("url", uri.toString());
    m.put("database", databaseUrl == null ? (child != null ? "embedded SQLite" : "unknown")
        : "PostgreSQL");
    if (pid != null) {
      m.put("pid", pid);
    }
    if (child != null) {
      m.put("jvmOptions", child.jvmOptions());
      m.put("readyMillis", child.readyMillis());
    }
    return m;
  }
}
