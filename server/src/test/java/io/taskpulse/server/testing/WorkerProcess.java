package io.taskpulse.server.testing;

import io.taskpulse.client.TaskpulseClient;
import io.taskpulse.client.Worker;
import io.taskpulse.client.WorkerOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A Java worker ({@code client.worker(...)}) in a JVM of its own, so a test can SIGKILL it like
 * a crashed machine, or SIGSTOP it like a frozen one (alive, but silent: no heartbeats). Its
 * handler prints {@code started <task> attempt <n>}, then works until its task is cancelled or
 * lost ({@code cancelled <task>}) or a minute passes.
 */
public final class WorkerProcess implements AutoCloseable {

  private final ChildJvm jvm;

  private WorkerProcess(ChildJvm jvm) {
    this.jvm = jvm;
  }

  /** Starts a worker of {@code queue} as {@code workerId} with the given lease. */
  public static WorkerProcess start(String baseUrl, String token, String queue, String workerId,
      int leaseSeconds, Duration heartbeat) {
    // The token goes in the environment, not on the command line, where ps shows it.
    return new WorkerProcess(ChildJvm.start(WorkerProcess.class.getName(), List.of(baseUrl,
        queue, workerId, Integer.toString(leaseSeconds), Long.toString(heartbeat.toMillis())),
        Map.of("TASKPULSE_TOKEN", token), "worker"));
  }

  /** Waits until a line containing {@code text} was printed; false on timeout. */
  public boolean awaitOutput(String text, long timeoutMillis) {
    return jvm.awaitOutput(text, timeoutMillis);
  }

  public List<String> output() {
    return jvm.output();
  }

  /** SIGKILL: the worker vanishes mid-task without a word. */
  public void kill() throws InterruptedException {
    jvm.kill();
  }

  /** SIGSTOP: the worker stays alive but does nothing, heartbeats included. */
  public void pause() throws Exception {
    jvm.signal("STOP");
  }

  /** SIGCONT: the frozen worker carries on where it was. */
  public void resume() throws Exception {
    jvm.signal("CONT");
  }

  @Override
  public void close() throws Exception {
    if (jvm.isAlive()) {
      kill(); // SIGKILL ends a stopped process too
    }
  }

  /** The child: {@code <url> <queue> <workerId> <leaseSeconds> <heartbeatMillis>}. */
  public static void main(String[] args) throws Exception {
    TaskpulseClient client = TaskpulseClient.builder(URI.create(args[0]))
        .token(System.getenv("TASKPULSE_TOKEN")).build();
    WorkerOptions options = WorkerOptions.defaults().withWorkerId(args[2])
        .withLease(Integer.parseInt(args[3]), Duration.ofMillis(Long.parseLong(args[4])))
        .withClaimWait(Duration.ofSeconds(5));
    Worker worker = client.worker(args[1], options, ctx -> {
      say("started " + ctx.task().id() + " attempt " + ctx.task().attempt());
      long end = System.nanoTime() + 60_000_000_000L;
      try {
        while (!ctx.cancelled() && System.nanoTime() < end) {
          Thread.sleep(20);
        }
      } catch (InterruptedException interrupted) {
        // a cancel or a lost lease interrupts the handler
      }
      say((ctx.cancelled() ? "cancelled " : "finished ") + ctx.task().id());
      return "from " + ctx.workerId();
    });
    say("worker " + worker.id() + " ready");
    Thread.currentThread().join();
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
