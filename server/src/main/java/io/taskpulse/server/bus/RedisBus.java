package io.taskpulse.server.bus;

import com.fasterxml.jackson.core.type.TypeReference;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.log.LogEvent;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries events between nodes over Redis pub/sub. A node hands its own events to its tail
 * at once, then publishes them; other nodes' events arrive from Redis. Events are spread over
 * {@code channels} channels by task, so the layout can later be sharded across Redis servers;
 * order is restored by the tail from the offsets. Channel names carry the log's epoch: the
 * offsets of another database would otherwise be taken for this one's. Redis is an
 * accelerator: when it is away the tail reads what it missed from the log, and this bus
 * reconnects by itself. The same subscription carries {@link Notice}s, each on a channel of
 * its own.
 */
public final class RedisBus implements Bus {

  private static final Logger log = LoggerFactory.getLogger(RedisBus.class);
  private static final TypeReference<List<LogEvent>> EVENTS = new TypeReference<>() {};

  /** What goes over the wire: the sending node, so it can skip its own messages. */
  record Message(String node, List<LogEvent> events) {}

  private final Vertx vertx;
  private final Redis publisher;
  private final Redis subscriberClient;
  private final int channels;
  /** {@code taskpulse:<epoch>:events:}: deployments on other databases share Redis safely. */
  private final String prefix;
  /** {@code taskpulse:<epoch>:}, then the channel of each {@link Notice}. */
  private final String noticePrefix;
  private final Map<Notice, Consumer<String>> noticeHandlers = new ConcurrentHashMap<>();
  private final String nodeId = UUID.randomUUID().toString();
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong publishFailures = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private volatile Consumer<List<LogEvent>> receiver = events -> {};
  private volatile RedisConnection subscriber;
  private volatile boolean publishing = true;
  private volatile boolean closed;
  private volatile Runnable onReconnect = () -> {};
  private long backoffMillis = 100;

  /**
   * @param epoch the log's epoch: it names the channels, so only nodes of the same database
   *     (the same log) hear each other, even when several deployments share one Redis
   */
  public RedisBus(Vertx vertx, String url, int channels, String epoch) {
    this.vertx = vertx;
    this.channels = channels;
    this.prefix = "taskpulse:" + epoch + ":events:";
    this.noticePrefix = "taskpulse:" + epoch + ":";
    RedisOptions options = new RedisOptions().setConnectionString(url).setMaxPoolSize(8)
        .setMaxPoolWaiting(10_000).setMaxWaitingHandlers(10_000);
    this.publisher = Redis.createClient(vertx, options);
    this.subscriberClient = Redis.createClient(vertx, new RedisOptions(options).setMaxPoolSize(1));
    vertx.runOnContext(v -> subscribe());
  }

  /** Called after the subscription to Redis comes back: the tail should look at the log now. */
  public void onReconnect(Runnable action) {
    this.onReconnect = action;
  }

  @Override
  public void publish(List<LogEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    receiver.accept(events);
    String payload = Json.write(new Message(nodeId, events));
    String channel = prefix + Math.floorMod(events.get(0).taskId().hashCode(), channels);
    publisher.send(Request.cmd(Command.PUBLISH).arg(channel).arg(payload)).onComplete(r -> {
      if (r.succeeded()) {
        published.incrementAndGet();
        if (!publishing) {
          publishing = true;
          log.info("redis: publishing again");
        }
      } else {
        publishFailures.incrementAndGet();
        if (publishing) {
          publishing = false;
          log.warn("redis: cannot publish ({}); other nodes will read the log until it is back",
              r.cause().getMessage());
        }
      }
    });
  }

  @Override
  public void onEvents(Consumer<List<LogEvent>> receiver) {
    this.receiver = receiver;
  }

  /** Publishes {@code <node id>\n<body>} on the notice's channel. */
  @Override
  public void announce(Notice notice, String body) {
    publisher.send(Request.cmd(Command.PUBLISH).arg(noticePrefix + notice.channel)
            .arg(nodeId + "\n" + body))
        .onFailure(e -> log.debug("redis: {} notice not sent: {}", notice.channel, e.getMessage()));
  }

  @Override
  public void onNotice(Notice notice, Consumer<String> handler) {
    noticeHandlers.put(notice, handler);
  }

  @Override
  public boolean isHealthy() {
    return subscriber != null && publishing;
  }

  public long published() {
    return published.get();
  }

  public long publishFailures() {
    return publishFailures.get();
  }

  public long received() {
    return received.get();
  }

  private void subscribe() {
    if (closed) {
      return;
    }
    subscriberClient.connect().compose(conn -> {
      conn.handler(this::onMessage);
      conn.exceptionHandler(e -> lost(conn, e.getMessage()));
      conn.endHandler(v -> lost(conn, "connection closed"));
      Request req = Request.cmd(Command.SUBSCRIBE);
      for (int i = 0; i < channels; i++) {
        req.arg(prefix + i);
      }
      for (Notice n : Notice.values()) {
        req.arg(noticePrefix + n.channel);
      }
      return conn.send(req).map(r -> conn);
    }).onComplete(r -> {
      if (r.failed()) {
        if (backoffMillis == 100) {
          log.warn("redis: cannot subscribe ({}); retrying, nodes read the log meanwhile",
              r.cause().getMessage());
        }
        retry();
        return;
      }
      if (backoffMillis > 100 || subscriber == null) {
        log.info("redis: subscribed to {} event channel(s)", channels);
      }
      backoffMillis = 100;
      subscriber = r.result();
      onReconnect.run();
      // Accounts may have changed while the subscription was down: reload, as on a notice.
      Consumer<String> accounts = noticeHandlers.get(Notice.ACCOUNTS);
      if (accounts != null) {
        accounts.accept("");
      }
    });
  }

  private void lost(RedisConnection conn, String why) {
    if (subscriber == conn) {
      subscriber = null;
      log.warn("redis: subscription lost ({}); reconnecting", why);
      conn.close();
      retry();
    }
  }

  private void retry() {
    if (!closed) {
      long delay = backoffMillis;
      backoffMillis = Math.min(backoffMillis * 2, 500); // back within a second of Redis's return
      vertx.setTimer(delay, t -> subscribe());
    }
  }

  private void onMessage(Response msg) {
    if (msg.size() < 3 || !"message".equals(msg.get(0).toString())) {
      return;
    }
    String channel = msg.get(1).toString();
    if (!channel.startsWith(prefix)) {
      onNotice(channel, msg.get(2).toString());
      return;
    }
    try {
      Map<?, ?> raw = Json.MAPPER.readValue(msg.get(2).toBytes(), Map.class);
      if (nodeId.equals(raw.get("node"))) {
        return; // ours: already handed to the tail
      }
      List<LogEvent> events = Json.MAPPER.convertValue(raw.get("events"), EVENTS);
      received.addAndGet(events.size());
      receiver.accept(events);
    } catch (Exception e) {
      log.warn("redis: unreadable message on {}: {}", msg.get(1), e.getMessage());
    }
  }

  private void onNotice(String channel, String message) {
    int split = message.indexOf('\n');
    if (split < 0 || message.startsWith(nodeId + "\n")) {
      return; // malformed, or ours
    }
    for (Notice n : Notice.values()) {
      if (channel.equals(noticePrefix + n.channel)) {
        Consumer<String> handler = noticeHandlers.get(n);
        if (handler != null) {
          handler.accept(message.substring(split + 1));
        }
        return;
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    RedisConnection conn = subscriber;
    subscriber = null;
    if (conn != null) {
      conn.close();
    }
    publisher.close();
    subscriberClient.close();
  }
}
