package io.taskpulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.vertx.core.Promise;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One WebSocket subscriber on {@code tasks}, on a raw Netty channel: the handshake and the
 * frames (RFC 6455) are read in place from the socket's bytes, with no object per message.
 * Of an event only the offset near its start and the change's stamp in the task's
 * {@code progressMessage} ({@code #<window>:<seq>:<sent nanos>}) are read. Touched only on its
 * event loop.
 */
final class Subscriber {

  private static final byte[] EVENT = "{\"type\":\"event\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OFFSET = "\"offset\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MESSAGE = "\"progressMessage\":\"".getBytes(
      StandardCharsets.US_ASCII);
  private static final byte[] HEADERS_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  final int index;
  final Fleet.Loop loop;
  final String user;
  Channel channel;
  /** The last event offset received: where a reconnect resumes. */
  long lastOffset;
  boolean live;
  /** Closed on purpose (dropped or finished): its end is not a lost connection. */
  boolean closed;
  Promise<Void> ready;
  /** When this subscriber first received an offset at or past the fleet's catch-up target. */
  long caughtUpAt;
  private BitSet seen = new BitSet();
  private int seenTag;
  long outsideWindow;

  Subscriber(int index, Fleet.Loop loop, String user) {
    this.index = index;
    this.loop = loop;
    this.user = user;
  }

  /** A fresh handler for one connection of this subscriber. */
  Connection connection(String host, int port, String token) {
    return new Connection(host, port, token);
  }

  /** What this subscriber saw of window {@code w}; on its loop. */
  BitSet seen(Window w) {
    return seenTag == w.tag ? seen : new BitSet();
  }

  private void onEvent(ByteBuf b, int start, int end, long now) {
    int at = find(b, start + EVENT.length, Math.min(end, start + 160), OFFSET);
    if (at < 0) {
      return;
    }
    long offset = 0;
    for (int i = at + OFFSET.length; i < end; i++) {
      byte c = b.getByte(i);
      if (c < '0' || c > '9') {
        break;
      }
      offset = offset * 10 + (c - '0');
    }
    if (offset > lastOffset) {
      lastOffset = offset;
    }
    Fleet fleet = loop.fleet;
    if (caughtUpAt == 0 && offset >= fleet.catchUpTarget) {
      caughtUpAt = now;
      fleet.caughtUp.increment();
    }
    int hash = b.indexOf(at, end, (byte) '#');
    while (hash >= 0 && !startsWith(b, hash - MESSAGE.length, end, MESSAGE)) {
      hash = b.indexOf(hash + 1, end, (byte) '#'); // a '#' elsewhere: not our stamp
    }
    if (hash < 0) {
      return;
    }
    long tag = 0;
    long seq = 0;
    long sent = 0;
    int field = 0;
    for (int i = hash + 1; i < end; i++) {
      byte c = b.getByte(i);
      if (c == ':') {
        if (++field > 2) {
          break;
        }
      } else if (c >= '0' && c <= '9') {
        if (field == 0) {
          tag = tag * 10 + (c - '0');
        } else if (field == 1) {
          seq = seq * 10 + (c - '0');
        } else {
          sent = sent * 10 + (c - '0');
        }
      } else {
        break;
      }
    }
    Window w = fleet.window;
    if (w == null || tag != w.tag) {
      outsideWindow++;
      return;
    }
    if (seenTag != w.tag) {
      seen = new BitSet();
      seenTag = w.tag;
    }
    if (seen.get((int) seq)) {
      w.duplicates.increment();
      return;
    }
    seen.set((int) seq);
    w.received.increment();
    w.latencyMicros[loop.index].recordValue(Math.max(0, (now - sent) / 1_000));
  }

  private void onControl(byte[] text) {
    JsonNode msg;
    try {
      msg = Rest.JSON.readTree(text);
    } catch (Exception e) {
      loop.fleet.errors.increment();
      return;
    }
    switch (msg.path("type").asText()) {
      case "hello" -> {
        Long after = loop.fleet.after(this);
        send(1, ("{\"type\":\"subscribe\",\"id\":\"s\",\"stream\":\"tasks\""
            + (after == null ? "" : ",\"after\":" + after) + "}")
            .getBytes(StandardCharsets.UTF_8));
      }
      case "subscribed" -> {
        live = true;
        if (msg.has("offset") && lastOffset == 0) {
          lastOffset = msg.get("offset").asLong();
        }
        ready.tryComplete();
      }
      case "snapshot" -> lastOffset = Math.max(lastOffset, msg.path("offset").asLong());
      case "error" -> {
        loop.fleet.errors.increment();
        ready.tryFail(msg.path("code").asText() + ": " + msg.path("message").asText());
      }
      default -> { }
    }
  }

  /** Writes one masked frame (clients must mask, RFC 6455 section 5.3). */
  private void send(int opcode, byte[] payload) {
    Channel ch = channel;
    if (ch == null || !ch.isActive()) {
      return;
    }
    ByteBuf out = ch.alloc().buffer(payload.length + 14);
    out.writeByte(0x80 | opcode);
    if (payload.length < 126) {
      out.writeByte(0x80 | payload.length);
    } else {
      out.writeByte(0x80 | 126).writeShort(payload.length);
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    out.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      out.writeByte(payload[i] ^ mask[i & 3]);
    }
    ch.writeAndFlush(out, ch.voidPromise());
  }

  private static boolean startsWith(ByteBuf b, int at, int end, byte[] prefix) {
    if (at < 0 || end - at < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b.getByte(at + i) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static int find(ByteBuf b, int from, int to, byte[] needle) {
    for (int i = from; i + needle.length <= to; i++) {
      if (b.getByte(i) == needle[0] && startsWith(b, i, to, needle)) {
        return i;
      }
    }
    return -1;
  }

  /** The handshake, then frames, of one connection. */
  final class Connection extends ByteToMessageDecoder {
    private final String request;
    private boolean upgraded;
    private ByteArrayOutputStream fragments;

    Connection(String host, int port, String token) {
      byte[] key = new byte[16];
      ThreadLocalRandom.current().nextBytes(key);
      this.request = "GET /api/v1/ws?token=" + token + " HTTP/1.1\r\nHost: " + host + ":" + port
          + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
          + Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      channel = ctx.channel();
      ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(request.getBytes(
          StandardCharsets.US_ASCII)), ctx.voidPromise());
      super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (!closed && live) {
        loop.fleet.disconnects.increment();
      }
      live = false;
      ready.tryFail("closed before it subscribed");
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ready.tryFail(cause);
      ctx.close();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      if (!upgraded) {
        int end = find(in, in.readerIndex(), in.writerIndex(), HEADERS_END);
        if (end < 0) {
          return;
        }
        String status = in.toString(in.readerIndex(), Math.min(12, end - in.readerIndex()),
            StandardCharsets.US_ASCII);
        if (!status.startsWith("HTTP/1.1 101")) {
          ready.tryFail("upgrade refused: " + in.toString(in.readerIndex(),
              end - in.readerIndex(), StandardCharsets.US_ASCII));
          ctx.close();
          in.skipBytes(in.readableBytes());
          return;
        }
        in.readerIndex(end + HEADERS_END.length);
        upgraded = true;
      }
      long now = System.nanoTime();
      while (in.readableBytes() >= 2) {
        int r = in.readerIndex();
        int b0 = in.getUnsignedByte(r);
        int b1 = in.getUnsignedByte(r + 1);
        int header = 2;
        long length = b1 & 0x7f;
        if (length == 126) {
          if (in.readableBytes() < 4) {
            return;
          }
          length = in.getUnsignedShort(r + 2);
          header = 4;
        } else if (length == 127) {
          if (in.readableBytes() < 10) {
            return;
          }
          length = in.getLong(r + 2);
          header = 10;
        }
        if (in.readableBytes() < header + length) {
          return;
        }
        int start = r + header;
        int end = (int) (start + length);
        frame(ctx, b0 & 0x80, b0 & 0x0f, in, start, end, now);
        in.readerIndex(end);
      }
    }

    private void frame(ChannelHandlerContext ctx, int fin, int opcode, ByteBuf in, int start,
        int end, long now) {
      switch (opcode) {
        case 1, 2, 0 -> {
          if (fin != 0 && fragments == null) {
            if (startsWith(in, start, end, EVENT)) {
              onEvent(in, start, end, now);
            } else {
              byte[] text = new byte[end - start];
              in.getBytes(start, text);
              onControl(text);
            }
            return;
          }
          // A message in several frames (large snapshots, errors): gather, then read it whole.
          if (fragments == null) {
            fragments = new ByteArrayOutputStream();
          }
          byte[] part = new byte[end - start];
          in.getBytes(start, part);
          fragments.writeBytes(part);
          if (fin != 0) {
            byte[] whole = fragments.toByteArray();
            fragments = null;
            onControl(whole);
          }
        }
        case 8 -> ctx.close();
        case 9 -> {
          byte[] payload = new byte[end - start];
          in.getBytes(start, payload);
          send(10, payload); // pong: the server drops peers that stay silent
        }
        default -> { }
      }
    }
  }
}
