package io.wpsync.faults.bed;

import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.LeaderEpoch;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.zk.ZkPaths;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;

/**
 * The test's read-only view of what ZooKeeper holds for the network (the records of {@code
 * io.wpsync.core.cluster} at the paths of {@link ZkPaths}), through the tunnels. It never writes:
 * the daemons under test are the only writers. Reads throw when the ensemble has no quorum.
 */
public final class ClusterView implements AutoCloseable {
  private final CuratorFramework client;

  public ClusterView(String connect) {
    client = CuratorFrameworkFactory.builder()
        .connectString(connect)
        .namespace(ZkPaths.namespace("default"))
        .sessionTimeoutMs(20_000)
        .connectionTimeoutMs(5_000)
        .retryPolicy(new BoundedExponentialBackoffRetry(100, 1_000, 3))
        .build();
    client.start();
  }

  private <T> Optional<T> read(String path, Class<T> type) throws Exception {
    try {
      return Optional.of(ClusterJson.read(client.getData().forPath(path), type));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  public Optional<CommittedRelease> committed() throws Exception {
    return read(ZkPaths.COMMITTED, CommittedRelease.class);
  }

  /** Id of the committed release, or null. */
  public String committedId() throws Exception {
    return committed().map(CommittedRelease::releaseId).orElse(null);
  }

  public Optional<String> activeRollout() throws Exception {
    try {
      return Optional.of(new String(client.getData().forPath(ZkPaths.ACTIVE_ROLLOUT), StandardCharsets.UTF_8));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  public Optional<RolloutInfo> rollout(String id) throws Exception {
    return read(ZkPaths.rollout(id), RolloutInfo.class);
  }

  /** Every rollout record kept (the newest 100), by id. */
  public Map<String, RolloutInfo> rollouts() throws Exception {
    Map<String, RolloutInfo> out = new TreeMap<>();
    for (String id : children(ZkPaths.ROLLOUTS)) {
      rollout(id).ifPresent(r -> out.put(id, r));
    }
    return out;
  }

  public Map<String, AgentReport> reports(String rolloutId) throws Exception {
    Map<String, AgentReport> out = new TreeMap<>();
    for (String agent : children(ZkPaths.reports(rolloutId))) {
      read(ZkPaths.report(rolloutId, agent), AgentReport.class).ifPresent(r -> out.put(agent, r));
    }
    return out;
  }

  public Map<String, ReleaseInfo> releases() throws Exception {
    Map<String, ReleaseInfo> out = new LinkedHashMap<>();
    for (String id : children(ZkPaths.RELEASES)) {
      read(ZkPaths.release(id), ReleaseInfo.class).ifPresent(r -> out.put(id, r));
    }
    return out;
  }

  public Optional<ReleaseInfo> release(String id) throws Exception {
    return read(ZkPaths.release(id), ReleaseInfo.class);
  }

  /** Live agents (ephemeral nodes), by id. */
  public Map<String, AgentInfo> agents() throws Exception {
    Map<String, AgentInfo> out = new TreeMap<>();
    for (String id : children(ZkPaths.AGENTS)) {
      read(ZkPaths.agent(id), AgentInfo.class).ifPresent(a -> out.put(id, a));
    }
    return out;
  }

  /** The coordinator that last took leadership (it wrote {@code /epoch}), with its epoch. */
  public Optional<LeaderEpoch> epoch() throws Exception {
    return read(ZkPaths.EPOCH, LeaderEpoch.class);
  }

  private List<String> children(String path) throws Exception {
    try {
      return client.getChildren().forPath(path).stream().sorted().toList();
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
