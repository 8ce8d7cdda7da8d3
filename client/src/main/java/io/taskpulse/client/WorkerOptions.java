package io.taskpulse.client;

import java.time.Duration;
import java.util.UUID;

/**
 * How a {@link Worker} runs.
 *
 * @param workerId the id it claims under (defaults to {@code worker-<random>})
 * @param concurrency handlers running at once (1–100)
 * @param leaseSeconds the lease asked for on each claim and heartbeat (1–3600)
 * @param heartbeat how often each running task's lease is renewed (below the lease)
 * @param claimWait how long one claim waits for work (0–60 s)
 * @param grace how long {@link Worker#close()} lets running handlers finish
 */
public record WorkerOptions(String workerId, int concurrency, int leaseSeconds,
    Duration heartbeat, Duration claimWait, Duration grace) {

  public WorkerOptions {
    if (workerId == null || workerId.isBlank()) {
      throw new IllegalArgumentException("workerId must not be blank");
    }
    if (concurrency < 1 || concurrency > 100) {
      throw new IllegalArgumentException("concurrency must be 1 to 100");
    }
    if (leaseSeconds < 1 || leaseSeconds > 3600) {
      throw new IllegalArgumentException("leaseSeconds must be 1 to 3600");
    }
    if (heartbeat.isNegative() || heartbeat.isZero()
        || heartbeat.compareTo(Duration.ofSeconds(leaseSeconds)) >= 0) {
      throw new IllegalArgumentException("heartbeat must be positive and below the lease");
    }
    if (claimWait.isNegative() || claimWait.compareTo(Duration.ofSeconds(60)) > 0) {
      throw new IllegalArgumentException("claimWait must be 0 to 60 s");
    }
  }

  /** One handler at a time, 30 s leases renewed every 10 s, 20 s claims, 30 s grace. */
  public static WorkerOptions defaults() {
    return new WorkerOptions("worker-" + UUID.randomUUID().toString().substring(0, 8), 1, 30,
        Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30));
  }

  public WorkerOptions withWorkerId(String id) {
    return new WorkerOptions(id, concurrency, leaseSeconds, heartbeat, claimWait, grace);
  }

  public WorkerOptions withConcurrency(int n) {
    return new WorkerOptions(workerId, n, leaseSeconds, heartbeat, claimWait, grace);
  }

  public WorkerOptions withLease(int seconds, Duration heartbeatEvery) {
    return new WorkerOptions(workerId, concurrency, seconds, heartbeatEvery, claimWait, grace);
  }

  public WorkerOptions withClaimWait(Duration wait) {
    return new WorkerOptions(workerId, concurrency, leaseSeconds, heartbeat, wait, grace);
  }

  public WorkerOptions withGrace(Duration closeGrace) {
    return new WorkerOptions(workerId, concurrency, leaseSeconds, heartbeat, claimWait, closeGrace);
  }
}
