package io.taskpulse.server.mcp;

import io.taskpulse.server.store.Db;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * MCP sessions, one row each in {@code mcp_sessions}: any node serves any session, and ending
 * one (DELETE, idle expiry) ends it on every node. A session belongs to the user who opened it;
 * presented with another user's token it does not exist. Each user keeps at most
 * {@link #MAX_PER_USER} sessions: opening one more forgets that user's least recently used.
 * Blocks on the database.
 */
public final class McpSessions {

  /** A session: who opened it, the negotiated version, and what the client said it is. */
  public record Session(String id, String userId, String protocolVersion, String clientName,
      String clientVersion, String capabilities, long createdAt, long lastUsedAt) {}

  /** A session unused this long is forgotten; its client then starts a new one. */
  public static final Duration IDLE = Duration.ofHours(24);
  static final int MAX_PER_USER = 100;
  private static final long TOUCH_EVERY_MS = 60_000;

  private final Db db;
  private final Clock clock;
  private final Duration idle;
  private final SecureRandom random = new SecureRandom();

  public McpSessions(Db db, Clock clock, Duration idle) {
    this.db = db;
    this.clock = clock;
    this.idle = idle;
  }

  /** Opens a session and returns it; its id is 256 random bits, URL-safe. */
  public Session open(String userId, String protocolVersion, String clientName,
      String clientVersion, String capabilities) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    long now = clock.millis();
    Session s = new Session(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes),
        userId, protocolVersion, clip(clientName), clip(clientVersion), capabilities, now, now);
    db.write(tx -> {
      tx.update("INSERT INTO mcp_sessions (id, user_id, protocol_version, client_name,"
              + " client_version, capabilities, created_at, last_used_at)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", s.id(), s.userId(), s.protocolVersion(),
          s.clientName(), s.clientVersion(), s.capabilities(), now, now);
      tx.update("DELETE FROM mcp_sessions WHERE user_id = ? AND id NOT IN (SELECT id FROM"
          + " mcp_sessions WHERE user_id = ? ORDER BY last_used_at DESC, created_at DESC"
          + " LIMIT ?)", userId, userId, MAX_PER_USER);
      return null;
    });
    return s;
  }

  /**
   * The live session {@code id} of {@code userId}, marking it used; empty when it never
   * existed, was ended, went idle, or belongs to someone else.
   */
  public Optional<Session> use(String id, String userId) {
    if (id == null || id.length() > 100) {
      return Optional.empty();
    }
    long now = clock.millis();
    Optional<Session> found = db.read(tx -> tx.one("SELECT id, user_id, protocol_version,"
            + " client_name, client_version, capabilities, created_at, last_used_at"
            + " FROM mcp_sessions WHERE id = ?", rs -> new Session(rs.getString(1),
            rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
            rs.getString(6), rs.getLong(7), rs.getLong(8)), id))
        .filter(s -> s.userId().equals(userId))
        .filter(s -> now - s.lastUsedAt() <= idle.toMillis());
    found.filter(s -> now - s.lastUsedAt() > TOUCH_EVERY_MS).ifPresent(s -> db.write(tx ->
        tx.update("UPDATE mcp_sessions SET last_used_at = ? WHERE id = ?", now, s.id())));
    return found;
  }

  /** Ends a session of {@code userId}; false when there was none to end. */
  public boolean end(String id, String userId) {
    return id != null && db.write(tx -> tx.update("DELETE FROM mcp_sessions WHERE id = ? AND"
        + " user_id = ?", id, userId)) == 1;
  }

  /** Forgets sessions idle longer than the idle time; called now and then. */
  public int expire() {
    long before = clock.millis() - idle.toMillis();
    return db.write(tx -> tx.update("DELETE FROM mcp_sessions WHERE last_used_at < ?", before));
  }

  private static String clip(String s) {
    return s == null || s.length() <= 200 ? s : s.substring(0, 200);
  }
}
