package io.taskpulse.server.cli;

import io.taskpulse.server.Config;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The flags every command that needs configuration shares; each overrides its variable. */
public final class Settings {

  @Option(names = "--host", description = "Address to bind (TASKPULSE_HOST, default 0.0.0.0).")
  String host;

  @Option(names = {"-p", "--port"}, description = "HTTP port (TASKPULSE_PORT, default 8080).")
  String port;

  @Option(names = "--data-dir",
      description = "Where the embedded database and secret live (TASKPULSE_DATA_DIR, ./data).")
  String dataDir;

  @Option(names = "--database-url",
      description = "JDBC URL of PostgreSQL (TASKPULSE_DATABASE_URL; unset: embedded SQLite).")
  String databaseUrl;

  @Option(names = "--redis-url", description = "Redis for many nodes (TASKPULSE_REDIS_URL).")
  String redisUrl;

  @Option(names = "--jwt-secret", description = "HS256 secret (TASKPULSE_JWT_SECRET).")
  String jwtSecret;

  @Option(names = "--jwt-public-key",
      description = "PEM/JWKS text or file of RS256/ES256 keys (TASKPULSE_JWT_PUBLIC_KEY).")
  String jwtPublicKey;

  @Option(names = "--allowed-origins",
      description = "Comma-separated browser origins allowed (TASKPULSE_ALLOWED_ORIGINS).")
  String allowedOrigins;

  @Option(names = "--retention-max-age",
      description = "Keep events this long, e.g. 7d (TASKPULSE_RETENTION_MAX_AGE).")
  String retentionMaxAge;

  @Option(names = "--retention-max-events",
      description = "Keep at most this many events (TASKPULSE_RETENTION_MAX_EVENTS).")
  String retentionMaxEvents;

  /** The environment with the given flags laid over it. */
  public Map<String, String> merged(Map<String, String> env) {
    Map<String, String> out = new HashMap<>(env);
    put(out, "TASKPULSE_HOST", host);
    put(out, "TASKPULSE_PORT", port);
    put(out, "TASKPULSE_DATA_DIR", dataDir);
    put(out, "TASKPULSE_DATABASE_URL", databaseUrl);
    put(out, "TASKPULSE_REDIS_URL", redisUrl);
    put(out, "TASKPULSE_JWT_SECRET", jwtSecret);
    put(out, "TASKPULSE_JWT_PUBLIC_KEY", jwtPublicKey);
    put(out, "TASKPULSE_ALLOWED_ORIGINS", allowedOrigins);
    put(out, "TASKPULSE_RETENTION_MAX_AGE", retentionMaxAge);
    put(out, "TASKPULSE_RETENTION_MAX_EVENTS", retentionMaxEvents);
    return out;
  }

  public Config config() {
    return Config.from(merged(System.getenv()));
  }

  private static void put(Map<String, String> map, String key, String value) {
    if (value != null) {
      map.put(key, value);
    }
  }
}
