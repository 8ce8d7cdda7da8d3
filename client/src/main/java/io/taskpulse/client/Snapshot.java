package io.taskpulse.client;

import java.util.List;

/**
 * The state a subscription starts from: the tasks of the stream the user may see, at log
 * offset {@code offset}. Every change after it arrives as an {@link Event}.
 *
 * @param stream the stream subscribed to, such as {@code tasks} or {@code task:184}
 * @param epoch the name of the server's log
 * @param tasks newest first
 * @param entries the timeline of the task, for a {@code task:<id>} stream; else empty
 * @param complete false when the stream held more tasks than a snapshot carries (a server
 *     setting); the rest are found with {@link TaskpulseClient#list(TaskQuery)}
 */
public record Snapshot(String stream, long offset, String epoch, List<Task> tasks,
    List<Entry> entries, boolean complete) {

  public Snapshot {
    tasks = tasks == null ? List.of() : List.copyOf(tasks);
    entries = entries == null ? List.of() : List.copyOf(entries);
  }
}
