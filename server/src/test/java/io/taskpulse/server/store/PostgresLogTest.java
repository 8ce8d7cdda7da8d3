package io.taskpulse.server.store;

import io.taskpulse.server.testing.TestDatabases;

/** The store and log contract on a real PostgreSQL. */
class PostgresLogTest extends LogContract {

  private String url;

  @Override
  String freshDatabase() {
    url = TestDatabases.freshPostgres();
    return url;
  }

  @Override
  void dropDatabase() {
    TestDatabases.dropPostgres(url);
  }
}
