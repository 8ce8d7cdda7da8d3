package io.taskpulse.server.log;

import io.taskpulse.server.auth.Principal;
import java.util.Set;

/**
 * A committed event as the server moves it around: its place in the log, what routing,
 * visibility and filters need, and its JSON serialized once, to be written as-is to every
 * reader.
 *
 * @param at when the change was made (epoch milliseconds)
 * @param viewers users who see the task after the change: owner, assignee, shares
 * @param teams the task's team after the change
 * @param priorViewers users who saw it before the change but do not after
 * @param priorTeams the team it had before, when that changed
 * @param projectIds the task's project after and before the change
 * @param statuses the task's status after and before the change
 * @param assignees the task's assignee after and before the change
 */
public record LogEvent(
    long offset,
    String type,
    String taskId,
    long at,
    Set<String> viewers,
    Set<String> teams,
    Set<String> priorViewers,
    Set<String> priorTeams,
    Set<String> projectIds,
    Set<String> statuses,
    Set<String> assignees,
    String json) {

  /** Whether {@code p} may receive this event: it sees the task now, or saw it until now. */
  public boolean visibleTo(Principal p) {
    return p.admin() || seesAfter(p) || priorViewers.contains(p.userId())
        || intersects(priorTeams, p.teams());
  }

  /** Whether this event is the one that took {@code p}'s sight of the task. */
  public boolean lostSight(Principal p) {
    return !seesAfter(p) && (priorViewers.contains(p.userId()) || intersects(priorTeams, p.teams()));
  }

  private boolean seesAfter(Principal p) {
    return p.admin() || viewers.contains(p.userId()) || intersects(teams, p.teams());
  }

  /**
   * The event as {@code p} receives it: as stored, or retyped {@code task.unshared} when it
   * took {@code p}'s sight of the task (a deleted task stays {@code task.deleted}).
   */
  public String jsonFor(Principal p) {
    if (!lostSight(p) || type.equals(Event.DELETED) || type.equals(Event.UNSHARED)) {
      return json;
    }
    // The serialized event starts {"offset":N,"type":"…": replace that first type only.
    String from = "\"type\":\"" + type + "\"";
    int at = json.indexOf(from);
    return json.substring(0, at) + "\"type\":\"" + Event.UNSHARED + "\""
        + json.substring(at + from.length());
  }

  /** The event type {@code p} receives (see {@link #jsonFor}). */
  public String typeFor(Principal p) {
    return lostSight(p) && !type.equals(Event.DELETED) ? Event.UNSHARED : type;
  }

  public boolean inProject(String projectId) {
    return projectIds.contains(projectId);
  }

  private static boolean intersects(Set<String> a, Set<String> b) {
    Set<String> small = a.size() <= b.size() ? a : b;
    Set<String> large = small == a ? b : a;
    for (String s : small) {
      if (large.contains(s)) {
        return true;
      }
    }
    return false;
  }
}
