package io.wpsync.coordinator;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single ZooKeeper server inside the coordinator process, for single-machine setups (the demo, a
 * laptop): bound to 127.0.0.1 only, data (snapshots and transaction log) under {@code dataDir}, so
 * releases and the committed pointer survive a restart. It has no replica: production points
 * {@code --zk} at a 3- or 5-server ensemble instead.
 */
public final class EmbeddedZooKeeper implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
  /** 1 s ticks: sessions may last 2 s to 20 s, which covers the 10 s default and 3 s test timeouts. */
  static final int TICK_MILLIS = 1000;

  private final ZooKeeperServer server;
  private final ServerCnxnFactory factory;

  private EmbeddedZooKeeper(ZooKeeperServer server, ServerCnxnFactory factory) {
    this.server = server;
    this.factory = factory;
  }

  /** Starts serving on 127.0.0.1:{@code port} (0 for a free port). */
  public static EmbeddedZooKeeper start(Path dataDir, int port) throws IOException {
    Files.createDirectories(dataDir);
    ZooKeeperServer server = new ZooKeeperServer(dataDir.toFile(), dataDir.toFile(), TICK_MILLIS);
    ServerCnxnFactory factory = ServerCnxnFactory.createFactory(new InetSocketAddress("127.0.0.1", port), 256);
    try {
      factory.startup(server);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      factory.shutdown();
      throw new IOException("interrupted while starting the embedded ZooKeeper", e);
    } catch (IOException | RuntimeException e) {
      factory.shutdown();
      server.shutdown(true);
      throw new IOException("cannot start the embedded ZooKeeper on 127.0.0.1:" + port + " (data " + dataDir
          + "): " + e.getMessage(), e);
    }
    EmbeddedZooKeeper zk = new EmbeddedZooKeeper(server, factory);
    log.info("embedded ZooKeeper serving on {} (data {}); it has no replica: use --zk with an ensemble in production",
        zk.connectString(), dataDir);
    return zk;
  }

  /** {@code 127.0.0.1:<port>}. */
  public String connectString() {
    return "127.0.0.1:" + factory.getLocalPort();
  }

  @Override
  public void close() {
    factory.shutdown();
    server.shutdown(true);
  }
}
