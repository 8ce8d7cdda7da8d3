package io.taskpulse.server.api;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per user for writes: {@code perSecond} sustained, {@code burst} at once.
 * Buckets of users who stopped writing are dropped by {@link #evictIdle}. Thread-safe.
 */
final class RateLimiter {

  private final double perSecond;
  private final double burst;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double tokens;
    long lastNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.lastNanos = now;
    }
  }

  RateLimiter(double perSecond, double burst) {
    this.perSecond = perSecond;
    this.burst = burst;
  }

  boolean enabled() {
    return perSecond > 0;
  }

  /** Takes one token; returns 0 when allowed, else the seconds to wait before a retry. */
  long acquire(String user) {
    long now = System.nanoTime();
    Bucket b = buckets.computeIfAbsent(user, u -> new Bucket(burst, now));
    synchronized (b) {
      b.tokens = Math.min(burst, b.tokens + (now - b.lastNanos) / 1e9 * perSecond);
      b.lastNanos = now;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - b.tokens) / perSecond));
    }
  }

  /** Forgets buckets that have refilled: their users have been quiet long enough. */
  void evictIdle() {
    long now = System.nanoTime();
    buckets.entrySet().removeIf(e -> {
      synchronized (e.getValue()) {
        return e.getValue().tokens + (now - e.getValue().lastNanos) / 1e9 * perSecond >= burst;
      }
    });
  }
}
