package io.taskpulse.server.api;

import io.taskpulse.server.json.Json;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Slows password guessing at {@code POST /auth/login}, per username and per remote address.
 * Each key has a few free failures; past them every failure refuses the key for a growing
 * time (1 s, 2 s, 4 s, … at most 30 s), and only one check at a time runs for it. Refused
 * attempts run no password hash and do not count, so an attacker who fails for someone's
 * name holds that name back by at most 30 s after their last failure. A success forgets the
 * username's failures (not the address's: logging in to one's own account must not reset a
 * guesser). Failures are forgotten after {@link #FORGET_NANOS} without one. Each table is
 * bounded: past {@code maxKeys} the key idle longest is dropped. Thread-safe; never blocks
 * for long (one lock, no I/O), so it is called on the event loop. With several nodes, each
 * tells the others its outcomes ({@link #tellOthersWith}, {@link #heard}), so guesses spread
 * over the nodes count as if made at one; only the one-check-at-a-time rule stays per node.
 */
final class LoginThrottle {

  static final int FREE_PER_USER = 5;
  static final int FREE_PER_ADDRESS = 20;
  static final long MAX_BLOCK_SECONDS = 30;
  static final long FORGET_NANOS = 5L * 60 * 1_000_000_000L;

  /** What {@link #begin} decided: go ahead, or retry after {@code retryAfterSeconds}. */
  record Decision(boolean allowed, long retryAfterSeconds) {}

  /** A sign-in's outcome as the nodes tell each other. */
  record Outcome(boolean failed, String user, String address) {}

  private static final class Entry {
    int failures;
    int inFlight;
    long blockedUntil;
    long lastSeen;
  }

  private final Table users;
  private final Table addresses;
  private final LongSupplier nanos;
  private volatile Consumer<String> tellOthers = body -> {};

  LoginThrottle(int maxKeys) {
    this(maxKeys, System::nanoTime);
  }

  LoginThrottle(int maxKeys, LongSupplier nanos) {
    this.users = new Table(FREE_PER_USER, maxKeys);
    this.addresses = new Table(FREE_PER_ADDRESS, maxKeys);
    this.nanos = nanos;
  }

  /**
   * Asks to check a password for {@code username} from {@code address}. When allowed, the
   * caller must report the outcome with exactly one of {@link #failed}, {@link #succeeded} or
   * {@link #abandoned}.
   */
  synchronized Decision begin(String username, String address) {
    long now = nanos.getAsLong();
    long wait = Math.max(users.refusal(username, now), addresses.refusal(address, now));
    if (wait > 0) {
      return new Decision(false, Math.max(1, (wait + 999_999_999L) / 1_000_000_000L));
    }
    users.start(username, now);
    addresses.start(address, now);
    return new Decision(true, 0);
  }

  /** The password was wrong (or the user unknown, or disabled: they look the same). */
  void failed(String username, String address) {
    synchronized (this) {
      long now = nanos.getAsLong();
      users.fail(username, now, true);
      addresses.fail(address, now, true);
    }
    tellOthers.accept(Json.write(new Outcome(true, username, address)));
  }

  void succeeded(String username, String address) {
    synchronized (this) {
      users.forget(username);
      addresses.end(address, nanos.getAsLong());
    }
    tellOthers.accept(Json.write(new Outcome(false, username, address)));
  }

  /**
   * Sends each outcome to the other nodes (over the bus), so that guesses spread over
   * several nodes are counted together. Without it each node counts only its own.
   */
  void tellOthersWith(Consumer<String> announce) {
    this.tellOthers = announce;
  }

  /**
   * An outcome another node told of: counted as if it happened here, except that no check
   * was in flight here. An unreadable one is ignored.
   */
  void heard(String body) {
    Outcome o;
    try {
      o = Json.MAPPER.readValue(body, Outcome.class);
    } catch (IOException | RuntimeException e) {
      return;
    }
    if (o.user() == null || o.address() == null) {
      return;
    }
    synchronized (this) {
      long now = nanos.getAsLong();
      if (o.failed()) {
        users.fail(o.user(), now, false);
        addresses.fail(o.address(), now, false);
      } else {
        users.forget(o.user());
      }
    }
  }

  /** The check did not happen (bad input, database away): counts as nothing. */
  synchronized void abandoned(String username, String address) {
    long now = nanos.getAsLong();
    users.end(username, now);
    addresses.end(address, now);
  }

  /** Drops keys with nothing in flight and no failure for {@link #FORGET_NANOS}. */
  synchronized void evictIdle() {
    long now = nanos.getAsLong();
    users.evictIdle(now);
    addresses.evictIdle(now);
  }

  synchronized int size() {
    return users.entries.size() + addresses.entries.size();
  }

  /** One kind of key: its free failures and its entries, least recently seen first. */
  private static final class Table {
    final int free;
    final int maxKeys;
    final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);

    Table(int free, int maxKeys) {
      this.free = free;
      this.maxKeys = maxKeys;
    }

    /** Nanoseconds until {@code key} may try again; 0 when it may now. */
    long refusal(String key, long now) {
      Entry e = entries.get(key);
      if (e == null) {
        return 0;
      }
      if (now - e.lastSeen > FORGET_NANOS && e.inFlight == 0) {
        entries.remove(key);
        return 0;
      }
      if (now < e.blockedUntil) {
        return e.blockedUntil - now;
      }
      // Past the free failures, one check at a time: parallel guesses cannot slip through.
      if (e.inFlight > 0 && e.failures + e.inFlight >= free) {
        return 1_000_000_000L;
      }
      return 0;
    }

    void start(String key, long now) {
      Entry e = entries.computeIfAbsent(key, k -> new Entry());
      e.inFlight++;
      e.lastSeen = now;
      if (entries.size() > maxKeys) {
        dropEldest(key);
      }
    }

    /** A failure; {@code here} when it ends a check this node started. */
    void fail(String key, long now, boolean here) {
      Entry e = entries.computeIfAbsent(key, k -> new Entry());
      if (here) {
        e.inFlight = Math.max(0, e.inFlight - 1);
      }
      e.failures++;
      e.lastSeen = now;
      if (e.failures >= free) {
        int excess = Math.min(e.failures - free, 16);
        long seconds = Math.min(MAX_BLOCK_SECONDS, 1L << excess);
        e.blockedUntil = now + seconds * 1_000_000_000L;
      }
      if (entries.size() > maxKeys) {
        dropEldest(key);
      }
    }

    void end(String key, long now) {
      Entry e = entries.get(key);
      if (e != null) {
        e.inFlight = Math.max(0, e.inFlight - 1);
        e.lastSeen = now;
      }
    }

    void forget(String key) {
      entries.remove(key);
    }

    void evictIdle(long now) {
      entries.values().removeIf(e -> e.inFlight == 0 && now - e.lastSeen > FORGET_NANOS
          && now >= e.blockedUntil);
    }

    private void dropEldest(String keep) {
      for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
          it.hasNext() && entries.size() > maxKeys; ) {
        if (!it.next().getKey().equals(keep)) {
          it.remove();
        }
      }
    }
  }
}
