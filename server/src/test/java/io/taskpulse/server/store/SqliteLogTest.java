package io.taskpulse.server.store;

import io.taskpulse.server.testing.TestDatabases;

/** The store and log contract on embedded SQLite. */
class SqliteLogTest extends LogContract {

  @Override
  String freshDatabase() {
    return TestDatabases.sqlite();
  }
}
