package io.taskpulse.client.internal;

import io.taskpulse.client.TaskpulseException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;

/**
 * One WebSocket attempt of a {@link LiveSubscription}: turns the JDK's callbacks into
 * {@link Signal}s for the subscription thread, and does the flow control.
 *
 * <p>Flow control: the callbacks only queue what arrives and ask for the next message at
 * once, while fewer than {@link #HIGH_WATER_MESSAGES} messages (and {@link #HIGH_WATER_BYTES})
 * wait; past that they stop asking until the thread has worked the queue down
 * ({@link #handled}), so a slow listener backs up into TCP (the server then serves this
 * reader from the log) instead of into memory.
 *
 * <p>Hazard, the JDK's: its WebSocket can lose the end of the stream. When the peer's FIN
 * arrives while no message is requested from the transport (during every listener call, and
 * always right after the last buffered frame is decoded), its EOF path acknowledges a
 * reception without demand, throws {@code InternalError} inside the HTTP client, and never
 * tells the listener: the connection is dead but looks open (seen on JDK 17 and 25, most
 * often when the peer closes while this side is behind). Keeping callbacks short and reading
 * continuous makes it rare; the subscription's heartbeat check catches the rest.
 *
 * <p>The JDK calls a listener's methods one at a time, so {@code partial} needs no lock; the
 * queue counts are shared with the subscription thread under this object's lock.
 */
final class Connection implements WebSocket.Listener {

  private static final System.Logger log = System.getLogger(Connection.class.getName());
  static final int HIGH_WATER_MESSAGES = 32;
  private static final int LOW_WATER_MESSAGES = 8;
  private static final long HIGH_WATER_BYTES = 4L << 20;
  private static final long LOW_WATER_BYTES = 1L << 20;
  /**
   * Room for a full queue of messages and the few control signals of the current connection,
   * plus what a just-dropped one had queued.
   */
  static final int INBOX_CAPACITY = 3 * HIGH_WATER_MESSAGES;

  private final BlockingQueue<Signal> inbox;
  private final int maxMessageBytes;
  private final String stream;

  volatile WebSocket ws;
  volatile boolean discarded;
  volatile long lastHeard = System.nanoTime();
  /** Set on the subscription thread once the server said hello on this connection. */
  boolean helloSeen;
  private StringBuilder partial = new StringBuilder();
  private int queued;
  private long queuedBytes;
  private boolean paused;

  /**
   * @param inbox where the subscription thread takes this connection's signals from
   * @param stream the subscription's stream, for log lines
   */
  Connection(BlockingQueue<Signal> inbox, int maxMessageBytes, String stream) {
    this.inbox = inbox;
    this.maxMessageBytes = maxMessageBytes;
    this.stream = stream;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    ws = webSocket;
    if (discarded) {
      webSocket.abort();
      return;
    }
    lastHeard = System.nanoTime();
    signal(new Signal.Opened(this));
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    lastHeard = System.nanoTime();
    if ((long) partial.length() + data.length() > maxMessageBytes) {
      partial = new StringBuilder();
      signal(new Signal.Failed(this, new TaskpulseException(0, "too_large", "a message from the"
          + " server is larger than maxMessageBytes (" + maxMessageBytes + ")"), true));
      webSocket.abort();
      return null;
    }
    partial.append(data);
    if (!last) {
      webSocket.request(1);
      return null;
    }
    String text = partial.toString();
    // Do not keep a snapshot-sized buffer around for small events.
    partial = partial.capacity() > 1 << 20 ? new StringBuilder()
        : partial.delete(0, partial.length());
    boolean more;
    synchronized (this) {
      queued++;
      queuedBytes += text.length();
      more = queued < HIGH_WATER_MESSAGES && queuedBytes < HIGH_WATER_BYTES;
      paused = !more;
    }
    signal(new Signal.Text(this, text));
    if (more) {
      webSocket.request(1);
    }
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    lastHeard = System.nanoTime();
    webSocket.request(1); // not part of the protocol: ignored
    return null;
  }

  @Override
  public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
    lastHeard = System.nanoTime(); // the JDK answers with a pong
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
    lastHeard = System.nanoTime();
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    signal(new Signal.Closed(this, statusCode, reason));
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    signal(new Signal.Failed(this, error, false));
  }

  /** The thread handled a message: read on if the queue had filled up. */
  void handled(String text) {
    boolean resume;
    synchronized (this) {
      queued--;
      queuedBytes -= text.length();
      resume = paused && queued <= LOW_WATER_MESSAGES && queuedBytes <= LOW_WATER_BYTES;
      if (resume) {
        paused = false;
      }
    }
    lastHeard = System.nanoTime(); // silence only counts while the socket is being read
    WebSocket w = ws;
    if (resume && w != null && !discarded) {
      w.request(1); // runs the delivery on the HTTP client's executor, not here
    }
  }

  void discard() {
    discarded = true;
    WebSocket w = ws;
    if (w != null) {
      w.abort();
    }
  }

  void signal(Signal s) {
    if (discarded) {
      return;
    }
    if (!inbox.offer(s)) {
      // Cannot happen: flow control keeps at most HIGH_WATER_MESSAGES of one connection
      // queued. If it does, give this connection up; the heartbeat check reconnects.
      log.log(System.Logger.Level.WARNING, "inbox of " + stream + " is full; dropping the"
          + " connection");
      discard();
    }
  }
}
