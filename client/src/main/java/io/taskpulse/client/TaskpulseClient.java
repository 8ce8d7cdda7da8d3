package io.taskpulse.client;

import io.taskpulse.client.internal.ClientConfig;
import io.taskpulse.client.internal.RealTaskpulseClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A client of one Taskpulse server: the HTTP API (PROTOCOL section 3) as blocking calls, and
 * live subscriptions over WebSocket (section 5) that resume by themselves.
 *
 * <pre>{@code
 * try (TaskpulseClient client = TaskpulseClient.builder(URI.create("http://localhost:8080"))
 *     .tokenSupplier(myTokens::fresh).build()) {
 *   Task task = client.create(NewTask.titled("Export contracts"));
 *   Task done = client.awaitFinished(task.id(), Duration.ofMinutes(5));
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> A client is thread-safe; share one per server and token source. HTTP
 * calls block the calling thread until the answer (or the request timeout). Each
 * subscription runs on a thread of its own (see {@link SubscriptionListener}).
 *
 * <p><b>Errors.</b> Every call throws {@link TaskpulseException} on a refusal (with the
 * contract's code and the HTTP status) or when the server cannot be reached (status 0, code
 * {@code unreachable}). An interrupted call re-sets the thread's interrupt flag and throws
 * with code {@code interrupted}.
 *
 * <p><b>Ownership.</b> {@link #close()} closes every subscription this client opened. An
 * {@link HttpClient} passed to the builder stays the caller's; one the client built itself
 * is released with it.
 */
public interface TaskpulseClient extends AutoCloseable {

  /** Starts building a client of the server at {@code baseUrl}, such as http://localhost:8080. */
  static Builder builder(URI baseUrl) {
    return new Builder(baseUrl);
  }

  /** The server's base URL, as given to the builder. */
  URI baseUrl();

  // ---- Tasks ----

  /**
   * Creates a task from its fields ({@code title} is required; see PROTOCOL section 2 for the
   * rest). Values are sent as JSON: strings, numbers, lists, maps, {@link java.time.Instant},
   * Jackson nodes.
   */
  Task create(Map<String, ?> fields);

  /**
   * Creates a task; a retry with the same {@code idempotencyKey} (1 to 200 characters, per
   * user, kept 24 h) returns the first result instead of creating another task. The same key
   * with a different body is refused with {@code conflict}.
   */
  Task create(Map<String, ?> fields, String idempotencyKey);

  /** Creates a task from a {@link NewTask}. */
  default Task create(NewTask task) {
    return create(task.toMap());
  }

  /** Creates a task from a {@link NewTask}, idempotently; see {@link #create(Map, String)}. */
  default Task create(NewTask task, String idempotencyKey) {
    return create(task.toMap(), idempotencyKey);
  }

  /** One task; {@code not_found} also when it exists but the user may not see it. */
  Task get(String id);

  /** One page of the tasks the user may see, newest first. */
  TaskPage list(TaskQuery query);

  /**
   * Changes fields (and the status, when {@code status} is among them: the move must be
   * allowed, else {@code invalid_transition}). A null value clears a field.
   */
  Task patch(String id, Map<String, ?> changes);

  /**
   * Changes fields only if the task is still at {@code expectedVersion}; otherwise
   * {@code version_mismatch} (412) with {@code details.version} the current one.
   */
  Task patch(String id, Map<String, ?> changes, long expectedVersion);

  /** pending → running. */
  Task start(String id);

  /** running → completed, with an optional {@code output} (any JSON value, or null). */
  Task complete(String id, Object output);

  /** running → failed, with an optional {@code error} (any JSON value, or null). */
  Task fail(String id, Object error);

  /** pending or running → cancelled, with an optional reason (null for none). */
  Task cancel(String id, String reason);

  /** completed, failed, cancelled or disabled → pending. */
  Task reopen(String id);

  /** Reports progress (0 to 100) with an optional message (null for none). */
  Task progress(String id, int progress, String message);

  /**
   * Adds a line to the task's timeline.
   *
   * @param kind {@code log}, {@code comment}, {@code link}, …; null means {@code log}
   * @param text the line; may be null when {@code data} is given
   * @param data any JSON value, or null
   */
  Entry addEntry(String id, String kind, String text, Object data);

  /** The task's whole timeline, oldest first (read page by page). */
  List<Entry> entries(String id);

  /** One page of the task's timeline: up to {@code limit} (1–1000) entries after {@code after}. */
  EntryPage entries(String id, String after, int limit);

  /** Lets {@code userId} see the task. */
  Task share(String id, String userId);

  /** Takes the share back; that user receives {@code task.unshared} and nothing after. */
  Task unshare(String id, String userId);

  /** Deletes the task; subscribers receive {@code task.deleted}. */
  void delete(String id);

  /** Deletes the task only if it is still at {@code expectedVersion}. */
  void delete(String id, long expectedVersion);

  // ---- Workers ----

  /**
   * Claims up to {@code max} due pending tasks of {@code queue} for {@code worker} under a
   * lease of {@code leaseSeconds}; with a positive {@code wait} the call holds until work
   * arrives or the wait ends. Blocks the calling thread.
   */
  List<Task> claim(String queue, String worker, int max, int leaseSeconds, Duration wait);

  /**
   * Keeps {@code worker}'s lease on a running task. Throws {@link TaskpulseException} with code
   * {@code lease_lost} once the task was cancelled, reassigned, deleted or its lease expired.
   */
  Task heartbeat(String id, String worker, int leaseSeconds);

  /** Reports progress as {@code worker}; refused with {@code lease_lost} like a heartbeat. */
  Task progress(String id, String worker, int progress, String message);

  /**
   * Adds a timeline entry as {@code worker} (the event's actor); refused with
   * {@code lease_lost} like a heartbeat.
   */
  Entry addEntry(String id, String worker, String kind, String text, Object data);

  /** Completes a task as {@code worker}; refused with {@code lease_lost} if it lost it. */
  Task complete(String id, String worker, Object output);

  /** Fails a task as {@code worker}; refused with {@code lease_lost} if it lost it. */
  Task fail(String id, String worker, Object error);

  /**
   * Starts a worker that claims tasks of {@code queue} and runs {@code handler} on each (see
   * {@link Worker}). The worker runs on threads of its own until closed.
   */
  default Worker worker(String queue, TaskHandler handler) {
    return worker(queue, WorkerOptions.defaults(), handler);
  }

  /** Starts a worker with the given options. */
  Worker worker(String queue, WorkerOptions options, TaskHandler handler);

  // ---- Events ----

  /**
   * Reads the event feed: up to {@code limit} (1–1000) events after {@code after} on
   * {@code stream}. With a positive {@code wait} (at most 60 s) the call is a long poll: when
   * there is nothing yet, it returns as soon as something happens or when {@code wait} ends.
   *
   * @param after the offset to read after (the previous page's {@code next}); null means
   *     "from now on"
   * @param stream {@code tasks}, {@code project:<id>} or {@code task:<id>}; null means tasks
   * @param wait null or zero for no waiting
   */
  EventPage events(Long after, String stream, int limit, Duration wait);

  /**
   * As {@link #events(Long, String, int, Duration)}, resuming in the log named {@code epoch}:
   * when the server's log is another one (a new database), the page is not
   * {@link EventPage#recovered() recovered}.
   */
  EventPage events(Long after, String epoch, String stream, int limit, Duration wait);

  // ---- Live ----

  /**
   * Follows {@code stream} live over a WebSocket of its own. Returns at once; the listener
   * hears {@code CONNECTING}, {@code CONNECTED}, a snapshot, then every event.
   *
   * <p>Guarantees: the listener never receives an event twice or out of order (offsets only
   * grow). After a dropped connection, a server restart or a server going away (close 1001),
   * the subscription reconnects with exponential backoff and full jitter (1 s doubling to 30 s,
   * reset after a successful subscribe) and resumes after the last offset it delivered, so
   * no event the user may see is lost; when the server cannot replay the gap it sends a new
   * snapshot instead, delivered through {@code onSnapshot}. A peer that sends nothing, not
   * even a ping, for two heartbeats is considered dead and dropped. The token comes from the
   * token supplier on every (re)connect and is refreshed on the open connection before it
   * expires; an expired token reconnects at once with a fresh one. A refusal (such as
   * {@code not_found} for a task the user may not see, or refused credentials) stops the
   * subscription with {@code ERROR}.
   *
   * @param stream {@code tasks}, {@code project:<id>} or {@code task:<id>}
   * @param filter narrows the stream; null or {@link Filter#none()} for everything
   * @param listener called on the subscription's own thread
   * @return the handle; close it (or the client) to stop
   */
  Subscription subscribe(String stream, Filter filter, SubscriptionListener listener);

  /**
   * Waits until the task satisfies {@code condition}, checked on its current state and then
   * on every change, and returns it. The condition runs on a subscription thread.
   *
   * @throws TimeoutException if it does not within {@code timeout}
   * @throws TaskpulseException {@code not_found} if the task does not exist, is not visible, is
   *     deleted or unshared while waiting; or another refusal
   * @throws InterruptedException if the calling thread is interrupted
   */
  Task await(String taskId, Predicate<Task> condition, Duration timeout)
      throws TimeoutException, InterruptedException;

  /** Waits until the task is completed, failed or cancelled; see {@link #await}. */
  default Task awaitFinished(String taskId, Duration timeout)
      throws TimeoutException, InterruptedException {
    return await(taskId, Task::isFinished, timeout);
  }

  /**
   * Closes every subscription of this client (waiting briefly for each to stop) and releases
   * what the client created. Calls after close fail with {@link IllegalStateException}.
   */
  @Override
  void close();

  /**
   * Configuration of a {@link TaskpulseClient}, checked by {@link #build()}. Not thread-safe.
   */
  final class Builder {

    private final URI baseUrl;
    private Supplier<String> tokens;
    private HttpClient httpClient;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration backoffInitial = Duration.ofSeconds(1);
    private Duration backoffMax = Duration.ofSeconds(30);
    private int maxMessageBytes = 64 * 1024 * 1024;

    Builder(URI baseUrl) {
      this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
    }

    /** A fixed bearer token: fine for scripts; a subscription stops when it expires. */
    public Builder token(String token) {
      Objects.requireNonNull(token, "token");
      this.tokens = () -> token;
      return this;
    }

    /**
     * Where tokens come from: asked before every HTTP call, on every (re)connect, and when the
     * current token nears its {@code exp}. It should return a token valid for a while; it may
     * be called from any thread and should not block for long.
     */
    public Builder tokenSupplier(Supplier<String> tokens) {
      this.tokens = Objects.requireNonNull(tokens, "tokens");
      return this;
    }

    /**
     * The JDK client to use for HTTP and WebSocket; it stays the caller's (not closed). Its
     * own timeouts and version apply. Default: one built and owned by this client.
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /** How long opening a connection may take (default 10 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connectTimeout", timeout);
      return this;
    }

    /**
     * How long a call, or a subscription's handshake, may wait for its answer (default 30 s);
     * a long poll adds its {@code wait}.
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive("requestTimeout", timeout);
      return this;
    }

    /** The reconnect backoff: first ceiling and cap (default 1 s and 30 s). */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      positive("initial backoff", initial);
      positive("max backoff", max);
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("the max backoff " + max
            + " is below the initial backoff " + initial);
      }
      this.backoffInitial = initial;
      this.backoffMax = max;
      return this;
    }

    /** The largest server message a subscription accepts, e.g. a snapshot (default 64 MiB). */
    public Builder maxMessageBytes(int bytes) {
      if (bytes < 64 * 1024) {
        throw new IllegalArgumentException("maxMessageBytes must be at least 65536, got " + bytes);
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    /** Checks the configuration and builds the client. */
    public TaskpulseClient build() {
      String scheme = baseUrl.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || baseUrl.getHost() == null) {
        throw new IllegalArgumentException("baseUrl must be an http or https URL with a host,"
            + " such as http://localhost:8080; got " + baseUrl);
      }
      if (tokens == null) {
        throw new IllegalStateException("a token or tokenSupplier is required: every call of"
            + " the API is authenticated");
      }
      return new RealTaskpulseClient(new ClientConfig(baseUrl, tokens, httpClient,
          connectTimeout, requestTimeout, backoffInitial, backoffMax, maxMessageBytes));
    }

    private static Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
      return d;
    }
  }
}
