package io.taskpulse.client;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * A task as the server shows it (PROTOCOL section 2). Immutable; a change on the server makes
 * a new one with {@code version} one higher. Fields the server adds later are ignored, so an
 * older client keeps working against a newer server.
 *
 * @param status {@code pending}, {@code running}, {@code completed}, {@code failed},
 *     {@code cancelled} or {@code disabled} (kept as text so a future status does not break
 *     parsing)
 * @param stage a free label for domain phases, never constrained by the server
 * @param progress 0 to 100
 * @param output what a completed task produced (any JSON), or null
 * @param error what a failed task reported (any JSON), or null
 * @param sharedWith users the task is shared with, never null
 * @param labels never null
 * @param version grows by exactly 1 on every change
 * @param attempt how many times a worker claimed it
 * @param leaseExpiresAt when a worker's claim lapses without a heartbeat, or null
 * @param notBefore a retry does not start before this, or null
 * @param scheduleId the schedule that created it, or null
 */
public record Task(
    String id,
    String title,
    String description,
    String status,
    String stage,
    int progress,
    String progressMessage,
    JsonNode output,
    JsonNode error,
    String ownerId,
    String assignee,
    String projectId,
    String teamId,
    List<String> sharedWith,
    String priority,
    List<String> labels,
    String queue,
    Instant dueAt,
    Instant createdAt,
    Instant updatedAt,
    Instant startedAt,
    Instant finishedAt,
    long version,
    int attempt,
    int maxAttempts,
    int retryBackoffSeconds,
    Instant leaseExpiresAt,
    Instant notBefore,
    String scheduleId) {

  public Task {
    output = output == null || output.isNull() ? null : output;
    error = error == null || error.isNull() ? null : error;
    sharedWith = sharedWith == null ? List.of() : List.copyOf(sharedWith);
    labels = labels == null ? List.of() : List.copyOf(labels);
  }

  /** Whether the task reached an end: completed, failed or cancelled (a reopen may follow). */
  @JsonIgnore
  public boolean isFinished() {
    return "completed".equals(status) || "failed".equals(status) || "cancelled".equals(status);
  }
}
