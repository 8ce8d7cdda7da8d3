package io.taskpulse.server.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * The head of one WebSocket connection's pipeline. Event frames, encoded once per event and
 * shared by every connection, are written here straight to the socket, past the per-message
 * encoders; and flushes, these and Vert.x's own, are coalesced to one per event-loop turn (or
 * per 64 frames), so a burst of events to one reader is one system call. It also tells the
 * connection when its socket drains. Used only on the connection's event loop.
 */
final class FrameWriter extends FlushConsolidationHandler {

  private ChannelHandlerContext ctx;
  private Runnable onDrain = () -> { };

  FrameWriter() {
    super(64, true);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    super.handlerAdded(ctx);
  }

  void onDrain(Runnable action) {
    this.onDrain = action;
  }

  /** Whether the socket's queue is under its high-water mark (setWriteQueueMaxSize). */
  boolean writable() {
    return ctx != null && ctx.channel().isWritable();
  }

  /** Writes a complete, encoded frame; the array is shared with other connections, unchanged. */
  void write(byte[] frame) throws Exception {
    ctx.write(Unpooled.wrappedBuffer(frame), ctx.voidPromise());
    flush(ctx); // this handler's own flush: scheduled once per turn
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    super.channelWritabilityChanged(ctx);
    if (ctx.channel().isWritable()) {
      onDrain.run();
    }
  }
}
