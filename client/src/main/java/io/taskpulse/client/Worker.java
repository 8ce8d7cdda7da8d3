package io.taskpulse.client;

import java.time.Duration;

/**
 * A running worker: claims tasks of one queue with long-poll, runs up to
 * {@link WorkerOptions#concurrency()} handlers at once, keeps each task's lease with
 * heartbeats, and completes or fails the task with the handler's result. Closing it stops
 * claiming, lets running handlers finish within the grace period, then interrupts the rest and
 * hands their tasks back to the queue.
 */
public interface Worker extends AutoCloseable {

  /** The id this worker claims under. */
  String id();

  /** Tasks finished (completed or failed) by this worker so far. */
  long finished();

  /** Stops with the configured grace period. */
  @Override
  void close();

  /** Stops, waiting at most {@code grace} for running handlers. */
  void close(Duration grace);
}
