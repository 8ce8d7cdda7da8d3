package io.taskpulse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.taskpulse.server.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The upgrade to a WebSocket as the wire sees it: accepted upgrades skip the router, refused
 * ones still get the router's problem replies, and other paths are not taken for the socket.
 */
class WebSocketUpgradeTest {

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, Map.of("TASKPULSE_HEARTBEAT_SECONDS", "1"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void anUpgradeFromAnotherOriginIsRefusedWithA403Problem() throws Exception {
    try (Socket socket = upgrade("/api/v1/ws", "https://evil.example")) {
      Reply reply = Reply.read(socket.getInputStream());
      assertThat(reply.status()).isEqualTo(403);
      assertThat(reply.body()).contains("\"code\":\"forbidden\"")
          .contains("origin https://evil.example is not allowed");
    }
  }

  @Test
  void anUpgradeOnAnotherPathIsServedByItsRoute() throws Exception {
    try (Socket socket = upgrade("/api/v1/health/live", null)) {
      assertThat(Reply.read(socket.getInputStream()).status()).isEqualTo(200);
    }
    try (Socket socket = upgrade("/api/v1/me", null)) {
      Reply reply = Reply.read(socket.getInputStream());
      assertThat(reply.status()).isEqualTo(401);
      assertThat(reply.body()).contains("\"code\":\"unauthorized\"");
    }
  }

  @Test
  void anAcceptedUpgradeSaysHelloWithTheUrlsTokenAndIsPingedWhileIdle() throws Exception {
    try (Socket socket = upgrade("/api/v1/ws?token=" + server.token("pinged", List.of(), false),
        "http://127.0.0.1:" + server.port())) {
      InputStream in = socket.getInputStream();
      Reply reply = Reply.readHead(in);
      assertThat(reply.status()).isEqualTo(101);
      int[] frame = readFrame(in); // the hello, unmasked text
      assertThat(frame[0]).isEqualTo(0x81);
      int pings = 0;
      while (pings < 2) {
        frame = readFrame(in);
        if (frame[0] == 0x89) {
          pings++;
          // answer, so the server keeps the connection
          socket.getOutputStream().write(new byte[] {(byte) 0x8A, (byte) 0x80, 1, 2, 3, 4});
        }
      }
      assertThat(pings).isEqualTo(2);
    }
  }

  @Test
  void connectionsThatStayAreStillPingedAfterOthersOnTheirLoopClose() throws Exception {
    List<Socket> sockets = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 6; i++) {
        Socket s = upgrade("/api/v1/ws?token=" + server.token("stays" + i, List.of(), false),
            null);
        assertThat(Reply.readHead(s.getInputStream()).status()).isEqualTo(101);
        assertThat(readFrame(s.getInputStream())[0]).isEqualTo(0x81); // hello
        sockets.add(s);
      }
      // The first, a middle one and the last opened leave; the others must keep their beat.
      for (int i : new int[] {5, 2, 0}) {
        sockets.remove(i).close();
      }
      for (Socket s : sockets) {
        int[] frame;
        do {
          frame = readFrame(s.getInputStream());
        } while (frame[0] != 0x89);
        assertThat(frame[0]).isEqualTo(0x89);
      }
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  private static Socket upgrade(String target, String origin) throws IOException {
    Socket socket = new Socket("127.0.0.1", server.port());
    socket.setSoTimeout(10_000);
    OutputStream out = socket.getOutputStream();
    String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes());
    out.write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
        + "\r\nSec-WebSocket-Version: 13\r\n" + (origin == null ? "" : "Origin: " + origin
        + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  /** One server frame (unmasked, short): its first byte, then its payload length. */
  private static int[] readFrame(InputStream in) throws IOException {
    int first = in.read();
    if (first < 0) {
      throw new java.io.EOFException("the server closed the connection");
    }
    int len = in.read() & 0x7f;
    if (len == 126) {
      len = (in.read() << 8) | in.read();
    }
    in.readNBytes(len);
    return new int[] {first, len};
  }

  private record Reply(int status, Map<String, String> headers, String body) {

    static Reply readHead(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        head.write(b);
        if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
          break;
        }
      }
      String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
      Map<String, String> headers = new java.util.HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
              lines[i].substring(colon + 1).trim());
        }
      }
      return new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers, "");
    }

    static Reply read(InputStream in) throws IOException {
      Reply head = readHead(in);
      int length = Integer.parseInt(head.headers().getOrDefault("content-length", "0"));
      return new Reply(head.status(), head.headers(),
          new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }
  }
}
