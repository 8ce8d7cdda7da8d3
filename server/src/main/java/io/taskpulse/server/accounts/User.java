package io.taskpulse.server.accounts;

import java.time.Instant;
import java.util.List;

/** A built-in account. The password hash never leaves the store. */
public record User(String id, String name, List<String> roles, boolean disabled,
    List<String> teams, Instant createdAt, Instant updatedAt) {

  public boolean isAdmin() {
    return roles.contains("admin");
  }
}
