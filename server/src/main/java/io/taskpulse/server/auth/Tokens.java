package io.taskpulse.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.taskpulse.server.errors.Problem;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signs HS256 tokens with the server's secret and verifies HS256, RS256 and ES256 tokens.
 * The verifier is chosen by the token's algorithm and must match the key's type, so an
 * RS256 public key can never be used as an HMAC secret. Thread-safe.
 *
 * <p>Clients send the same token with every request, and parsing and checking it costs more
 * than the rest of a small change's HTTP handling: a token that verified is remembered, by its
 * exact text (signature included), until it expires. A forged or altered token never matches
 * one remembered, so it is always checked in full.
 */
public final class Tokens {

  /** Verified tokens remembered; when full, all are forgotten (cheap, and rare). */
  static final int REMEMBERED = 10_000;

  private final Map<String, Principal> verified = new ConcurrentHashMap<>();
  private final byte[] secret;
  private final List<JWK> publicKeys;
  private final Clock clock;

  /**
   * @param secret the HS256 secret, at least 32 bytes
   * @param publicKeys RSA or EC public keys accepted for RS256/ES256 (may be empty)
   */
  public Tokens(byte[] secret, List<JWK> publicKeys, Clock clock) {
    if (secret.length < 32) {
      throw new IllegalArgumentException("the JWT secret must be at least 32 bytes");
    }
    this.secret = secret.clone();
    this.publicKeys = List.copyOf(publicKeys);
    this.clock = clock;
  }

  /** Reads public keys from PEM text or a JWKS document. */
  public static List<JWK> parsePublicKeys(String text) throws ParseException, JOSEException {
    String trimmed = text.trim();
    if (trimmed.startsWith("{")) {
      return JWKSet.parse(trimmed).getKeys();
    }
    return List.of(JWK.parseFromPEMEncodedObjects(trimmed));
  }

  public String sign(String userId, Collection<String> teams, boolean admin, Duration ttl) {
    Instant now = clock.instant();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .subject(userId)
        .claim("teams", new ArrayList<>(teams))
        .claim("roles", admin ? List.of("admin") : List.of())
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(ttl)))
        .build();
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(secret));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token", e);
    }
  }

  /** Verifies signature and expiry; every failure is 401 {@code unauthorized}. */
  public Principal verify(String token) {
    if (token == null || token.isBlank()) {
      throw Problem.unauthorized("a bearer token is required");
    }
    Principal known = verified.get(token);
    if (known != null) {
      if (known.expiresAt().isAfter(clock.instant())) {
        return known;
      }
      verified.remove(token);
    }
    Principal p = check(token);
    if (verified.size() >= REMEMBERED) {
      verified.clear();
    }
    verified.put(token, p);
    return p;
  }

  private Principal check(String token) {
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token.trim());
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw Problem.unauthorized("the token is not a valid JWT");
    }
    if (!verifies(jwt)) {
      throw Problem.unauthorized("the token's signature is not valid");
    }
    String sub = claims.getSubject();
    Date exp = claims.getExpirationTime();
    if (sub == null || sub.isBlank()) {
      throw Problem.unauthorized("the token has no subject");
    }
    if (exp == null) {
      throw Problem.unauthorized("the token has no expiry");
    }
    if (!exp.toInstant().isAfter(clock.instant())) {
      throw Problem.unauthorized("the token has expired");
    }
    return new Principal(sub, stringSet(claims, "teams"),
        stringSet(claims, "roles").contains("admin"), exp.toInstant());
  }

  private boolean verifies(SignedJWT jwt) {
    JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
    try {
      if (JWSAlgorithm.HS256.equals(alg)) {
        return jwt.verify(new MACVerifier(secret));
      }
      for (JWK key : publicKeys) {
        JWSVerifier verifier = verifierFor(alg, key);
        if (verifier != null && jwt.verify(verifier)) {
          return true;
        }
      }
      return false;
    } catch (JOSEException e) {
      return false;
    }
  }

  private static JWSVerifier verifierFor(JWSAlgorithm alg, JWK key) throws JOSEException {
    if (JWSAlgorithm.RS256.equals(alg) && key instanceof RSAKey rsa) {
      return new RSASSAVerifier((RSAPublicKey) rsa.toPublicKey());
    }
    if (JWSAlgorithm.ES256.equals(alg) && key instanceof ECKey ec) {
      return new ECDSAVerifier((ECPublicKey) ec.toPublicKey());
    }
    return null;
  }

  private static Set<String> stringSet(JWTClaimsSet claims, String name) {
    Object value = claims.getClaim(name);
    Set<String> out = new HashSet<>();
    if (value instanceof Collection<?> items) {
      for (Object item : items) {
        if (item instanceof String s) {
          out.add(s);
        }
      }
    } else if (value instanceof String s) {
      out.add(s);
    }
    return out;
  }
}
