package io.taskpulse.server.accounts;

import java.util.Set;

/** What the records say of one built-in account now: disabled, an admin, its teams. */
record Standing(boolean disabled, boolean admin, Set<String> teams) {

  Standing {
    teams = Set.copyOf(teams);
  }
}
