package io.taskpulse.server.hub;

import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.log.LogEvent;
import io.taskpulse.server.log.Stream;
import java.util.List;

/**
 * A cursor on the log for one reader: what it follows, and the offset up to which it has been
 * served ({@code cursor}). Live events go out only while it is LIVE; in every other state it
 * is fed from the log at its cursor, so a slow, paused or just-started reader never loses or
 * repeats an event. Touched only on its shard's event loop.
 */
public final class Subscription {

  enum State { STARTING, CATCHING_UP, LIVE, PAUSED, CLOSED }

  private final String id;
  private final List<Stream> streams;
  private final Filter filter;
  private final Sink sink;
  final Shard shard;
  private State state = State.STARTING;
  long cursor;
  String epoch;
  /** The last event the shard offered, so one found under several index keys goes once. */
  long lastOffered = -1;
  /** The index keys it is filed under, kept for removal. */
  List<String> keys = List.of();
  /** Its frame keys, plain and retyped, made once: they are looked up per delivery. */
  private String frameKey;
  private String retypedFrameKey;

  Subscription(String id, List<Stream> streams, Filter filter, Sink sink, Shard shard) {
    this.id = id;
    this.streams = List.copyOf(streams);
    this.filter = filter;
    this.sink = sink;
    this.shard = shard;
  }

  public String id() {
    return id;
  }

  public List<Stream> streams() {
    return streams;
  }

  /** The stream's name as the client gave it (the first, for multi-stream SSE). */
  public String streamName() {
    return streams.get(0).toString();
  }

  public long cursor() {
    return cursor;
  }

  /** The epoch of the log this subscription reads. */
  public String epoch() {
    return epoch;
  }

  public boolean isLive() {
    return state == State.LIVE;
  }

  State state() {
    return state;
  }

  /** Moves to {@code next}, keeping the hub's count of paused (slow) readers true. */
  void state(State next) {
    if (state == State.PAUSED && next != State.PAUSED) {
      shard.hub.paused(-1);
    } else if (state != State.PAUSED && next == State.PAUSED) {
      shard.hub.paused(1);
    }
    state = next;
  }

  Sink sink() {
    return sink;
  }

  Principal principal() {
    return sink.principal();
  }

  /** Whether this reader gets {@code e}: it may see it, follows its stream, and its filter. */
  boolean wants(LogEvent e, Principal p) {
    if (!e.visibleTo(p) || !filter.matches(e, p)) {
      return false;
    }
    for (Stream s : streams) {
      if (s.matches(e)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A live event from the shard; frames are shared through the shard for this event.
   * Returns whether it was written.
   */
  boolean offer(LogEvent e) {
    if (state != State.LIVE || e.offset() <= cursor) {
      return false;
    }
    if (!sink.writable()) {
      state(State.PAUSED); // the connection's queue is full: resume from the log on drain
      return false;
    }
    cursor = e.offset();
    Principal p = sink.principal();
    if (!wants(e, p)) {
      return false;
    }
    boolean retyped = e.retypedFor(p);
    if (frameKey == null) {
      // Interned: subscriptions with equal keys share one instance, so the shard's
      // last-frame check is a comparison of references.
      frameKey = sink.frameKey(this).intern();
      retypedFrameKey = (frameKey + "|retyped").intern();
    }
    String key = retyped ? retypedFrameKey : frameKey;
    Frame frame = shard.frame(key);
    if (frame == null) {
      frame = shard.keep(key, new Frame(sink.eventFrame(this, e, retyped)));
    }
    if (!sink.write(frame)) {
      state(State.PAUSED);
    }
    return true;
  }

  /** Called by the sink when its queue drained: catch up from the log where this reader is. */
  public void resume() {
    if (state == State.PAUSED) {
      shard.hub.catchUp(this);
    }
  }

  /** Stops delivery and leaves the index. Idempotent. */
  public void close() {
    if (state != State.CLOSED) {
      state(State.CLOSED);
      shard.remove(this);
    }
  }

  public boolean isClosed() {
    return state == State.CLOSED;
  }
}
