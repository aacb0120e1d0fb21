package io.wpsync.coordinator;

import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.AgentState;
import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.zk.ZkPaths;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * Agents as the coordinator sees them, for coordinator ITs: each has its own ZooKeeper session,
 * an EPHEMERAL membership znode and writes real report znodes. Closing one is an agent death.
 */
public final class ClusterAgents {
  private ClusterAgents() {}

  /** One agent's ZooKeeper presence. */
  public static final class Agent implements AutoCloseable {
    private final String id;
    private final CuratorFramework client;

    private Agent(String id, CuratorFramework client) {
      this.id = id;
      this.client = client;
    }

    public String id() {
      return id;
    }

    /** Writes (or overwrites) this agent's report on a rollout. */
    public void report(String rolloutId, AgentReport.State state, String reason) throws Exception {
      byte[] data = ClusterJson.write(new AgentReport(id, state, reason, System.currentTimeMillis(), 0));
      String path = ZkPaths.report(rolloutId, id);
      try {
        client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path, data);
      } catch (KeeperException.NodeExistsException e) {
        client.setData().forPath(path, data);
      }
    }

    /** The agent dies: its session closes and its ephemeral membership znode disappears. */
    @Override
    public void close() {
      client.close();
    }
  }

  /** Registers agent {@code id} (EPHEMERAL /agents/id) with its own session. */
  public static Agent join(String connect, String network, String id) throws Exception {
    CuratorFramework c = io.wpsync.coordinator.zk.ZkClients.newClient(connect, network, Duration.ofSeconds(3));
    c.start();
    if (!c.blockUntilConnected(20, java.util.concurrent.TimeUnit.SECONDS)) {
      c.close();
      throw new IllegalStateException("agent " + id + " could not connect to " + connect);
    }
    AgentInfo info = new AgentInfo(id, "127.0.0.1", 1, "http://127.0.0.1:1", "z", null, null,
        AgentState.IN_SYNC, true, System.currentTimeMillis());
    c.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL)
        .forPath(ZkPaths.agent(id), ClusterJson.write(info));
    return new Agent(id, c);
  }
}
