package io.taskpulse.client.internal;

import java.time.Duration;
import java.util.Random;

/**
 * Exponential backoff with full jitter: the n-th wait (n from 0) is uniform in
 * [0, min(max, initial × 2^n)]. Spreads the reconnects of many clients after a server restart
 * instead of bringing them back at once. Not thread-safe: one per subscription thread.
 */
public final class Backoff {

  private final long initialNanos;
  private final long maxNanos;
  private final Random random;
  private int attempt;

  public Backoff(Duration initial, Duration max, Random random) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + ", " + max);
    }
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** The ceiling of the next wait: initial doubled per attempt, capped at max. */
  public Duration ceiling() {
    long ceiling = initialNanos;
    for (int i = 0; i < attempt && ceiling < maxNanos; i++) {
      ceiling = ceiling * 2;
    }
    return Duration.ofNanos(Math.min(ceiling, maxNanos));
  }

  /** The next wait, and counts an attempt. */
  public Duration next() {
    long ceiling = ceiling().toNanos();
    if (attempt < Integer.MAX_VALUE) {
      attempt++;
    }
    return Duration.ofNanos((long) (random.nextDouble() * ceiling));
  }

  /** Back to the first ceiling: called after a successful subscribe. */
  public void reset() {
    attempt = 0;
  }

  public int attempts() {
    return attempt;
  }
}
