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
  private boolean lostSight(Principal p) {
    return !seesAfter(p) && (priorViewers.contains(p.userId()) || intersects(priorTeams, p.teams()));
  }

  private boolean seesAfter(Principal p) {
    return p.admin() || viewers.contains(p.userId()) || intersects(teams, p.teams());
  }

  /**
   * The event type {@code p} receives. {@code task.unshared} always means "you lost sight":
   * an event that took {@code p}'s sight goes out as {@code task.unshared} (a deleted task
   * stays {@code task.deleted}), and an unshare seen by a reader who keeps sight of the task
   * (its owner, say) goes out as {@code task.updated}, its {@code changes} naming the share.
   */
  public String typeFor(Principal p) {
    if (lostSight(p)) {
      return type.equals(Event.DELETED) ? Event.DELETED : Event.UNSHARED;
    }
    return type.equals(Event.UNSHARED) ? Event.UPDATED : type;
  }

  /** Whether {@code p} receives this event under another type than the stored one. */
  public boolean retypedFor(Principal p) {
    return !typeFor(p).equals(type);
  }

  /** The event as {@code p} receives it: as stored, or retyped (see {@link #typeFor}). */
  public String jsonFor(Principal p) {
    String to = typeFor(p);
    if (to.equals(type)) {
      return json;
    }
    // The serialized event starts {"offset":N,"type":"…": replace that first type only.
    String from = "\"type\":\"" + type + "\"";
    int at = json.indexOf(from);
    return json.substring(0, at) + "\"type\":\"" + to + "\""
        + json.substring(at + from.length());
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
