package io.taskpulse.server.auth;

import java.time.Instant;
import java.util.Set;

/** The caller a verified token names: user id, teams, admin role, and when the token ends. */
public record Principal(String userId, Set<String> teams, boolean admin, Instant expiresAt) {

  public Principal {
    teams = Set.copyOf(teams);
  }

  public boolean inTeam(String teamId) {
    return teamId != null && teams.contains(teamId);
  }
}
