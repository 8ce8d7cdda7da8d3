package io.taskpulse.client;

/** What a {@link TaskHandler} sees of its task while it works. Thread-safe. */
public interface WorkContext {

  /** The task as claimed. */
  Task task();

  /** The worker's id, the task's assignee. */
  String workerId();

  /**
   * Reports progress (0–100) with a message; shown live on every screen. Throws
   * {@link TaskpulseException} {@code lease_lost} once the task is no longer this worker's
   * (and {@link #cancelled()} turns true).
   */
  void progress(int progress, String message);

  /**
   * Adds a timeline entry (a log line, a link, …) as this worker; refused like
   * {@link #progress}.
   */
  void entry(String kind, String text, Object data);

  /** True as soon as a heartbeat or report learned the task was cancelled or lost. */
  boolean cancelled();
}
