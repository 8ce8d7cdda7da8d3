package io.taskpulse.server.tasks;

import java.util.List;

/**
 * The tasks a subscription may see at log offset {@code offset}: everything after it comes as
 * events. {@code complete} is false when the stream held more tasks than a snapshot carries.
 */
public record Snapshot(long offset, String epoch, List<Task> tasks, List<Entry> entries,
    boolean complete) {}
