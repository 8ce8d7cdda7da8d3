package io.taskpulse.server.hub;

import java.nio.charset.StandardCharsets;

/**
 * One event as written to every reader whose frames are alike (same stream name, same kind of
 * connection): its text is built once, and its UTF-8 bytes once, however many connections it
 * goes to. Lives on one shard's event loop; the bytes are never changed after they are made.
 */
public final class Frame {

  private final String text;
  private byte[] utf8;
  private byte[] webSocket;

  public Frame(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  /**
   * A complete WebSocket text frame of the UTF-8 text (RFC 6455: FIN, opcode 1, unmasked as a
   * server sends), made on first use; callers must not change the array.
   */
  public byte[] webSocket() {
    if (webSocket == null) {
      byte[] payload = utf8();
      int n = payload.length;
      int header = n < 126 ? 2 : n <= 0xffff ? 4 : 10;
      byte[] f = new byte[header + n];
      f[0] = (byte) 0x81;
      if (n < 126) {
        f[1] = (byte) n;
      } else if (n <= 0xffff) {
        f[1] = 126;
        f[2] = (byte) (n >>> 8);
        f[3] = (byte) n;
      } else {
        f[1] = 127;
        for (int i = 0; i < 8; i++) {
          f[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
        }
      }
      System.arraycopy(payload, 0, f, header, n);
      webSocket = f;
    }
    return webSocket;
  }

  /** The text as UTF-8, encoded on first use; callers must not change the array. */
  public byte[] utf8() {
    if (utf8 == null) {
      utf8 = text.getBytes(StandardCharsets.UTF_8);
    }
    return utf8;
  }
}
