package io.taskpulse.server.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.errors.Problem;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the fields a client may set on a task from a JSON object, validating each and naming
 * the field in the error. Fields the server owns (id, ownerId, version, timestamps, lease)
 * are refused, so a typo or a stale client is told rather than silently ignored.
 */
public final class TaskFields {

  public static final int MAX_TITLE = 500;
  public static final int MAX_TEXT = 20_000;
  public static final int MAX_LABEL = 64;
  public static final int MAX_LABELS = 32;
  public static final int MAX_ID = 200;
  public static final int MAX_JSON_VALUE = 256 * 1024;
  /**
   * Queue names travel in URL paths ({@code /queues/{queue}/claim}): letters, digits and
   * {@code . _ : -}, so a name never needs escaping and never means two things.
   */
  public static final Pattern QUEUE = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

  /** Fields a create or a PATCH may carry. {@code status} is handled by the caller. */
  private static final Set<String> SETTABLE = Set.of("title", "description", "status", "stage",
      "progress", "progressMessage", "output", "error", "assignee", "projectId", "teamId",
      "priority", "labels", "queue", "dueAt", "maxAttempts", "retryBackoffSeconds");

  private TaskFields() {}

  /** Rejects any field that is not settable by clients. */
  public static void checkNames(JsonNode body, Set<String> extra) {
    Iterator<String> names = body.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!SETTABLE.contains(name) && !extra.contains(name)) {
        throw Problem.invalid(name, "is not a field a client can set");
      }
    }
  }

  /** Applies every settable field present in {@code body} except status. */
  public static void apply(JsonNode body, Task.Builder b) {
    for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      JsonNode v = field.getValue();
      switch (field.getKey()) {
        case "title" -> b.title = title(v);
        case "description" -> b.description = text("description", v, MAX_TEXT, true);
        case "stage" -> b.stage = text("stage", v, MAX_ID, true);
        case "progress" -> b.progress = progress(v);
        case "progressMessage" -> b.progressMessage = text("progressMessage", v, MAX_TEXT, true);
        case "output" -> b.output = jsonValue("output", v);
        case "error" -> b.error = jsonValue("error", v);
        case "assignee" -> b.assignee = id("assignee", v, true);
        case "projectId" -> b.projectId = id("projectId", v, true);
        case "teamId" -> b.teamId = id("teamId", v, true);
        case "priority" -> b.priority = priority(v);
        case "labels" -> b.labels = labels(v);
        case "queue" -> b.queue = v == null || v.isNull() ? null
            : queue(text("queue", v, MAX_ID, false));
        case "dueAt" -> b.dueAt = time("dueAt", v);
        case "maxAttempts" -> b.maxAttempts = integer("maxAttempts", v, 1, 100);
        case "retryBackoffSeconds" ->
            b.retryBackoffSeconds = integer("retryBackoffSeconds", v, 0, 86_400);
        default -> { } // status and call-specific fields are the caller's
      }
    }
  }

  public static String title(JsonNode v) {
    String title = text("title", v, MAX_TITLE, false);
    if (title.isBlank()) {
      throw Problem.invalid("title", "must not be blank");
    }
    return title.strip();
  }

  public static Status status(JsonNode v) {
    if (v == null || !v.isTextual() || Status.parse(v.asText()) == null) {
      throw Problem.invalid("status",
          "must be one of pending, running, completed, failed, cancelled, disabled");
    }
    return Status.parse(v.asText());
  }

  public static int progress(JsonNode v) {
    if (v == null || !v.isNumber() || !v.canConvertToInt() || v.asDouble() != v.asInt()) {
      throw Problem.invalid("progress", "must be a whole number from 0 to 100");
    }
    int p = v.asInt();
    if (p < 0 || p > 100) {
      throw Problem.invalid("progress", "must be a whole number from 0 to 100");
    }
    return p;
  }

  public static String text(String field, JsonNode v, int max, boolean nullable) {
    if (v == null || v.isNull()) {
      if (nullable) {
        return null;
      }
      throw Problem.invalid(field, "is required");
    }
    if (!v.isTextual()) {
      throw Problem.invalid(field, "must be a string");
    }
    if (v.asText().length() > max) {
      throw Problem.invalid(field, "must be at most " + max + " characters");
    }
    return v.asText();
  }

  /** An identifier: a non-empty string of at most 200 characters with no control characters. */
  public static String id(String field, JsonNode v, boolean nullable) {
    String s = text(field, v, MAX_ID, nullable);
    if (s == null) {
      return null;
    }
    if (s.isBlank() || s.chars().anyMatch(Character::isISOControl)) {
      throw Problem.invalid(field, "must be a non-empty id without control characters");
    }
    return s;
  }

  /** A queue name by {@link #QUEUE}; 400 naming {@code queue} otherwise. */
  public static String queue(String name) {
    if (name == null || !QUEUE.matcher(name).matches()) {
      throw Problem.invalid("queue", "must be 1 to 100 letters, digits or . _ : -");
    }
    return name;
  }

  public static int integer(String field, JsonNode v, int min, int max) {
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()
        || v.asInt() < min || v.asInt() > max) {
      throw Problem.invalid(field, "must be a whole number from " + min + " to " + max);
    }
    return v.asInt();
  }

  private static String priority(JsonNode v) {
    if (v == null || !v.isTextual() || Priority.parse(v.asText()) == null) {
      throw Problem.invalid("priority", "must be one of low, normal, high, urgent");
    }
    return v.asText();
  }

  private static List<String> labels(JsonNode v) {
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray() || v.size() > MAX_LABELS) {
      throw Problem.invalid("labels", "must be an array of at most " + MAX_LABELS + " strings");
    }
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode item : v) {
      if (!item.isTextual() || item.asText().isBlank() || item.asText().length() > MAX_LABEL) {
        throw Problem.invalid("labels", "each label must be a non-empty string of at most "
            + MAX_LABEL + " characters");
      }
      out.add(item.asText());
    }
    return new ArrayList<>(out);
  }

  private static Instant time(String field, JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw Problem.invalid(field, "must be an RFC 3339 time such as 2026-11-30T09:00:00Z");
    }
    try {
      return java.time.OffsetDateTime.parse(v.asText()).toInstant();
    } catch (DateTimeParseException e) {
      throw Problem.invalid(field, "must be an RFC 3339 time such as 2026-11-30T09:00:00Z");
    }
  }

  /** Output and error may be any JSON value (text, object, …) up to 256 KiB. */
  public static JsonNode jsonValue(String field, JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.toString().length() > MAX_JSON_VALUE) {
      throw Problem.invalid(field, "must be at most " + MAX_JSON_VALUE + " bytes of JSON");
    }
    return v;
  }
}
