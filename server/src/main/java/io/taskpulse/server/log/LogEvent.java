package io.taskpulse.server.log;

import io.taskpulse.server.auth.Principal;
import java.util.Set;

/**
 * A committed event as the server moves it around: its place in the log, what routing and
 * visibility need, and its JSON serialized once, to be written as-is to every reader.
 *
 * @param viewers users who may see it besides teams: owner, assignee and shares, both before
 *     and after the change, so one who loses sight still receives the event that took it
 * @param teams the task's team before and after the change
 * @param projectIds the task's project before and after the change
 */
public record LogEvent(
    long offset,
    String type,
    String taskId,
    Set<String> viewers,
    Set<String> teams,
    Set<String> projectIds,
    String json) {

  public boolean visibleTo(Principal p) {
    if (p.admin() || viewers.contains(p.userId())) {
      return true;
    }
    for (String team : teams) {
      if (p.teams().contains(team)) {
        return true;
      }
    }
    return false;
  }

  public boolean inProject(String projectId) {
    return projectIds.contains(projectId);
  }
}
