package io.wpsync.faults.bed;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The observer host's half of {@link Tunnels}, run as its own JVM inside the observer's network
 * namespace: accepts connections on a Unix socket (a file, so the test JVM in the root namespace
 * can reach it), reads one line {@code ip:port}, connects to that address inside the test network
 * (only {@code 10.77.0.0/24} is accepted) and copies bytes both ways until either side closes.
 *
 * <p>Bounded: at most {@link #MAX_CONNECTIONS} connections at once; exits when its parent (the
 * test JVM, whose pid is passed) is gone, or after {@code maxMinutes}.
 */
public final class RelayMain {
  static final int MAX_CONNECTIONS = 256;
  private static final AtomicInteger open = new AtomicInteger();

  private RelayMain() {}

  /** {@code RelayMain SOCKET PARENT_PID MAX_MINUTES}. */
  public static void main(String[] args) throws IOException {
    Path socket = Path.of(args[0]);
    long parent = Long.parseLong(args[1]);
    long endAt = System.currentTimeMillis() + Long.parseLong(args[2]) * 60_000L;
    Files.deleteIfExists(socket);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread watchdog = new Thread(() -> {
      while (ProcessHandle.of(parent).map(ProcessHandle::isAlive).orElse(false) && System.currentTimeMillis() < endAt) {
        try {
          Thread.sleep(1_000);
        } catch (InterruptedException e) {
          break;
        }
      }
      System.err.println("relay: parent gone or time is up; exiting");
      System.exit(0);
    }, "relay-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    System.err.println("relay: listening on " + socket);
    while (true) {
      SocketChannel client = server.accept();
      if (open.incrementAndGet() > MAX_CONNECTIONS) {
        open.decrementAndGet();
        client.close();
        continue;
      }
      Thread t = new Thread(() -> serve(client), "relay-conn");
      t.setDaemon(true);
      t.start();
    }
  }

  private static void serve(SocketChannel client) {
    try (client) {
      String target = readLine(Channels.newInputStream(client));
      int colon = target.lastIndexOf(':');
      String host = target.substring(0, colon);
      int port = Integer.parseInt(target.substring(colon + 1));
      if (!host.startsWith("10.77.0.")) {
        throw new IOException("refusing target outside the test network: " + target);
      }
      try (SocketChannel remote = SocketChannel.open()) {
        remote.socket().connect(new InetSocketAddress(host, port), 5_000);
        Thread back = new Thread(() -> pump(remote, client), "relay-back");
        back.setDaemon(true);
        back.start();
        pump(client, remote);
        back.join(30_000);
      }
    } catch (IOException | RuntimeException e) {
      // the caller sees the connection close
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.decrementAndGet();
    }
  }

  /** Copies {@code from} to {@code to} until EOF, then half-closes {@code to}. */
  static void pump(SocketChannel from, SocketChannel to) {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    try {
      while (from.read(buf) >= 0) {
        buf.flip();
        while (buf.hasRemaining()) {
          to.write(buf);
        }
        buf.clear();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      try {
        from.close();
        to.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 64; i++) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed before the target line");
      }
      if (c == '\n') {
        return sb.toString();
      }
      sb.append((char) c);
    }
    throw new IOException("target line too long: " + new String(sb.toString().getBytes(StandardCharsets.UTF_8),
        StandardCharsets.UTF_8));
  }
}
