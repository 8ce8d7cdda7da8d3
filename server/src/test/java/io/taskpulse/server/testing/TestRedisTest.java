package io.taskpulse.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** The test harness finds its Redis as DESIGN says: the given URL, the local one, or its own. */
class TestRedisTest {

  @Test
  void aGivenUrlIsUsedAsItIsAndLeftRunningAfterTheTest() throws Exception {
    try (TestRedis own = TestRedis.start()) {
      TestRedis given = TestRedis.shared(Map.of("TASKPULSE_TEST_REDIS_URL", own.url()));
      assertThat(given.url()).isEqualTo(own.url());
      assertThat(given.isPrivate()).isFalse();
      assertThatThrownBy(given::kill).isInstanceOf(IllegalStateException.class);
      given.close();
      assertThat(TestRedis.answers(own.url())).isTrue();
    }
  }

  @Test
  void aGivenUrlThatDoesNotAnswerFailsOnCiAndSkipsElsewhere() {
    String dead = "redis://127.0.0.1:" + ServerProcess.freePort();
    assertThatThrownBy(() -> TestRedis.shared(Map.of("TASKPULSE_TEST_REDIS_URL", dead,
        "CI", "true"))).isInstanceOf(IllegalStateException.class).hasMessageContaining(dead);
    assertThatThrownBy(() -> TestRedis.shared(Map.of("TASKPULSE_TEST_REDIS_URL", dead)))
        .isInstanceOf(TestAbortedException.class);
  }

  @Test
  void withoutAUrlTheLocalRedisIsUsedWhenItAnswersElseAPrivateOne() throws Exception {
    try (TestRedis chosen = TestRedis.shared(Map.of())) {
      if (TestRedis.answers(TestRedis.LOCAL)) {
        assertThat(chosen.url()).isEqualTo(TestRedis.LOCAL);
        assertThat(chosen.isPrivate()).isFalse();
      } else {
        assertThat(chosen.isPrivate()).isTrue();
        assertThat(TestRedis.answers(chosen.url())).isTrue();
      }
    }
  }

  @Test
  void aPrivateRedisAnswersItsOwnUrlUntilKilledAndAgainAfterARestart() throws Exception {
    try (TestRedis own = TestRedis.start()) {
      assertThat(own.isPrivate()).isTrue();
      assertThat(TestRedis.answers(own.url())).isTrue();
      own.kill();
      assertThat(TestRedis.answers(own.url())).isFalse();
      own.restart();
      assertThat(TestRedis.answers(own.url())).isTrue();
    }
  }
}
