package io.taskpulse.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;

/** The caller a verified token names: user id, teams, admin role, and when the token ends. */
public record Principal(String userId, Set<String> teams, boolean admin, Instant expiresAt) {

  public Principal {
    teams = Set.copyOf(teams);
  }

  public boolean inTeam(String teamId) {
    return teamId != null && teams.contains(teamId);
  }

  /**
   * A short fingerprint of what this user may see beyond their own, assigned and shared
   * tasks: the admin role and the teams. It changes exactly when the user's sight does, so a
   * long-poll reader that sends back the one it was given learns of the change (the feed
   * then asks for a new snapshot). Not a secret: it names nothing the user does not hold.
   */
  public String sight() {
    StringBuilder s = new StringBuilder(admin ? "admin" : "member");
    teams.stream().sorted().forEach(t -> s.append('\n').append(t));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(s.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
