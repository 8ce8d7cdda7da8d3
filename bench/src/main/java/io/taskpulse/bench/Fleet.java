package io.taskpulse.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The subscribers: raw WebSocket clients on a few Netty event loops (epoll when available),
 * spread over several local addresses when one would run out of source ports. A Vert.x
 * instance beside them serves the blocking setup calls ({@link Rest}).
 */
final class Fleet implements AutoCloseable {

  /** One generator event loop and the subscribers it owns. */
  static final class Loop {
    final Fleet fleet;
    final int index;
    final EventLoop eventLoop;
    final List<Subscriber> subscribers = new ArrayList<>();

    Loop(Fleet fleet, int index, EventLoop eventLoop) {
      this.fleet = fleet;
      this.index = index;
      this.eventLoop = eventLoop;
    }
  }

  /** What the subscribers got of one window. */
  record Collected(int subscribers, long received, long missing, long duplicates,
      long outsideWindow) {}

  final Vertx vertx;
  final Target target;
  final List<Loop> loops = new ArrayList<>();
  final List<Subscriber> all = new ArrayList<>();
  private final EventLoopGroup group;
  private final Class<? extends Channel> channelType;
  private final List<InetSocketAddress> sources = new ArrayList<>();
  private final int connectConcurrency;
  volatile Window window;
  /** A subscriber counts as caught up once it received an offset at or past this. */
  volatile long catchUpTarget = Long.MAX_VALUE;
  final LongAdder caughtUp = new LongAdder();
  final LongAdder errors = new LongAdder();
  final LongAdder disconnects = new LongAdder();
  private volatile long startAfter;

  Fleet(Target target, Bench o, int expected) {
    this.target = target;
    this.connectConcurrency = o.connectConcurrency;
    int n = o.loops();
    this.vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(1)
        .setWorkerPoolSize(1));
    IoHandlerFactory io = Epoll.isAvailable() ? EpollIoHandler.newFactory()
        : NioIoHandler.newFactory();
    this.channelType = Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
    this.group = new MultiThreadIoEventLoopGroup(n, io);
    for (EventExecutor e : group) {
      loops.add(new Loop(this, loops.size(), (EventLoop) e));
    }
    List<String> sources = o.sourceAddresses;
    if (sources == null || sources.isEmpty()) {
      // About 28,000 source ports per (source, destination) pair: spread beyond that.
      sources = new ArrayList<>();
      boolean loopback = target.host().startsWith("127.") || target.host().equals("localhost");
      int needed = loopback ? Math.max(1, (expected + 24_999) / 25_000) : 1;
      for (int i = 1; i <= needed; i++) {
        sources.add(loopback && needed > 1 ? "127.0.0." + i : null);
      }
    }
    for (String source : sources) {
      this.sources.add(source == null ? null : new InetSocketAddress(source, 0));
    }
  }

  /**
   * Opens {@code n} more subscribers (users of 50 connections each), resuming after
   * {@code after}, with at most {@code connectConcurrency} handshakes in flight. Returns how
   * many failed.
   */
  long open(int n, long after, long timeoutSeconds) throws InterruptedException {
    startAfter = after;
    int first = all.size();
    for (int i = first; i < first + n; i++) {
      Loop loop = loops.get(i % loops.size());
      Subscriber s = new Subscriber(i, loop, "bench-sub-" + (i / 50));
      loop.subscribers.add(s);
      all.add(s);
    }
    return connect(all.subList(first, first + n), timeoutSeconds);
  }

  /** Connects subscribers (again), each resuming after its last offset or the start point. */
  long connect(List<Subscriber> subs, long timeoutSeconds) throws InterruptedException {
    Semaphore permits = new Semaphore(connectConcurrency);
    AtomicLong failed = new AtomicLong();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    for (Subscriber s : subs) {
      if (!permits.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException("connecting took longer than " + timeoutSeconds + " s");
      }
      s.loop.eventLoop.execute(() -> connectOne(s).onComplete(r -> {
        if (r.failed()) {
          failed.incrementAndGet();
          if (failed.get() <= 3) {
            System.err.println("bench: subscriber " + s.index + " failed: " + r.cause());
          }
        }
        permits.release();
      }));
    }
    if (!permits.tryAcquire(connectConcurrency, Math.max(0, deadline - System.nanoTime()),
        TimeUnit.NANOSECONDS)) {
      throw new IllegalStateException("connecting took longer than " + timeoutSeconds + " s");
    }
    return failed.get();
  }

  private Future<Void> connectOne(Subscriber s) {
    Promise<Void> ready = Promise.promise();
    s.ready = ready;
    s.live = false;
    s.closed = false;
    s.caughtUpAt = 0;
    var timer = s.loop.eventLoop.schedule(() -> ready.tryFail("not subscribed within 30 s"),
        30, TimeUnit.SECONDS);
    ready.future().onComplete(r -> timer.cancel(false));
    InetSocketAddress source = sources.get(s.index % sources.size());
    InetSocketAddress remote = new InetSocketAddress(target.host(), target.port());
    Bootstrap b = new Bootstrap().group(s.loop.eventLoop).channel(channelType)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
        .handler(s.connection(target.host(), target.port(), target.token(s.user)));
    (source == null ? b.connect(remote) : b.connect(remote, source)).addListener(f -> {
      if (!f.isSuccess()) {
        ready.tryFail(f.cause());
      }
    });
    return ready.future();
  }

  /** Where a (re)connecting subscriber resumes. */
  Long after(Subscriber s) {
    return s.lastOffset > 0 ? s.lastOffset : startAfter;
  }

  int live() {
    int n = 0;
    for (Subscriber s : all) {
      n += s.live ? 1 : 0;
    }
    return n;
  }

  /** Drops every connection at once, as a lost network would: no close frame. */
  void dropAll() throws Exception {
    onLoops(loop -> {
      for (Subscriber s : loop.subscribers) {
        s.closed = true;
        s.live = false;
        if (s.channel != null) {
          s.channel.close(); // TCP close, no WebSocket close frame
        }
      }
    });
  }

  /** What each subscriber got of {@code w}, against the changes that were acknowledged. */
  Collected collect(Window w, BitSet acked) throws Exception {
    long[] sums = new long[3];
    int[] count = new int[1];
    onLoops(loop -> {
      long received = 0;
      long missing = 0;
      long outside = 0;
      for (Subscriber s : loop.subscribers) {
        BitSet seen = s.seen(w);
        BitSet lost = (BitSet) acked.clone();
        lost.andNot(seen);
        received += seen.cardinality();
        missing += lost.cardinality();
        outside += s.outsideWindow;
      }
      synchronized (sums) {
        sums[0] += received;
        sums[1] += missing;
        sums[2] += outside;
        count[0] += loop.subscribers.size();
      }
    });
    return new Collected(count[0], sums[0], sums[1], w.duplicates.sum(), sums[2]);
  }

  /** Runs {@code action} on every loop and waits for all of them. */
  void onLoops(java.util.function.Consumer<Loop> action) throws Exception {
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (Loop loop : loops) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      loop.eventLoop.execute(() -> {
        try {
          action.accept(loop);
          f.complete(null);
        } catch (RuntimeException e) {
          f.completeExceptionally(e);
        }
      });
      done.add(f);
    }
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    try {
      onLoops(loop -> loop.subscribers.forEach(s -> {
        s.closed = true;
        if (s.channel != null) {
          s.channel.close();
        }
      }));
    } finally {
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(30, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
