package io.taskpulse.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy between a client and a server, for network faults in tests: {@link #cutAll()}
 * drops every connection at once (as a broken network or a NAT timeout would), and
 * {@link #freezeAll()} keeps them open but forwards nothing more (a dead peer). Connections
 * made afterwards work normally. Plain sockets, two threads per connection.
 */
public final class TcpProxy implements AutoCloseable {

  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final Set<Pipe> pipes = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private final Thread acceptor;
  private volatile boolean closed;

  private TcpProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + listener.getLocalPort());
    this.acceptor.setDaemon(true);
    this.acceptor.start();
  }

  /** A proxy on a free local port forwarding to {@code port} on the loopback address. */
  public static TcpProxy to(int port) {
    try {
      return new TcpProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return listener.getLocalPort();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /** Connections open now. */
  public int open() {
    return pipes.size();
  }

  /** Drops every open connection, both sides, without any goodbye; returns how many. */
  public int cutAll() {
    List<Pipe> now = List.copyOf(pipes);
    now.forEach(Pipe::close);
    return now.size();
  }

  /** Stops forwarding on every open connection but keeps it open; returns how many. */
  public int freezeAll() {
    List<Pipe> now = List.copyOf(pipes);
    now.forEach(Pipe::freeze);
    return now.size();
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    cutAll();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      accepted.incrementAndGet();
      try {
        Socket server = new Socket();
        server.connect(target, 5_000);
        Pipe pipe = new Pipe(client, server);
        pipes.add(pipe);
        pipe.start();
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  /** One proxied connection: a thread per direction. */
  private final class Pipe {
    private final Socket client;
    private final Socket server;
    private final CountDownLatch thawed = new CountDownLatch(1);
    private volatile boolean frozen;

    Pipe(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }

    void start() {
      pump(client, server, "up");
      pump(server, client, "down");
    }

    private void pump(Socket from, Socket to, String direction) {
      Thread t = new Thread(() -> {
        byte[] buffer = new byte[16 * 1024];
        // Not try-with-resources: closing a socket's stream closes the socket, and a frozen
        // pipe must keep both open.
        try {
          InputStream in = from.getInputStream();
          OutputStream out = to.getOutputStream();
          int n;
          while ((n = in.read(buffer)) >= 0 && !frozen) {
            out.write(buffer, 0, n);
            out.flush();
          }
        } catch (IOException e) {
          // cut, or the other side went away
        }
        if (frozen) {
          // A dead peer: forward nothing, not even the other side's close, until cut.
          try {
            thawed.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        close();
      }, "tcp-proxy-" + direction + "-" + from.getPort());
      t.setDaemon(true);
      t.start();
    }

    void freeze() {
      frozen = true;
    }

    void close() {
      pipes.remove(this);
      thawed.countDown();
      closeQuietly(client);
      closeQuietly(server);
    }
  }
}
