package io.taskpulse.client;

import java.util.List;

/**
 * One read of the event feed ({@code GET /events}).
 *
 * @param events the events after the requested offset that the user may see, oldest first
 * @param next the offset to pass as {@code after} next time (it may pass events the user may
 *     not see)
 * @param epoch names the server's log; it changes only when the log's history is lost (a new
 *     database), and offsets of one epoch mean nothing in another
 * @param recovered false when the requested offset is no longer held (trimmed, or from another
 *     epoch): the events are empty and the reader should reload its state, e.g. with
 *     {@link TaskpulseClient#list(TaskQuery)}, then continue after its {@code offset}
 */
public record EventPage(List<Event> events, long next, String epoch, boolean recovered) {

  public EventPage {
    events = events == null ? List.of() : List.copyOf(events);
  }
}
