package io.taskpulse.server.accounts;

import java.time.Instant;

public record Project(String id, String name, String teamId, String ownerId, Instant createdAt,
    Instant updatedAt) {}
