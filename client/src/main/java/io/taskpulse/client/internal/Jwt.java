package io.taskpulse.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Reads a JWT's {@code exp} without verifying anything: the client only needs to know when
 * to ask for a fresh token. The server does the verifying.
 */
public final class Jwt {

  private Jwt() {}

  /** The token's expiry, or empty when it is not a JWT with a numeric {@code exp}. */
  public static Optional<Instant> expiry(String token) {
    if (token == null) {
      return Optional.empty();
    }
    String[] parts = token.trim().split("\\.");
    if (parts.length < 2) {
      return Optional.empty();
    }
    try {
      byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
      JsonNode claims = Wire.MAPPER.readTree(new String(payload, StandardCharsets.UTF_8));
      JsonNode exp = claims == null ? null : claims.get("exp");
      if (exp == null || !exp.isNumber()) {
        return Optional.empty();
      }
      return Optional.of(Instant.ofEpochMilli((long) (exp.asDouble() * 1000)));
    } catch (RuntimeException | java.io.IOException e) {
      return Optional.empty();
    }
  }
}
