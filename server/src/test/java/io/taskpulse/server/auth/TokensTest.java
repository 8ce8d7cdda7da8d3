package io.taskpulse.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokensTest {

  static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

  @Test
  void signedTokensVerifyWithTheirClaims() {
    Tokens tokens = new Tokens(SECRET, List.of(), Clock.systemUTC());
    Principal p = tokens.verify(tokens.sign("alice", List.of("core", "ops"), true,
        Duration.ofMinutes(5)));
    assertThat(p.userId()).isEqualTo("alice");
    assertThat(p.teams()).containsExactlyInAnyOrder("core", "ops");
    assertThat(p.admin()).isTrue();
    assertThat(p.expiresAt()).isAfter(Instant.now());
  }

  @Test
  void rs256AndEs256TokensVerifyAgainstConfiguredPublicKeys() throws Exception {
    RSAKey rsa = new RSAKeyGenerator(2048).keyID("r1").generate();
    ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("e1").generate();
    String jwks = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString();
    Tokens tokens = new Tokens(SECRET, Tokens.parsePublicKeys(jwks), Clock.systemUTC());

    SignedJWT byRsa = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims("rita"));
    byRsa.sign(new RSASSASigner(rsa));
    SignedJWT byEc = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), claims("eve"));
    byEc.sign(new ECDSASigner(ec));
    assertThat(tokens.verify(byRsa.serialize()).userId()).isEqualTo("rita");
    assertThat(tokens.verify(byEc.serialize()).userId()).isEqualTo("eve");

    RSAKey stranger = new RSAKeyGenerator(2048).generate();
    SignedJWT forged = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims("rita"));
    forged.sign(new RSASSASigner(stranger));
    assertUnauthorized(tokens, forged.serialize());
  }

  @Test
  void expiredUnsignedAndSubjectlessTokensAreRefused() {
    Tokens tokens = new Tokens(SECRET, List.of(), Clock.systemUTC());
    assertUnauthorized(tokens, tokens.sign("alice", List.of(), false, Duration.ofSeconds(-1)));
    assertUnauthorized(tokens, null);
    assertUnauthorized(tokens, "a.b.c");
    String alg = tokens.sign("alice", List.of(), false, Duration.ofMinutes(1));
    String[] parts = alg.split("\\.");
    String none = java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
    assertUnauthorized(tokens, none + "." + parts[1] + ".");
  }

  @Test
  void aRememberedTokenStillExpiresOnTime() {
    TestClock clock = new TestClock(Instant.now());
    Tokens tokens = new Tokens(SECRET, List.of(), clock);
    String token = tokens.sign("alice", List.of("core"), false, Duration.ofMinutes(1));
    assertThat(tokens.verify(token).userId()).isEqualTo("alice");
    assertThat(tokens.verify(token).teams()).containsExactly("core");
    clock.advance(Duration.ofSeconds(61));
    assertUnauthorized(tokens, token);
  }

  @Test
  void anAlteredTokenIsRefusedAfterTheOriginalVerified() {
    Tokens tokens = new Tokens(SECRET, List.of(), Clock.systemUTC());
    String token = tokens.sign("alice", List.of(), false, Duration.ofMinutes(5));
    assertThat(tokens.verify(token).admin()).isFalse();
    String[] parts = token.split("\\.");
    String admin = tokens.sign("alice", List.of(), true, Duration.ofMinutes(5)).split("\\.")[1];
    assertUnauthorized(tokens, parts[0] + "." + admin + "." + parts[2]);
    char last = parts[2].charAt(parts[2].length() - 2);
    String otherSignature = parts[2].substring(0, parts[2].length() - 2)
        + (last == 'A' ? 'B' : 'A') + parts[2].charAt(parts[2].length() - 1);
    assertUnauthorized(tokens, parts[0] + "." + parts[1] + "." + otherSignature);
    assertThat(tokens.verify(token).userId()).isEqualTo("alice");
  }

  private static JWTClaimsSet claims(String sub) {
    return new JWTClaimsSet.Builder().subject(sub)
        .expirationTime(Date.from(Instant.now().plusSeconds(60))).build();
  }

  private static void assertUnauthorized(Tokens tokens, String token) {
    assertThatThrownBy(() -> tokens.verify(token)).isInstanceOf(Problem.class)
        .extracting(e -> ((Problem) e).code()).isEqualTo(Problem.Code.UNAUTHORIZED);
  }
}
