package io.taskpulse.server.schedules;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** A schedule as the API shows it (PROTOCOL section 8). */
public record Schedule(String id, String cron, String timezone, JsonNode task, boolean enabled,
    String catchUp, String ownerId, String teamId, Instant nextRunAt, Instant lastRunAt,
    String lastTaskId, Instant createdAt, Instant updatedAt) {}
