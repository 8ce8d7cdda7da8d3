package io.taskpulse.server.testing;

import java.util.HashMap;
import java.util.Map;

/**
 * Two nodes on a fresh PostgreSQL database of their own, with Redis between them or without.
 * Closing stops both nodes and the Redis handle, and drops the database.
 */
public final class TwoNodes implements AutoCloseable {

  private final String database;
  private final TestRedis redis;
  private TestServer a;
  private TestServer b;

  private TwoNodes(String database, TestRedis redis) {
    this.database = database;
    this.redis = redis;
  }

  /** Starts both nodes with {@code settings}; with {@code redis} (may be null) as their bus. */
  public static TwoNodes start(TestRedis redis, Map<String, String> settings) {
    TwoNodes nodes = new TwoNodes(TestDatabases.freshPostgres(), redis);
    Map<String, String> all = new HashMap<>(settings);
    if (redis != null) {
      all.put("TASKPULSE_REDIS_URL", redis.url());
    }
    try {
      nodes.a = TestServer.start(nodes.database, all);
      nodes.b = TestServer.start(nodes.database, all);
      return nodes;
    } catch (RuntimeException e) {
      nodes.close();
      throw e;
    }
  }

  public TestServer a() {
    return a;
  }

  public TestServer b() {
    return b;
  }

  @Override
  public void close() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
    try {
      if (redis != null) {
        redis.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      TestDatabases.dropPostgres(database);
    }
  }
}
