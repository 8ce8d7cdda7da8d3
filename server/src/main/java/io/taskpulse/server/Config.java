package io.taskpulse.server;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every setting of a node, checked once at start. Each comes from a {@code TASKPULSE_*}
 * environment variable, overridden by the matching command-line flag; a bad value stops the
 * start with a message that names the setting.
 *
 * @param databaseUrl a JDBC URL; null means embedded SQLite in {@code dataDir}
 * @param redisUrl null means one node with an in-process bus
 * @param jwtSecret HS256 secret; null means generated once and kept in {@code dataDir}
 * @param jwtPublicKey PEM or JWKS text of keys accepted for RS256/ES256, or null
 * @param adminPassword the first admin's password; null means generated and printed once
 * @param writesPerSecond per-user write rate limit; 0 turns it off
 */
public record Config(
    String host,
    int port,
    Path dataDir,
    String databaseUrl,
    String redisUrl,
    String jwtSecret,
    String jwtPublicKey,
    String adminPassword,
    List<String> allowedOrigins,
    Duration retentionMaxAge,
    long retentionMaxEvents,
    long maxBodyBytes,
    double writesPerSecond,
    double writeBurst,
    int dbPoolSize,
    Duration tokenTtl,
    int maxInFlight,
    int maxConnectionsPerUser,
    int maxSubscriptionsPerConnection,
    int messagesPerSecond,
    int heartbeatSeconds,
    int snapshotMaxTasks,
    int resumeMaxGap,
    int writeQueueBytes,
    int redisChannels,
    boolean accessLog,
    String githubWebhookSecret) {

  /** Names of the settings, as environment variables. */
  public static final List<String> SETTINGS = List.of("TASKPULSE_HOST", "TASKPULSE_PORT",
      "TASKPULSE_DATA_DIR", "TASKPULSE_DATABASE_URL", "TASKPULSE_REDIS_URL",
      "TASKPULSE_JWT_SECRET", "TASKPULSE_JWT_PUBLIC_KEY", "TASKPULSE_ADMIN_PASSWORD",
      "TASKPULSE_ALLOWED_ORIGINS", "TASKPULSE_RETENTION_MAX_AGE", "TASKPULSE_RETENTION_MAX_EVENTS",
      "TASKPULSE_MAX_BODY_BYTES", "TASKPULSE_WRITE_RATE_LIMIT", "TASKPULSE_WRITE_BURST",
      "TASKPULSE_DB_POOL_SIZE", "TASKPULSE_TOKEN_TTL", "TASKPULSE_MAX_IN_FLIGHT",
      "TASKPULSE_MAX_CONNECTIONS_PER_USER", "TASKPULSE_MAX_SUBSCRIPTIONS",
      "TASKPULSE_WS_MESSAGES_PER_SECOND", "TASKPULSE_HEARTBEAT_SECONDS",
      "TASKPULSE_SNAPSHOT_MAX_TASKS", "TASKPULSE_RESUME_MAX_GAP", "TASKPULSE_WRITE_QUEUE_BYTES",
      "TASKPULSE_REDIS_CHANNELS", "TASKPULSE_ACCESS_LOG",
      "TASKPULSE_GITHUB_WEBHOOK_SECRET");

  public Config {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("TASKPULSE_PORT must be from 0 to 65535, got " + port);
    }
    if (jwtSecret != null && jwtSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
      throw new IllegalArgumentException("TASKPULSE_JWT_SECRET must be at least 32 bytes long");
    }
    if (adminPassword != null && adminPassword.length() < 8) {
      throw new IllegalArgumentException("TASKPULSE_ADMIN_PASSWORD must be at least 8 characters");
    }
    allowedOrigins = List.copyOf(allowedOrigins);
  }

  /** The settings as environment variables would give them, flags already merged in. */
  public static Config from(Map<String, String> settings) {
    Reader r = new Reader(settings);
    return new Config(
        r.text("TASKPULSE_HOST", "0.0.0.0"),
        r.integer("TASKPULSE_PORT", 8080, 0, 65_535),
        Path.of(r.text("TASKPULSE_DATA_DIR", "./data")),
        r.jdbcUrl("TASKPULSE_DATABASE_URL"),
        r.redisUrl("TASKPULSE_REDIS_URL"),
        r.text("TASKPULSE_JWT_SECRET", null),
        r.text("TASKPULSE_JWT_PUBLIC_KEY", null),
        r.text("TASKPULSE_ADMIN_PASSWORD", null),
        r.list("TASKPULSE_ALLOWED_ORIGINS"),
        r.duration("TASKPULSE_RETENTION_MAX_AGE", Duration.ofDays(7)),
        r.integer("TASKPULSE_RETENTION_MAX_EVENTS", 1_000_000, 1_000, Integer.MAX_VALUE),
        r.integer("TASKPULSE_MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
        r.integer("TASKPULSE_WRITE_RATE_LIMIT", 1_000, 0, 1_000_000),
        r.integer("TASKPULSE_WRITE_BURST", 2_000, 1, 1_000_000),
        r.integer("TASKPULSE_DB_POOL_SIZE", 16, 1, 256),
        r.duration("TASKPULSE_TOKEN_TTL", Duration.ofHours(12)),
        r.integer("TASKPULSE_MAX_IN_FLIGHT", 2_000, 1, 1_000_000),
        r.integer("TASKPULSE_MAX_CONNECTIONS_PER_USER", 100, 1, 1_000_000),
        r.integer("TASKPULSE_MAX_SUBSCRIPTIONS", 100, 1, 10_000),
        r.integer("TASKPULSE_WS_MESSAGES_PER_SECOND", 20, 1, 100_000),
        r.integer("TASKPULSE_HEARTBEAT_SECONDS", 25, 1, 3_600),
        r.integer("TASKPULSE_SNAPSHOT_MAX_TASKS", 5_000, 1, 1_000_000),
        r.integer("TASKPULSE_RESUME_MAX_GAP", 100_000, 1, Integer.MAX_VALUE),
        r.integer("TASKPULSE_WRITE_QUEUE_BYTES", 256 * 1024, 4 * 1024, 64 * 1024 * 1024),
        r.integer("TASKPULSE_REDIS_CHANNELS", 1, 1, 1024),
        r.bool("TASKPULSE_ACCESS_LOG", false),
        r.text("TASKPULSE_GITHUB_WEBHOOK_SECRET", null));
  }

  /** The JDBC URL in use: the configured one, or SQLite in the data directory. */
  public String jdbcUrl() {
    return databaseUrl != null ? databaseUrl
        : "jdbc:sqlite:" + dataDir.resolve("taskpulse.db").toAbsolutePath();
  }

  private record Reader(Map<String, String> settings) {

    String text(String name, String dflt) {
      String v = settings.get(name);
      return v == null || v.isBlank() ? dflt : v.trim();
    }

    int integer(String name, int dflt, int min, int max) {
      String v = text(name, null);
      if (v == null) {
        return dflt;
      }
      try {
        int n = Integer.parseInt(v.replace("_", ""));
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      throw new IllegalArgumentException(name + " must be a whole number from " + min + " to "
          + max + ", got '" + v + "'");
    }

    /** {@code 30s}, {@code 15m}, {@code 12h}, {@code 7d}, or ISO-8601 such as {@code PT1H}. */
    Duration duration(String name, Duration dflt) {
      String v = text(name, null);
      if (v == null) {
        return dflt;
      }
      try {
        return parseDuration(v);
      } catch (IllegalArgumentException | DateTimeParseException e) {
        throw new IllegalArgumentException(name + " must be a duration such as 30s, 15m, 12h or"
            + " 7d, got '" + v + "'");
      }
    }

    boolean bool(String name, boolean dflt) {
      String v = text(name, null);
      if (v == null) {
        return dflt;
      }
      return switch (v.toLowerCase(Locale.ROOT)) {
        case "true", "yes", "1", "on" -> true;
        case "false", "no", "0", "off" -> false;
        default -> throw new IllegalArgumentException(name + " must be true or false, got '" + v
            + "'");
      };
    }

    List<String> list(String name) {
      String v = text(name, null);
      return v == null ? List.of()
          : Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    String jdbcUrl(String name) {
      String v = text(name, null);
      if (v != null && !v.startsWith("jdbc:postgresql:") && !v.startsWith("jdbc:sqlite:")) {
        throw new IllegalArgumentException(name + " must be a JDBC URL starting with"
            + " jdbc:postgresql: or jdbc:sqlite:, got '" + v + "'");
      }
      return v;
    }

    String redisUrl(String name) {
      String v = text(name, null);
      if (v != null && !v.startsWith("redis://") && !v.startsWith("rediss://")) {
        throw new IllegalArgumentException(name + " must be a URL such as redis://host:6379,"
            + " got '" + v + "'");
      }
      return v;
    }
  }

  public static Duration parseDuration(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    if (s.startsWith("p")) {
      return Duration.parse(s.toUpperCase(Locale.ROOT));
    }
    if (s.length() < 2) {
      throw new IllegalArgumentException(v);
    }
    long n = Long.parseLong(s.substring(0, s.length() - 1));
    Duration d = switch (s.charAt(s.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      case 'd' -> Duration.ofDays(n);
      default -> throw new IllegalArgumentException(v);
    };
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(v);
    }
    return d;
  }
}
