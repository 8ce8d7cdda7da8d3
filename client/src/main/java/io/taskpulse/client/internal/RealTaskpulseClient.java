package io.taskpulse.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskpulse.client.Entry;
import io.taskpulse.client.EntryPage;
import io.taskpulse.client.EventPage;
import io.taskpulse.client.Filter;
import io.taskpulse.client.Subscription;
import io.taskpulse.client.SubscriptionListener;
import io.taskpulse.client.Task;
import io.taskpulse.client.TaskHandler;
import io.taskpulse.client.Worker;
import io.taskpulse.client.WorkerOptions;
import io.taskpulse.client.TaskPage;
import io.taskpulse.client.TaskQuery;
import io.taskpulse.client.TaskpulseClient;
import io.taskpulse.client.internal.HttpCalls.Call;
import io.taskpulse.client.internal.HttpCalls.Query;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** The client: HTTP calls on the caller's thread, one {@link LiveSubscription} per subscribe. */
public final class RealTaskpulseClient implements TaskpulseClient {

  private static final String TASKS = "/api/v1/tasks";

  private final ClientConfig config;
  private final HttpClient http;
  private final ExecutorService ownedExecutor;
  private final HttpCalls calls;
  private final Set<LiveSubscription> subscriptions = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public RealTaskpulseClient(ClientConfig config) {
    this.config = config;
    if (config.httpClient() != null) {
      this.http = config.httpClient();
      this.ownedExecutor = null;
    } else {
      this.ownedExecutor = Executors.newCachedThreadPool(daemonThreads("taskpulse-http-"));
      this.http = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(config.connectTimeout())
          .executor(ownedExecutor)
          .build();
    }
    this.calls = new HttpCalls(config, http);
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public URI baseUrl() {
    return config.baseUrl();
  }

  // ---- Tasks ----

  @Override
  public Task create(Map<String, ?> fields) {
    return create(fields, null);
  }

  @Override
  public Task create(Map<String, ?> fields, String idempotencyKey) {
    Objects.requireNonNull(fields, "fields");
    Call call = Call.of("POST", TASKS, fields);
    if (idempotencyKey != null) {
      call = call.header("Idempotency-Key", idempotencyKey);
    }
    return task(call);
  }

  @Override
  public Task get(String id) {
    return task(Call.get(TASKS + "/" + HttpCalls.seg(id)));
  }

  @Override
  public TaskPage list(TaskQuery query) {
    Query q = new Query()
        .add("projectId", query.projectId())
        .add("status", query.statuses().isEmpty() ? null : String.join(",", query.statuses()))
        .add("assignee", query.assignee())
        .add("q", query.q())
        .add("limit", query.limit())
        .add("cursor", query.cursor());
    return Wire.read(send(Call.get(TASKS + q)), TaskPage.class);
  }

  @Override
  public Task patch(String id, Map<String, ?> changes) {
    return task(Call.of("PATCH", TASKS + "/" + HttpCalls.seg(id), changes));
  }

  @Override
  public Task patch(String id, Map<String, ?> changes, long expectedVersion) {
    return task(Call.of("PATCH", TASKS + "/" + HttpCalls.seg(id), changes)
        .header("If-Match", "\"" + expectedVersion + "\""));
  }

  @Override
  public Task start(String id) {
    return move(id, "start", Map.of());
  }

  @Override
  public Task complete(String id, Object output) {
    return move(id, "complete", output == null ? Map.of() : Map.of("output", output));
  }

  @Override
  public Task fail(String id, Object error) {
    return move(id, "fail", error == null ? Map.of() : Map.of("error", error));
  }

  @Override
  public Task cancel(String id, String reason) {
    return move(id, "cancel", reason == null ? Map.of() : Map.of("reason", reason));
  }

  @Override
  public Task reopen(String id) {
    return move(id, "reopen", Map.of());
  }

  private Task move(String id, String action, Map<String, ?> body) {
    return task(Call.of("POST", TASKS + "/" + HttpCalls.seg(id) + "/" + action, body));
  }

  @Override
  public Task progress(String id, int progress, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("progress", progress);
    if (message != null) {
      body.put("message", message);
    }
    return task(Call.of("POST", TASKS + "/" + HttpCalls.seg(id) + "/progress", body));
  }

  @Override
  public List<Task> claim(String queue, String worker, int max, int leaseSeconds, Duration wait) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("worker", worker);
    body.put("max", max);
    body.put("leaseSeconds", leaseSeconds);
    body.put("wait", wait.toSeconds());
    JsonNode json = send(Call.of("POST", "/api/v1/queues/" + HttpCalls.seg(queue) + "/claim",
        body).longerBy(wait));
    List<Task> out = new ArrayList<>();
    json.path("tasks").forEach(t -> out.add(Wire.read(t, Task.class)));
    return out;
  }

  @Override
  public Task heartbeat(String id, String worker, int leaseSeconds) {
    JsonNode json = send(Call.of("POST", TASKS + "/" + HttpCalls.seg(id) + "/heartbeat",
        Map.of("worker", worker, "leaseSeconds", leaseSeconds)));
    return Wire.read(json.path("task"), Task.class);
  }

  @Override
  public Task progress(String id, String worker, int progress, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("progress", progress);
    if (message != null) {
      body.put("message", message);
    }
    body.put("worker", worker);
    return task(Call.of("POST", TASKS + "/" + HttpCalls.seg(id) + "/progress", body));
  }

  @Override
  public Task complete(String id, String worker, Object output) {
    return move(id, "complete", asWorker(worker, "output", output));
  }

  @Override
  public Task fail(String id, String worker, Object error) {
    return move(id, "fail", asWorker(worker, "error", error));
  }

  /** A move's body naming the worker, with its one optional field. */
  private static Map<String, Object> asWorker(String worker, String field, Object value) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("worker", worker);
    if (value != null) {
      body.put(field, value);
    }
    return body;
  }

  @Override
  public Worker worker(String queue, WorkerOptions options, TaskHandler handler) {
    checkOpen();
    return QueueWorker.start(this, queue, options, handler);
  }

  @Override
  public Entry addEntry(String id, String kind, String text, Object data) {
    return addEntry(id, null, kind, text, data);
  }

  @Override
  public Entry addEntry(String id, String worker, String kind, String text, Object data) {
    Map<String, Object> body = new LinkedHashMap<>();
    if (worker != null) {
      body.put("worker", worker);
    }
    if (kind != null) {
      body.put("kind", kind);
    }
    if (text != null) {
      body.put("text", text);
    }
    if (data != null) {
      body.put("data", data);
    }
    return Wire.read(send(Call.of("POST", TASKS + "/" + HttpCalls.seg(id) + "/entries", body)),
        Entry.class);
  }

  @Override
  public List<Entry> entries(String id) {
    List<Entry> all = new ArrayList<>();
    String after = null;
    do {
      EntryPage page = entries(id, after, 1000);
      all.addAll(page.entries());
      after = page.next();
    } while (after != null);
    return all;
  }

  @Override
  public EntryPage entries(String id, String after, int limit) {
    Query q = new Query().add("after", after).add("limit", limit);
    return Wire.read(send(Call.get(TASKS + "/" + HttpCalls.seg(id) + "/entries" + q)),
        EntryPage.class);
  }

  @Override
  public Task share(String id, String userId) {
    return task(Call.of("PUT", TASKS + "/" + HttpCalls.seg(id) + "/shares/"
        + HttpCalls.seg(userId), null));
  }

  @Override
  public Task unshare(String id, String userId) {
    return task(Call.of("DELETE", TASKS + "/" + HttpCalls.seg(id) + "/shares/"
        + HttpCalls.seg(userId), null));
  }

  @Override
  public void delete(String id) {
    send(Call.of("DELETE", TASKS + "/" + HttpCalls.seg(id), null));
  }

  @Override
  public void delete(String id, long expectedVersion) {
    send(Call.of("DELETE", TASKS + "/" + HttpCalls.seg(id), null)
        .header("If-Match", "\"" + expectedVersion + "\""));
  }

  // ---- Events ----

  @Override
  public EventPage events(Long after, String stream, int limit, Duration wait) {
    return events(after, null, stream, limit, wait);
  }

  @Override
  public EventPage events(Long after, String epoch, String stream, int limit, Duration wait) {
    long waitSeconds = wait == null ? 0 : Math.min(60, Math.max(0, (wait.toMillis() + 999) / 1000));
    Query q = new Query().add("after", after).add("epoch", epoch).add("stream", stream)
        .add("limit", limit).add("wait", waitSeconds == 0 ? null : waitSeconds);
    return Wire.read(send(Call.get("/api/v1/events" + q)
        .longerBy(Duration.ofSeconds(waitSeconds))), EventPage.class);
  }

  // ---- Live ----

  @Override
  public Subscription subscribe(String stream, Filter filter, SubscriptionListener listener) {
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(listener, "listener");
    checkOpen();
    LiveSubscription s = new LiveSubscription(config, http, stream,
        filter == null ? Filter.none() : filter, listener, subscriptions::remove);
    subscriptions.add(s);
    if (closed) { // raced with close(): do not leave it running
      subscriptions.remove(s);
      throw new IllegalStateException("the client is closed");
    }
    s.start();
    return s;
  }

  @Override
  public Task await(String taskId, Predicate<Task> condition, Duration timeout)
      throws TimeoutException, InterruptedException {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(condition, "condition");
    Objects.requireNonNull(timeout, "timeout");
    return new Awaiter(this, taskId, condition).await(timeout);
  }

  // ---- Lifecycle ----

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<LiveSubscription> open = new ArrayList<>(subscriptions);
    open.forEach(LiveSubscription::close);
    open.forEach(s -> s.awaitStopped(Duration.ofSeconds(2)));
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the client is closed");
    }
  }

  private JsonNode send(Call call) {
    checkOpen();
    return calls.send(call);
  }

  private Task task(Call call) {
    JsonNode json = send(call);
    if (json instanceof ObjectNode) {
      return Wire.read(json, Task.class);
    }
    throw new IllegalStateException(call.method() + " " + call.path()
        + " answered without a task");
  }
}
