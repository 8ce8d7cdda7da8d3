package io.taskpulse.server.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * A task as the wire contract shows it (PROTOCOL section 2). Immutable: a change makes a new
 * Task through {@link #toBuilder()}, and {@code version} grows by one for each.
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
    sharedWith = sharedWith == null ? List.of() : List.copyOf(sharedWith);
    labels = labels == null ? List.of() : List.copyOf(labels);
  }

  public Status statusValue() {
    return Status.parse(status);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Mutable copy used while a change is worked out; {@link #build()} freezes it again. */
  public static final class Builder {
    public String id;
    public String title;
    public String description;
    public String status;
    public String stage;
    public int progress;
    public String progressMessage;
    public JsonNode output;
    public JsonNode error;
    public String ownerId;
    public String assignee;
    public String projectId;
    public String teamId;
    public List<String> sharedWith;
    public String priority;
    public List<String> labels;
    public String queue;
    public Instant dueAt;
    public Instant createdAt;
    public Instant updatedAt;
    public Instant startedAt;
    public Instant finishedAt;
    public long version;
    public int attempt;
    public int maxAttempts;
    public int retryBackoffSeconds;
    public Instant leaseExpiresAt;
    public Instant notBefore;
    public String scheduleId;

    public Builder() {}

    Builder(Task t) {
      id = t.id;
      title = t.title;
      description = t.description;
      status = t.status;
      stage = t.stage;
      progress = t.progress;
      progressMessage = t.progressMessage;
      output = t.output;
      error = t.error;
      ownerId = t.ownerId;
      assignee = t.assignee;
      projectId = t.projectId;
      teamId = t.teamId;
      sharedWith = t.sharedWith;
      priority = t.priority;
      labels = t.labels;
      queue = t.queue;
      dueAt = t.dueAt;
      createdAt = t.createdAt;
      updatedAt = t.updatedAt;
      startedAt = t.startedAt;
      finishedAt = t.finishedAt;
      version = t.version;
      attempt = t.attempt;
      maxAttempts = t.maxAttempts;
      retryBackoffSeconds = t.retryBackoffSeconds;
      leaseExpiresAt = t.leaseExpiresAt;
      notBefore = t.notBefore;
      scheduleId = t.scheduleId;
    }

    public Task build() {
      return new Task(id, title, description, status, stage, progress, progressMessage, output,
          error, ownerId, assignee, projectId, teamId, sharedWith, priority, labels, queue, dueAt,
          createdAt, updatedAt, startedAt, finishedAt, version, attempt, maxAttempts,
          retryBackoffSeconds, leaseExpiresAt, notBefore, scheduleId);
    }
  }
}
