package io.taskpulse.server.accounts;

import java.time.Instant;
import java.util.List;

public record Team(String id, String name, List<String> members, Instant createdAt) {}
