package io.taskpulse.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The sign-in throttle's rules, on a time source the test moves. */
class LoginThrottleTest {

  static final long SECOND = 1_000_000_000L;

  final AtomicLong now = new AtomicLong(1_000 * SECOND);
  final LoginThrottle throttle = new LoginThrottle(100, now::get);

  void fail(String user, String address) {
    assertThat(throttle.begin(user, address).allowed()).isTrue();
    throttle.failed(user, address);
  }

  long refusedFor(String user, String address) {
    LoginThrottle.Decision d = throttle.begin(user, address);
    if (d.allowed()) {
      throttle.abandoned(user, address);
      return 0;
    }
    return d.retryAfterSeconds();
  }

  @Test
  void pastFiveFailuresANameWaitsOneTwoFourSecondsAndSoOnUpToThirty() {
    for (int i = 0; i < 4; i++) {
      fail("alice", "10.0.0." + i);
      assertThat(refusedFor("alice", "10.0.0.99")).isZero();
    }
    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      fail("alice", "10.0.1." + i);
      long wait = refusedFor("alice", "10.0.2.1"); // any address: the name is held back
      waits.add(wait);
      now.addAndGet(wait * SECOND);
    }
    assertThat(waits).containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);
  }

  @Test
  void outcomesToldByOtherNodesCountHereAndUnreadableOnesChangeNothing() {
    List<String> told = new ArrayList<>();
    throttle.tellOthersWith(told::add);
    fail("cleo", "10.2.0.1");
    assertThat(told).hasSize(1);
    LoginThrottle other = new LoginThrottle(100, now::get);
    other.heard("not json");
    other.heard("{\"failed\":true}"); // no user, no address
    assertThat(other.size()).isZero();
    for (int i = 0; i < 5; i++) {
      other.heard(told.get(0));
    }
    // Five failures heard: the name and the address are held back there, as if made there.
    assertThat(other.begin("cleo", "10.9.9.9").allowed()).isFalse();
    throttle.succeeded("cleo", "10.2.0.1");
    other.heard(told.get(1)); // the success: the name's failures are forgotten there too
    assertThat(other.begin("cleo", "10.9.9.9").allowed()).isTrue();
  }

  @Test
  void aSuccessForgetsTheNamesFailuresButNotTheAddresss() {
    for (int i = 0; i < 5; i++) {
      fail("bob", "10.1.0.1");
    }
    now.addAndGet(2 * SECOND);
    assertThat(throttle.begin("bob", "10.1.0.1").allowed()).isTrue();
    throttle.succeeded("bob", "10.1.0.1");
    fail("bob", "10.1.0.1");
    assertThat(refusedFor("bob", "10.1.0.1")).isZero(); // one failure again, not six
    for (int i = 0; i < 14; i++) {
      fail("name" + i, "10.1.0.1");
    }
    // 5 + 1 + 14 = 20 failures from the address: it waits, whatever name it tries next.
    assertThat(refusedFor("someone-else", "10.1.0.1")).isEqualTo(1);
    assertThat(refusedFor("someone-else", "10.1.0.2")).isZero();
  }

  @Test
  void pastTheFreeFailuresOnlyOneCheckAtATimeRunsForAName() {
    for (int i = 0; i < 4; i++) {
      fail("carol", "10.2.0.1");
    }
    assertThat(throttle.begin("carol", "10.2.0.2").allowed()).isTrue(); // the fifth, in flight
    assertThat(refusedFor("carol", "10.2.0.3")).isEqualTo(1); // a parallel sixth must wait
    throttle.succeeded("carol", "10.2.0.2");
    assertThat(refusedFor("carol", "10.2.0.3")).isZero();
  }

  @Test
  void failuresAreForgottenAfterFiveQuietMinutesAndIdleKeysAreDropped() {
    for (int i = 0; i < 5; i++) {
      fail("dave", "10.3.0.1");
    }
    assertThat(refusedFor("dave", "10.3.0.1")).isEqualTo(1);
    now.addAndGet(5 * 60 * SECOND + SECOND);
    throttle.evictIdle();
    assertThat(throttle.size()).isZero();
    fail("dave", "10.3.0.1");
    assertThat(refusedFor("dave", "10.3.0.1")).isZero();
  }

  @Test
  void theTablesAreBoundedAndDropTheKeyIdleLongest() {
    for (int i = 0; i < 500; i++) {
      fail("user" + i, "10.4." + (i / 250) + "." + (i % 250));
      now.addAndGet(SECOND / 100);
    }
    assertThat(throttle.size()).isEqualTo(200); // 100 names and 100 addresses at most
    for (int i = 0; i < 4; i++) {
      fail("recent", "10.5.0.1");
    }
    fail("recent", "10.5.0.1");
    assertThat(refusedFor("recent", "10.5.0.9")).isEqualTo(1); // the newest key is kept
  }
}
