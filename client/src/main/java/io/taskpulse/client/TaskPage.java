package io.taskpulse.client;

import java.util.List;

/**
 * One page of a task listing.
 *
 * @param offset the log offset this listing is consistent with: subscribe or read events
 *     after it to follow every later change
 * @param epoch the name of the server's log (see {@link EventPage#epoch()})
 * @param nextCursor pass to {@link TaskQuery#withCursor(String)} for the next page; null on
 *     the last page
 */
public record TaskPage(List<Task> tasks, long offset, String epoch, String nextCursor) {

  public TaskPage {
    tasks = tasks == null ? List.of() : List.copyOf(tasks);
  }
}
