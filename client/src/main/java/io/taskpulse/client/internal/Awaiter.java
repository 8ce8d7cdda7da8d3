package io.taskpulse.client.internal;

import io.taskpulse.client.ConnectionState;
import io.taskpulse.client.Event;
import io.taskpulse.client.Filter;
import io.taskpulse.client.Snapshot;
import io.taskpulse.client.Subscription;
import io.taskpulse.client.SubscriptionListener;
import io.taskpulse.client.Task;
import io.taskpulse.client.TaskpulseClient;
import io.taskpulse.client.TaskpulseException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Waits for a task to satisfy a condition by following its {@code task:<id>} stream: the
 * snapshot gives its state at subscribe time and every event after it, so no change can slip
 * between a read and a watch.
 */
final class Awaiter implements SubscriptionListener {

  private final TaskpulseClient client;
  private final String taskId;
  private final Predicate<Task> condition;
  private final CompletableFuture<Task> result = new CompletableFuture<>();

  Awaiter(TaskpulseClient client, String taskId, Predicate<Task> condition) {
    this.client = client;
    this.taskId = taskId;
    this.condition = condition;
  }

  Task await(Duration timeout) throws TimeoutException, InterruptedException {
    Subscription sub = client.subscribe("task:" + taskId, Filter.none(), this);
    try {
      return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      TimeoutException t = new TimeoutException("task " + taskId + " did not reach the awaited"
          + " state within " + timeout);
      t.initCause(e);
      throw t;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new TaskpulseException(0, "failed", "awaiting task " + taskId + " failed", null,
          null, cause);
    } finally {
      sub.close();
    }
  }

  @Override
  public void onSnapshot(Snapshot snapshot) {
    for (Task t : snapshot.tasks()) {
      if (t.id().equals(taskId)) {
        check(t);
        return;
      }
    }
    // The snapshot of a task stream always holds it while it is visible.
    result.completeExceptionally(new TaskpulseException(404, "not_found",
        "task " + taskId + " not found"));
  }

  @Override
  public void onEvent(Event e) {
    if (!taskId.equals(e.taskId()) || e.task() == null) {
      return;
    }
    if (e.type().equals(Event.DELETED) || e.type().equals(Event.UNSHARED)) {
      result.completeExceptionally(new TaskpulseException(404, "not_found", "task " + taskId
          + (e.type().equals(Event.DELETED) ? " was deleted" : " is no longer visible")
          + " while waiting"));
      return;
    }
    check(e.task());
  }

  @Override
  public void onStateChange(ConnectionState state, Throwable cause) {
    if (state == ConnectionState.ERROR) {
      result.completeExceptionally(cause != null ? cause
          : new TaskpulseException(0, "failed", "the subscription stopped"));
    }
  }

  private void check(Task t) {
    try {
      if (condition.test(t)) {
        result.complete(t);
      }
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
  }
}
