package io.taskpulse.client;

/**
 * The work a {@link Worker} does for each task it claims. The returned value becomes the
 * task's {@code output}; a thrown exception fails the task with its message. When the task is
 * cancelled (or its lease is lost) while the handler runs, {@link WorkContext#cancelled()}
 * turns true and the handler's thread is interrupted; whatever it returns then is dropped.
 */
@FunctionalInterface
public interface TaskHandler {
  Object handle(WorkContext ctx) throws Exception;
}
