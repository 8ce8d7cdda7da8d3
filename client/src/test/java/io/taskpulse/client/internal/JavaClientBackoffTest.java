package io.taskpulse.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The reconnect schedule: 1 s doubling to a 30 s cap, full jitter, reset after success. */
class JavaClientBackoffTest {

  private static final Duration SECOND = Duration.ofSeconds(1);
  private static final Duration CAP = Duration.ofSeconds(30);

  @Test
  void theCeilingDoublesFromOneSecondAndStopsAtThirtySeconds() {
    Backoff b = new Backoff(SECOND, CAP, new Random(1));
    long[] expected = {1, 2, 4, 8, 16, 30, 30, 30, 30, 30};
    for (long seconds : expected) {
      assertThat(b.ceiling()).isEqualTo(Duration.ofSeconds(seconds));
      b.next();
    }
    for (int i = 0; i < 100; i++) {
      b.next();
    }
    assertThat(b.ceiling()).isEqualTo(CAP);
  }

  @Test
  void everyWaitLiesWithinZeroAndItsCeilingAndUsesTheWholeRange() {
    Backoff b = new Backoff(SECOND, CAP, new Random(42));
    for (int round = 0; round < 2_000; round++) {
      Duration ceiling = b.ceiling();
      Duration wait = b.next();
      assertThat(wait).isBetween(Duration.ZERO, ceiling);
      if (round % 12 == 11) {
        b.reset();
      }
    }
    // Full jitter: waits spread over the whole [0, cap] range, not bunched near the ceiling.
    Backoff capped = new Backoff(SECOND, CAP, new Random(7));
    for (int i = 0; i < 10; i++) {
      capped.next();
    }
    long below5 = 0;
    long above25 = 0;
    for (int i = 0; i < 1_000; i++) {
      Duration wait = capped.next();
      assertThat(wait).isBetween(Duration.ZERO, CAP);
      below5 += wait.compareTo(Duration.ofSeconds(5)) < 0 ? 1 : 0;
      above25 += wait.compareTo(Duration.ofSeconds(25)) > 0 ? 1 : 0;
    }
    assertThat(below5).isBetween(100L, 250L);
    assertThat(above25).isBetween(100L, 250L);
  }

  @Test
  void aResetStartsOverAtOneSecond() {
    Backoff b = new Backoff(SECOND, CAP, new Random(3));
    for (int i = 0; i < 7; i++) {
      b.next();
    }
    assertThat(b.ceiling()).isEqualTo(CAP);
    b.reset();
    assertThat(b.attempts()).isZero();
    assertThat(b.ceiling()).isEqualTo(SECOND);
    assertThat(b.next()).isBetween(Duration.ZERO, SECOND);
    assertThat(b.ceiling()).isEqualTo(Duration.ofSeconds(2));
  }
}
