package io.taskpulse.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One line of a task's timeline: a log line, a comment, a link such as a pull request.
 *
 * @param kind {@code log}, {@code comment}, {@code link} or any label the writer chose
 * @param data free JSON the writer attached, or null
 * @param actorId who added it
 */
public record Entry(String id, String taskId, String kind, String text, JsonNode data,
    String actorId, Instant at) {

  public Entry {
    data = data == null || data.isNull() ? null : data;
  }
}
