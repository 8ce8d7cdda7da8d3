package io.taskpulse.client.internal;

import io.taskpulse.client.Task;
import io.taskpulse.client.TaskHandler;
import io.taskpulse.client.TaskpulseClient;
import io.taskpulse.client.TaskpulseException;
import io.taskpulse.client.WorkContext;
import io.taskpulse.client.Worker;
import io.taskpulse.client.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A worker: one claiming thread that asks for as many tasks as it has free slots, a pool of
 * {@code concurrency} handler threads, and one scheduler thread for heartbeats. All bounded.
 */
final class QueueWorker implements Worker {

  private static final Logger LOG = Logger.getLogger(QueueWorker.class.getName());

  private final TaskpulseClient client;
  private final String queue;
  private final WorkerOptions options;
  private final TaskHandler handler;
  private final Semaphore slots;
  private final ExecutorService handlers;
  private final ScheduledExecutorService beats;
  private final Thread claimer;
  private final Map<String, Job> running = new ConcurrentHashMap<>();
  private final AtomicLong finished = new AtomicLong();
  private volatile boolean stopping;

  private QueueWorker(TaskpulseClient client, String queue, WorkerOptions options,
      TaskHandler handler) {
    this.client = client;
    this.queue = queue;
    this.options = options;
    this.handler = handler;
    this.slots = new Semaphore(options.concurrency());
    this.handlers = Executors.newFixedThreadPool(options.concurrency(), r -> thread(r,
        "taskpulse-worker-" + options.workerId()));
    this.beats = Executors.newSingleThreadScheduledExecutor(r -> thread(r,
        "taskpulse-heartbeat-" + options.workerId()));
    this.claimer = thread(this::claimLoop, "taskpulse-claim-" + options.workerId());
  }

  static QueueWorker start(TaskpulseClient client, String queue, WorkerOptions options,
      TaskHandler handler) {
    QueueWorker w = new QueueWorker(client, queue, options, handler);
    w.claimer.start();
    return w;
  }

  private static Thread thread(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public String id() {
    return options.workerId();
  }

  @Override
  public long finished() {
    return finished.get();
  }

  private void claimLoop() {
    Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30),
        new Random());
    while (!stopping) {
      try {
        slots.acquire();
        int free = 1 + slots.drainPermits();
        if (stopping) {
          slots.release(free);
          return;
        }
        List<Task> claimed;
        try {
          claimed = client.claim(queue, options.workerId(), free, options.leaseSeconds(),
              options.claimWait());
          backoff.reset();
        } catch (TaskpulseException e) {
          slots.release(free);
          if (!stopping) {
            LOG.log(Level.WARNING, "claim on " + queue + " failed: " + e.getMessage());
            Thread.sleep(backoff.next().toMillis());
          }
          continue;
        }
        slots.release(free - claimed.size());
        for (Task task : claimed) {
          Job job = new Job(task);
          running.put(task.id(), job);
          job.heartbeat = beats.scheduleAtFixedRate(job::beat, options.heartbeat().toMillis(),
              options.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
          handlers.execute(job::run);
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** One claimed task and its handler's run. */
  private final class Job implements WorkContext {
    private final Task task;
    private volatile boolean cancelled;
    private Thread thread; // guarded by this: a late interrupt must not reach the next task
    private volatile ScheduledFuture<?> heartbeat;

    Job(Task task) {
      this.task = task;
    }

    void run() {
      synchronized (this) {
        thread = Thread.currentThread();
      }
      try {
        Object output;
        try {
          output = handler.handle(this);
        } catch (Exception e) {
          if (!cancelled && !(e instanceof InterruptedException && stopping)) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            record(() -> client.fail(task.id(), options.workerId(), message));
          }
          return;
        }
        if (!cancelled) {
          record(() -> client.complete(task.id(), options.workerId(), output));
        }
      } finally {
        synchronized (this) {
          thread = null;
        }
        Thread.interrupted(); // a cancel's interrupt must not leak into the next task
        heartbeat.cancel(false);
        running.remove(task.id());
        slots.release();
      }
    }

    /**
     * Records the handler's result. A task lost meanwhile (cancelled, expired, taken) keeps
     * what the server has; a transient failure is retried a few times, after which the lease
     * runs out and the task is handed to another worker.
     */
    private void record(Runnable call) {
      for (int attempt = 1; ; attempt++) {
        try {
          call.run();
          finished.incrementAndGet();
          return;
        } catch (TaskpulseException e) {
          if ("lease_lost".equals(e.code()) || "not_found".equals(e.code())) {
            cancelled = true;
            return;
          }
          boolean retryable = e.status() == 0 || e.status() == 429 || e.status() >= 500;
          if (!retryable || attempt == 3 || stopping) {
            LOG.log(Level.WARNING, "could not record the result of task " + task.id() + ": "
                + e.getMessage());
            return;
          }
          try {
            Thread.sleep(500L << attempt);
          } catch (InterruptedException interrupted) {
            return;
          }
        }
      }
    }

    void beat() {
      try {
        client.heartbeat(task.id(), options.workerId(), options.leaseSeconds());
      } catch (TaskpulseException e) {
        if ("lease_lost".equals(e.code()) || "not_found".equals(e.code())) {
          lost();
        }
      }
    }

    /** The task is no longer this worker's: tell the handler, and stop its heartbeats. */
    void lost() {
      cancelled = true;
      heartbeat.cancel(false);
      interrupt();
    }

    synchronized void interrupt() {
      if (thread != null) {
        thread.interrupt();
      }
    }

    @Override
    public Task task() {
      return task;
    }

    @Override
    public String workerId() {
      return options.workerId();
    }

    @Override
    public void progress(int progress, String message) {
      try {
        client.progress(task.id(), options.workerId(), progress, message);
      } catch (TaskpulseException e) {
        if ("lease_lost".equals(e.code())) {
          lost();
        }
        throw e;
      }
    }

    @Override
    public void entry(String kind, String text, Object data) {
      try {
        client.addEntry(task.id(), options.workerId(), kind, text, data);
      } catch (TaskpulseException e) {
        if ("lease_lost".equals(e.code())) {
          lost();
        }
        throw e;
      }
    }

    @Override
    public boolean cancelled() {
      return cancelled;
    }
  }

  @Override
  public void close() {
    close(options.grace());
  }

  /** Stops claiming; waits up to {@code grace}; interrupts and hands back what still runs. */
  @Override
  public void close(Duration grace) {
    stopping = true;
    claimer.interrupt();
    handlers.shutdown();
    try {
      if (!handlers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        for (Job job : running.values()) {
          job.cancelled = true;
          job.interrupt();
          try {
            client.patch(job.task.id(), Map.of("status", "pending"));
          } catch (TaskpulseException alreadyGone) {
            // cancelled, expired or taken meanwhile: nothing to hand back
          }
        }
        handlers.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    beats.shutdownNow();
  }
}
