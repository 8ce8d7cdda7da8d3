package io.taskpulse.client;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields of a task to create, for {@link TaskpulseClient#create(NewTask)}. Only the
 * fields set are sent; the server fills in the rest (status pending, priority normal, you as
 * owner). Not thread-safe: build it on one thread, then hand it over.
 *
 * <pre>{@code
 * Task t = client.create(NewTask.titled("Export contracts").assignee("agent-7").queue("exports"));
 * }</pre>
 */
public final class NewTask {

  private final Map<String, Object> fields = new LinkedHashMap<>();

  private NewTask(String title) {
    fields.put("title", title);
  }

  /** A task with this title (required, at most 500 characters). */
  public static NewTask titled(String title) {
    if (title == null || title.isBlank()) {
      throw new IllegalArgumentException("a task needs a title");
    }
    return new NewTask(title);
  }

  /** Free text, at most 20,000 characters. */
  public NewTask description(String description) {
    return set("description", description);
  }

  /** {@code pending} (the default) or {@code disabled}. */
  public NewTask status(String status) {
    return set("status", status);
  }

  /** A free label for a domain phase, such as {@code analyzing}. */
  public NewTask stage(String stage) {
    return set("stage", stage);
  }

  /** Progress from 0 to 100. */
  public NewTask progress(int progress) {
    return set("progress", progress);
  }

  /** The user or worker that works on it; they will see the task. */
  public NewTask assignee(String assignee) {
    return set("assignee", assignee);
  }

  /** The project it belongs to; the project must exist. */
  public NewTask projectId(String projectId) {
    return set("projectId", projectId);
  }

  /** The team whose members see it; you must be in that team. */
  public NewTask teamId(String teamId) {
    return set("teamId", teamId);
  }

  /** {@code low}, {@code normal}, {@code high} or {@code urgent}. */
  public NewTask priority(String priority) {
    return set("priority", priority);
  }

  /** Labels, at most 32 of at most 64 characters each. */
  public NewTask labels(String... labels) {
    return set("labels", List.of(labels));
  }

  /** Makes the task work for the workers of this queue. */
  public NewTask queue(String queue) {
    return set("queue", queue);
  }

  /** When it is due. */
  public NewTask dueAt(Instant dueAt) {
    return set("dueAt", dueAt);
  }

  /** How often workers may claim it before it fails for good (1 to 100, default 3). */
  public NewTask maxAttempts(int maxAttempts) {
    return set("maxAttempts", maxAttempts);
  }

  /** The wait before the first retry, doubled per attempt (0 to 86,400, default 10). */
  public NewTask retryBackoffSeconds(int seconds) {
    return set("retryBackoffSeconds", seconds);
  }

  /** Any other field the server accepts, for fields this client does not know yet. */
  public NewTask set(String field, Object value) {
    fields.put(field, value);
    return this;
  }

  /** The fields as sent, in the order set. */
  public Map<String, Object> toMap() {
    return new LinkedHashMap<>(fields);
  }
}
