package io.wpsync.coordinator.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP relay in front of every server of a ZooKeeper ensemble, for one client (a
 * coordinator or an agent) whose connect string is {@link #connectString()}. A test can:
 * <ul>
 *   <li>{@link #pause()} the client's traffic: bytes are held in the relay, not lost, until {@link
 *       #resume()}; the client sees a slow network (no disconnect while the pause is shorter than
 *       its read timeout, two thirds of its session timeout);</li>
 *   <li>{@link #cut()} it for good: every connection and listener closes at once and new
 *       connections are refused. As ZooKeeper sees it, this is a crashed process: the client sends
 *       nothing more (no close, no delete of its ephemeral nodes) and the servers expire its
 *       session after the session timeout.</li>
 * </ul>
 * Threads are daemons; everything is bound to 127.0.0.1.
 */
final class ZkRelay implements AutoCloseable {
  private final List<ServerSocket> listeners = new ArrayList<>();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Object gate = new Object();
  private final String name;
  private boolean paused; // guarded by gate
  private boolean cut; // guarded by gate

  private ZkRelay(String name) {
    this.name = name;
  }

  /** Starts one relay port per {@code host:port} of {@code connectString}. */
  static ZkRelay inFrontOf(String connectString, String name) throws IOException {
    ZkRelay r = new ZkRelay(name);
    try {
      for (String server : connectString.split(",")) {
        int colon = server.lastIndexOf(':');
        InetSocketAddress backend = new InetSocketAddress(server.substring(0, colon).strip(),
            Integer.parseInt(server.substring(colon + 1).strip()));
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        r.listeners.add(listener);
        r.thread("accept-" + listener.getLocalPort(), () -> r.acceptLoop(listener, backend));
      }
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    return r;
  }

  /** The connect string the client must use: one relay port per ensemble server. */
  String connectString() {
    StringJoiner j = new StringJoiner(",");
    listeners.forEach(l -> j.add("127.0.0.1:" + l.getLocalPort()));
    return j.toString();
  }

  /** Holds every byte in both directions until {@link #resume()}. */
  void pause() {
    synchronized (gate) {
      paused = true;
    }
  }

  /** Lets held and new bytes through again. */
  void resume() {
    synchronized (gate) {
      paused = false;
      gate.notifyAll();
    }
  }

  /** Closes every connection and listener at once; the client can never reach ZooKeeper again. */
  void cut() {
    synchronized (gate) {
      cut = true;
      gate.notifyAll();
    }
    for (ServerSocket l : listeners) {
      closeQuietly(l);
    }
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }

  @Override
  public void close() {
    cut();
  }

  private void acceptLoop(ServerSocket listener, InetSocketAddress backend) {
    while (!isCut()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed by cut()
      }
      Socket server = new Socket();
      try {
        server.connect(backend, 2000);
      } catch (IOException e) {
        closeQuietly(client); // that server is down: the client tries the next one
        closeQuietly(server);
        continue;
      }
      sockets.add(client);
      sockets.add(server);
      if (isCut()) { // raced with cut(): never let a connection through afterwards
        closeQuietly(client);
        closeQuietly(server);
        return;
      }
      thread("up-" + client.getPort(), () -> pump(client, server));
      thread("down-" + client.getPort(), () -> pump(server, client));
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buf = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        awaitOpen();
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // closed by cut() or by either side
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      sockets.remove(from);
      sockets.remove(to);
    }
  }

  private void awaitOpen() throws IOException, InterruptedException {
    synchronized (gate) {
      while (paused && !cut) {
        gate.wait();
      }
      if (cut) {
        throw new IOException("relay cut");
      }
    }
  }

  private boolean isCut() {
    synchronized (gate) {
      return cut;
    }
  }

  private void thread(String what, Runnable r) {
    Thread t = new Thread(r, "zk-relay-" + name + "-" + what);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
