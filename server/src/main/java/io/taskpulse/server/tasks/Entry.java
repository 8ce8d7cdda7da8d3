package io.taskpulse.server.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** One line of a task's timeline: a log line, a comment, a link such as a pull request. */
public record Entry(String id, String taskId, String kind, String text, JsonNode data,
    String actorId, Instant at) {}
