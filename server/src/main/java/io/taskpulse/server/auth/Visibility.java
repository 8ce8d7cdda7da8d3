package io.taskpulse.server.auth;

import io.taskpulse.server.tasks.Task;

/** Who sees a task (PROTOCOL section 2): owner, assignee, team members, shares, admins. */
public final class Visibility {

  private Visibility() {}

  public static boolean canSee(Principal p, Task t) {
    if (p.admin()) {
      return true;
    }
    String u = p.userId();
    return u.equals(t.ownerId())
        || u.equals(t.assignee())
        || p.inTeam(t.teamId())
        || t.sharedWith().contains(u);
  }

  /** Sharing, unsharing, deleting and moving a task between teams: its owner or an admin. */
  public static boolean canManage(Principal p, Task t) {
    return p.admin() || p.userId().equals(t.ownerId());
  }
}
