package io.taskpulse.client;

import java.util.List;

/**
 * One page of a task's timeline, oldest first.
 *
 * @param next the entry id to pass as {@code after} for the following page, or null on the
 *     last page
 */
public record EntryPage(List<Entry> entries, String next) {

  public EntryPage {
    entries = entries == null ? List.of() : List.copyOf(entries);
  }
}
