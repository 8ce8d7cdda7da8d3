package io.taskpulse.server.auth;

import java.util.Optional;

/**
 * The server's own word on the user a token names. A token says who its user is, their teams
 * and whether they are an admin; for a built-in account the server's records can only narrow
 * that: a disabled account is refused, a team the account has left and an admin role it has
 * lost no longer count. A user with no built-in account is as the token says. Never blocks.
 */
@FunctionalInterface
public interface AccountCheck {

  /** The caller as the records allow now; empty when the account is disabled. */
  Optional<Principal> current(Principal fromToken);

  /** For nodes and tests without accounts: every token is taken as it is. */
  AccountCheck NONE = Optional::of;
}
