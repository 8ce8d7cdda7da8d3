package io.taskpulse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

  @Test
  void defaultsRunOneNodeOnEmbeddedSqliteInData() {
    Config c = Config.from(Map.of());
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.databaseUrl()).isNull();
    assertThat(c.jdbcUrl()).startsWith("jdbc:sqlite:").endsWith("data/taskpulse.db");
    assertThat(c.redisUrl()).isNull();
    assertThat(c.maxBodyBytes()).isEqualTo(1024 * 1024);
    assertThat(c.retentionMaxAge()).isEqualTo(Duration.ofDays(7));
  }

  @Test
  void settingsAreReadFromTheirVariables() {
    Config c = Config.from(Map.of("TASKPULSE_PORT", "9090",
        "TASKPULSE_DATABASE_URL", "jdbc:postgresql://db/taskpulse",
        "TASKPULSE_ALLOWED_ORIGINS", "https://a.example, https://b.example",
        "TASKPULSE_RETENTION_MAX_AGE", "36h", "TASKPULSE_TOKEN_TTL", "PT30M"));
    assertThat(c.port()).isEqualTo(9090);
    assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://db/taskpulse");
    assertThat(c.allowedOrigins()).containsExactly("https://a.example", "https://b.example");
    assertThat(c.retentionMaxAge()).isEqualTo(Duration.ofHours(36));
    assertThat(c.tokenTtl()).isEqualTo(Duration.ofMinutes(30));
  }

  @Test
  void aBadValueStopsTheStartWithAMessageNamingIt() {
    assertBad("TASKPULSE_PORT", "eighty");
    assertBad("TASKPULSE_PORT", "70000");
    assertBad("TASKPULSE_DATABASE_URL", "postgres://db");
    assertBad("TASKPULSE_REDIS_URL", "localhost:6379");
    assertBad("TASKPULSE_JWT_SECRET", "short");
    assertBad("TASKPULSE_RETENTION_MAX_AGE", "forever");
    assertBad("TASKPULSE_MAX_BODY_BYTES", "-1");
    assertBad("TASKPULSE_ADMIN_PASSWORD", "123");
  }

  private static void assertBad(String name, String value) {
    assertThatThrownBy(() -> Config.from(Map.of(name, value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(name);
  }
}
