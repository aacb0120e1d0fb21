package io.wpsync.faults.bed;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How the test JVM, which stays in the root namespace and adds nothing to its network, talks to
 * the hosts: for each {@code ip:port} a listener on {@code 127.0.0.1} whose connections are carried
 * over a Unix socket to {@link RelayMain} in the observer host, which connects to the target. HTTP
 * clients, Curator and raw sockets use {@link #local} like any address.
 */
public final class Tunnels implements AutoCloseable {
  private final Path socket;
  private final NsProcess relay;
  private final Map<String, ServerSocketChannel> listeners = new ConcurrentHashMap<>();
  private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private Tunnels(Path socket, NsProcess relay) {
    this.socket = socket;
    this.relay = relay;
  }

  /** Starts the relay in {@code observer} and waits (bounded) for its socket. */
  public static Tunnels start(Host observer, Path dir) throws IOException, InterruptedException {
    Path socket = dir.resolve("relay.sock");
    NsProcess relay = NsProcess.start("relay", observer, NsProcess.java(List.of("-Xmx64m"),
        List.of("-cp", System.getProperty("java.class.path"), RelayMain.class.getName(), socket.toString(),
            Long.toString(ProcessHandle.current().pid()), "60")), dir.resolve("logs/relay.log"), Map.of());
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!Files.exists(socket)) {
      if (!relay.isAlive() || System.nanoTime() > end) {
        relay.kill();
        throw new IOException("relay did not start: " + relay.tail(20));
      }
      Thread.sleep(50);
    }
    return new Tunnels(socket, relay);
  }

  /** The loopback address that leads to {@code ip:port} inside the test network. */
  public InetSocketAddress local(String ip, int port) throws IOException {
    String target = ip + ":" + port;
    ServerSocketChannel l = listeners.get(target);
    if (l == null) {
      synchronized (this) {
        l = listeners.get(target);
        if (l == null) {
          l = ServerSocketChannel.open();
          l.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
          listeners.put(target, l);
          ServerSocketChannel server = l;
          Thread t = new Thread(() -> acceptLoop(server, target), "tunnel-" + target);
          t.setDaemon(true);
          t.start();
        }
      }
    }
    return (InetSocketAddress) l.getLocalAddress();
  }

  /** {@code 127.0.0.1:port} leading to {@code ip:port}. */
  public String localHostPort(String ip, int port) throws IOException {
    InetSocketAddress a = local(ip, port);
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  private void acceptLoop(ServerSocketChannel server, String target) {
    while (!closed) {
      try {
        SocketChannel in = server.accept();
        Thread t = new Thread(() -> carry(in, target), "tunnel-conn-" + target);
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void carry(SocketChannel in, String target) {
    open.add(in);
    try (in; SocketChannel out = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      out.connect(UnixDomainSocketAddress.of(socket));
      open.add(out);
      out.write(ByteBuffer.wrap((target + "\n").getBytes(StandardCharsets.US_ASCII)));
      Thread back = new Thread(() -> RelayMain.pump(out, in), "tunnel-back-" + target);
      back.setDaemon(true);
      back.start();
      RelayMain.pump(in, out);
      back.join(30_000);
      open.remove(out);
    } catch (IOException e) {
      // the caller sees the connection close
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.remove(in);
    }
  }

  @Override
  public void close() {
    closed = true;
    for (ServerSocketChannel l : listeners.values()) {
      try {
        l.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    for (SocketChannel c : open) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    relay.kill();
  }
}
