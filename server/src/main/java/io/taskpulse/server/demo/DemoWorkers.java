package io.taskpulse.server.demo;

import io.taskpulse.client.Task;
import io.taskpulse.client.TaskQuery;
import io.taskpulse.client.TaskpulseClient;
import io.taskpulse.client.TaskpulseException;
import io.taskpulse.client.WorkContext;
import io.taskpulse.client.Worker;
import io.taskpulse.client.WorkerOptions;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Simulated workers, written as anyone would write real ones: the Java worker API
 * ({@code client.worker(queue, options, handler)}) over the public HTTP API, with a token like
 * any program's. Each handler works in steps, reports progress with a message, adds a line to
 * the timeline, returns its output, fails now and then, and stops when the task is cancelled.
 * A trickle of new tasks (and now and then a cancel) keeps the board moving.
 */
public final class DemoWorkers implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DemoWorkers.class);

  /** What a worker of one queue does: its steps, its failure, its output. */
  private record Job(String queue, String step, int steps, String failure, String output) {}

  private static final List<Job> JOBS = List.of(
      new Job("exports", "page %d of %d written", 8, "the storage bucket refused the upload"
          + " (403 AccessDenied)", "rows"),
      new Job("emails", "batch %d of %d sent", 5, "the SMTP server refused the connection"
          + " (421 try again later)", "sent"),
      new Job("reports", "section %d of %d rendered", 6, "query timed out after 30 s"
          + " (warehouse under load)", "pages"),
      new Job("checks", "mirror %d of %d checked", 3, "mirror eu-2 is 14 minutes behind",
          "mirrors"));

  private static final List<String[]> NEW_WORK = List.of(
      new String[] {"exports", "billing", "Export invoices for customer #%d"},
      new String[] {"exports", "data", "Export event archive part %d"},
      new String[] {"emails", "website", "Send order confirmation batch %d"},
      new String[] {"emails", "billing", "Email overdue reminder run %d"},
      new String[] {"reports", "data", "Render dashboard snapshot %d"},
      new String[] {"reports", "billing", "Build revenue report v%d"});
  private static final List<String> PRIORITIES = List.of("low", "normal", "normal", "high",
      "urgent");

  private final Random random = new Random();
  private final List<TaskpulseClient> clients = new ArrayList<>();
  private final List<Worker> workers = new ArrayList<>();
  private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor(
      r -> {
        Thread t = new Thread(r, "demo-trickle");
        t.setDaemon(true);
        return t;
      });
  private final Map<String, TaskpulseClient> people = new LinkedHashMap<>();
  private int serial = 1000;

  /**
   * Starts the workers and the trickle against {@code base}.
   *
   * @param tokenFor a token for a user id (the workers act as {@code robot} of the demo team)
   */
  public DemoWorkers(String base, Function<String, String> tokenFor) {
    URI uri = URI.create(base);
    TaskpulseClient robot = client(uri, tokenFor.apply("robot"));
    WorkerOptions options = WorkerOptions.defaults().withLease(15, Duration.ofSeconds(2))
        .withGrace(Duration.ofSeconds(2));
    workers.add(robot.worker("exports", options.withWorkerId("export-worker-1"), this::work));
    workers.add(robot.worker("exports", options.withWorkerId("export-worker-2"), this::work));
    workers.add(robot.worker("emails", options.withWorkerId("mailer").withConcurrency(2),
        this::work));
    workers.add(robot.worker("reports", options.withWorkerId("reporter"), this::work));
    workers.add(robot.worker("checks", options.withWorkerId("checker"), this::work));
    for (DemoSeed.Account a : DemoSeed.USERS) {
      people.put(a.id(), client(uri, tokenFor.apply(a.id())));
    }
    trickle.scheduleWithFixedDelay(this::newWork, 2, 4, TimeUnit.SECONDS);
    trickle.scheduleWithFixedDelay(this::changeOfMind, 25, 30, TimeUnit.SECONDS);
  }

  private TaskpulseClient client(URI base, String token) {
    TaskpulseClient c = TaskpulseClient.builder(base).token(token).build();
    clients.add(c);
    return c;
  }

  /** The workers' ids and queues, for the demo's printout. */
  public List<String> describe() {
    return List.of("export-worker-1, export-worker-2 (exports)", "mailer (emails)",
        "reporter (reports)", "checker (checks)");
  }

  /** A handler: a few steps of simulated work, reported as it goes. */
  private Object work(WorkContext ctx) throws Exception {
    Task task = ctx.task();
    Job job = JOBS.stream().filter(j -> j.queue().equals(task.queue())).findFirst()
        .orElse(JOBS.get(0));
    int steps = job.steps();
    boolean fails = random.nextInt(100) < 15;
    int failAt = 1 + random.nextInt(steps);
    long done = 0;
    for (int step = 1; step <= steps; step++) {
      if (ctx.cancelled()) {
        return null; // cancelled: whatever we return is dropped; stop cleanly
      }
      Thread.sleep(400 + random.nextInt(900)); // interrupted at once by a cancel
      if (fails && step == failAt) {
        throw new IllegalStateException(job.failure());
      }
      done += 50 + random.nextInt(400);
      ctx.progress(step * 100 / steps, String.format(job.step(), step, steps));
      if (step == steps / 2) {
        ctx.entry("log", "halfway: " + done + " " + job.output() + " so far",
            Map.of(job.output(), done));
      }
    }
    Map<String, Object> output = new LinkedHashMap<>();
    output.put(job.output(), done); // who and when are the task's own assignee and finishedAt
    return output;
  }

  /** A new task in one of the queues, created by one of the people. */
  private void newWork() {
    try {
      String[] kind = NEW_WORK.get(random.nextInt(NEW_WORK.size()));
      List<String> names = new ArrayList<>(people.keySet());
      TaskpulseClient by = people.get(names.get(random.nextInt(names.size())));
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("title", String.format(kind[2], ++serial));
      fields.put("queue", kind[0]);
      fields.put("projectId", kind[1]);
      fields.put("teamId", DemoSeed.TEAM);
      fields.put("priority", PRIORITIES.get(random.nextInt(PRIORITIES.size())));
      fields.put("labels", List.of(kind[0].substring(0, kind[0].length() - 1)));
      fields.put("dueAt", Instant.now().plus(Duration.ofDays(1 + random.nextInt(10)))
          .toString());
      by.create(fields);
    } catch (RuntimeException e) {
      log.warn("demo: could not create a task: {}", e.getMessage());
    }
  }

  /** Now and then someone cancels an export that is running: its worker stops at once. */
  private void changeOfMind() {
    try {
      TaskpulseClient alice = people.get("alice");
      List<Task> running = alice.list(TaskQuery.all().withStatuses("running").withLimit(50))
          .tasks().stream().filter(t -> "exports".equals(t.queue())).toList();
      if (!running.isEmpty()) {
        Task t = running.get(random.nextInt(running.size()));
        alice.cancel(t.id(), "not needed any more");
      }
    } catch (TaskpulseException e) {
      // it finished meanwhile: nothing to cancel
    } catch (RuntimeException e) {
      log.warn("demo: could not cancel a task: {}", e.getMessage());
    }
  }

  /** Stops the trickle, then the workers (unfinished tasks go back to their queue). */
  @Override
  public void close() {
    trickle.shutdownNow();
    workers.parallelStream().forEach(Worker::close);
    clients.forEach(TaskpulseClient::close);
  }
}
