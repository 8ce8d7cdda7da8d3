package io.taskpulse.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real SSE reader for tests: reads {@code /api/v1/events/stream} on a thread of its own into
 * a queue of frames and one of comments (heartbeats), and tells when the server ended the
 * stream.
 */
public final class SseClient implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One frame: its {@code id:} (or null), {@code event:} name and {@code data:}. */
  public record Frame(Long id, String event, String data) {
    public JsonNode json() {
      try {
        return JSON.readTree(data);
      } catch (IOException e) {
        throw new AssertionError(data, e);
      }
    }
  }

  private final Socket socket;
  private final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<String> comments = new LinkedBlockingQueue<>();
  private final CountDownLatch ended = new CountDownLatch(1);

  private SseClient(Socket socket) {
    this.socket = socket;
  }

  /**
   * Opens the stream ({@code query} such as {@code ?streams=tasks}); fails unless 200. A plain
   * socket, so {@link #close} ends it at once (an {@code HttpURLConnection} would wait for the
   * server's next write).
   */
  public static SseClient open(String baseUrl, String query, String token) {
    return open(baseUrl, query, token, null);
  }

  /**
   * Opens the stream with a bearer {@code token} (null: none, e.g. when the query carries it)
   * and a {@code Last-Event-ID} (null: none); fails unless 200 with {@code text/event-stream}.
   */
  public static SseClient open(String baseUrl, String query, String token, String lastEventId) {
    URI uri = URI.create(baseUrl);
    try {
      Socket socket = new Socket(uri.getHost(), uri.getPort());
      OutputStream out = socket.getOutputStream();
      out.write(("GET /api/v1/events/stream" + query + " HTTP/1.1\r\nHost: " + uri.getHost()
          + "\r\nAccept: text/event-stream\r\n"
          + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
          + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n")
          + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String status = line(in);
      boolean chunked = false;
      String type = null;
      for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
        String h = header.toLowerCase(Locale.ROOT);
        chunked |= h.startsWith("transfer-encoding:") && h.contains("chunked");
        if (h.startsWith("content-type:")) {
          type = h.substring("content-type:".length()).trim();
        }
      }
      if (status == null || !status.startsWith("HTTP/1.1 200")) {
        socket.close();
        throw new AssertionError("SSE refused: " + status);
      }
      if (type == null || !type.startsWith("text/event-stream")) {
        socket.close();
        throw new AssertionError("SSE answered with content type " + type);
      }
      SseClient client = new SseClient(socket);
      InputStream body = chunked ? new Dechunked(in) : in;
      Thread reader = new Thread(() -> client.read(body), "sse-client");
      reader.setDaemon(true);
      reader.start();
      return client;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One CRLF-ended line of ASCII, without the line end; null at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return c == -1 && b.length() == 0 ? null : b.toString();
  }

  /** The body of a chunked reply, as one stream. */
  private static final class Dechunked extends InputStream {
    private final InputStream in;
    private int left;
    private boolean done;

    Dechunked(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    /** What the current chunk holds, up to {@code len}: blocks only while nothing is there. */
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (left == 0) {
        String size = line(in);
        if (size != null && size.isEmpty()) {
          size = line(in); // the CRLF after the previous chunk
        }
        left = size == null ? 0 : Integer.parseInt(size.split(";")[0].trim(), 16);
        if (left == 0) {
          done = true;
          return -1;
        }
      }
      int n = in.read(b, off, Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }

  private void read(InputStream body) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body,
        StandardCharsets.UTF_8))) {
      Long id = null;
      String event = "message";
      StringBuilder data = new StringBuilder();
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (data.length() > 0) {
            frames.add(new Frame(id, event, data.toString()));
          }
          id = null;
          event = "message";
          data.setLength(0);
        } else if (line.startsWith(":")) {
          comments.add(line);
        } else if (line.startsWith("id: ")) {
          id = Long.parseLong(line.substring(4));
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
        }
      }
    } catch (IOException closed) {
      // the stream ended
    } finally {
      ended.countDown();
    }
  }

  /** The next frame within 10 s. */
  public Frame next() {
    Frame f = poll(10_000);
    if (f == null) {
      throw new AssertionError("no SSE frame within 10 s");
    }
    return f;
  }

  /** The next frame, or null when none comes in time. */
  public Frame poll(long timeoutMillis) {
    try {
      return frames.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The next frame, which must be {@code event: <name>}. */
  public Frame next(String event) {
    Frame f = next();
    if (!f.event().equals(event)) {
      throw new AssertionError("expected event " + event + ", got " + f);
    }
    return f;
  }

  /** The next comment line (such as a heartbeat, with its leading colon), or null in time. */
  public String comment(long timeoutMillis) {
    try {
      return comments.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Whether the server ended the stream within the time. */
  public boolean endsWithin(long timeoutMillis) {
    try {
      return ended.await(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
