package io.taskpulse.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.VertxInternal;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Sends task changes open loop: at the planned rate whatever the replies do, so a slow server
 * shows as latency and unacknowledged changes, not as a politely lower rate. Each change sets
 * {@code progressMessage} to {@code #<window>:<seq>:<System.nanoTime() at send>}. Runs on its
 * own event loop, apart from the subscribers'.
 */
final class Writers implements AutoCloseable {

  /** What one drive sent and what was acknowledged (2xx). */
  record Sent(int planned, int sent, BitSet acked, int failed, Histogram ackMicros,
      double seconds) {}

  private final Vertx vertx;
  private final Context context;
  private final HttpClientAgent http;
  private final Target target;
  private final List<String> taskIds;
  private final int users;

  Writers(Target target, int connections, List<String> taskIds, double maxRate) {
    this.target = target;
    this.taskIds = taskIds;
    // A node started here has no write rate limit; a given one may: 400/s per writer user.
    this.users = target.child != null ? 1 : Math.max(1, (int) Math.ceil(maxRate / 400));
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    this.context = ((VertxInternal) vertx).createEventLoopContext();
    this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(target.host())
        .setDefaultPort(target.port()).setKeepAlive(true).setTcpNoDelay(true)
        .setPipelining(false), new PoolOptions().setHttp1MaxSize(connections)
        .setMaxWaitQueueSize(-1));
  }

  static String user(int i) {
    return "bench-writer-" + i;
  }

  /** Sends {@code rate × seconds} changes tagged {@code tag}; returns once all are answered. */
  Sent drive(int tag, double rate, double seconds) throws Exception {
    int planned = (int) Math.round(rate * seconds);
    CompletableFuture<Sent> done = new CompletableFuture<>();
    context.runOnContext(v -> new Run(tag, rate, planned, done).start());
    return done.get((long) seconds + 120, TimeUnit.SECONDS);
  }

  /** One drive, all on the writers' event loop. */
  private final class Run {
    final int tag;
    final double rate;
    final int planned;
    final CompletableFuture<Sent> done;
    final BitSet acked = new BitSet();
    final Histogram ack = new Histogram(3_600_000_000L, 3);
    int sent;
    int answered;
    int failed;
    long started;
    long timer;

    Run(int tag, double rate, int planned, CompletableFuture<Sent> done) {
      this.tag = tag;
      this.rate = rate;
      this.planned = planned;
      this.done = done;
    }

    void start() {
      started = System.nanoTime();
      tick();
      timer = vertx.setPeriodic(1, id -> tick());
    }

    void tick() {
      long due = Math.min(planned, (long) ((System.nanoTime() - started) / 1e9 * rate) + 1);
      while (sent < due) {
        send(sent++);
      }
      if (sent >= planned) {
        vertx.cancelTimer(timer);
        finishIfDone();
      }
    }

    void send(int seq) {
      String id = taskIds.get(seq % taskIds.size());
      long at = System.nanoTime();
      String body = "{\"progressMessage\":\"#" + tag + ":" + seq + ":" + at + "\"}";
      http.request(new RequestOptions().setMethod(HttpMethod.PATCH)
              .setURI("/api/v1/tasks/" + id)
              .putHeader("Authorization", "Bearer " + target.token(user(seq % users)))
              .putHeader("Content-Type", "application/json"))
          .compose(req -> req.send(Buffer.buffer(body)))
          .compose(resp -> resp.body().map(b -> resp.statusCode()))
          .onComplete(r -> {
            answered++;
            if (r.succeeded() && r.result() / 100 == 2) {
              acked.set(seq);
              ack.recordValue((System.nanoTime() - at) / 1_000);
            } else {
              failed++;
              if (failed <= 3) {
                System.err.println("bench: change " + seq + " failed: "
                    + (r.succeeded() ? "HTTP " + r.result() : r.cause()));
              }
            }
            finishIfDone();
          });
    }

    void finishIfDone() {
      if (sent >= planned && answered >= sent && !done.isDone()) {
        done.complete(new Sent(planned, sent, acked, failed, ack,
            (System.nanoTime() - started) / 1e9));
      }
    }
  }

  @Override
  public void close() throws Exception {
    http.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
