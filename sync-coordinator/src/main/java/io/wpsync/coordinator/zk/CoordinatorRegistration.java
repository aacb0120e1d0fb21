package io.wpsync.coordinator.zk;

import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.cluster.CoordinatorInfo;
import io.wpsync.core.zk.ZkPaths;
import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;

/**
 * This coordinator's EPHEMERAL {@code /coordinators/<id>} registration (admin URL and origin
 * address), kept by Curator's {@link PersistentNode}: re-created after a session expiry, removed on
 * {@link #close()} or when the process dies.
 */
public final class CoordinatorRegistration implements Closeable {
  private final PersistentNode node;

  public CoordinatorRegistration(CuratorFramework client, CoordinatorInfo info) {
    this.node = new PersistentNode(client, CreateMode.EPHEMERAL, false,
        ZkPaths.coordinator(info.id()), ClusterJson.write(info));
  }

  /** Starts registering; waits up to {@code timeoutMillis} for the znode to exist. */
  public boolean start(long timeoutMillis) throws InterruptedException {
    node.start();
    return node.waitForInitialCreate(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws IOException {
    node.close();
  }
}
