package io.wpsync.agent.rollout;

import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import io.wpsync.core.zk.ZkPaths;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Writes rollout records the way the coordinator's leader does (same paths, same transactions),
 * so agent tests run against real ZooKeeper without the coordinator module.
 */
public final class CoordinatorWrites {
  private final CuratorFramework client;

  public CoordinatorWrites(CuratorFramework client) {
    this.client = client;
  }

  public void publishRelease(String releaseId, String manifestId) throws Exception {
    ReleaseInfo info = new ReleaseInfo(releaseId, manifestId, 0, null, "test", "test release", System.currentTimeMillis(),
        0, 0, 1);
    client.create().creatingParentsIfNeeded().forPath(ZkPaths.release(releaseId), ClusterJson.write(info));
  }

  public RolloutInfo start(String rolloutId, String target, String manifestId, List<String> participants, long deadlineMs)
      throws Exception {
    long now = System.currentTimeMillis();
    RolloutInfo r = new RolloutInfo(rolloutId, target, manifestId, null, false, participants, FailurePolicy.abort(),
        now, now + deadlineMs, RolloutState.PREPARING, null, List.of(), 0, 1);
    if (client.checkExists().forPath(ZkPaths.ROLLOUTS) == null) {
      client.create().creatingParentsIfNeeded().forPath(ZkPaths.ROLLOUTS);
    }
    client.transaction().forOperations(
        client.transactionOp().create().forPath(ZkPaths.rollout(rolloutId), ClusterJson.write(r)),
        client.transactionOp().create().forPath(ZkPaths.reports(rolloutId)),
        client.transactionOp().create().withMode(CreateMode.PERSISTENT)
            .forPath(ZkPaths.ACTIVE_ROLLOUT, rolloutId.getBytes(StandardCharsets.UTF_8)));
    return r;
  }

  public Map<String, AgentReport> reports(String rolloutId) throws Exception {
    Map<String, AgentReport> out = new HashMap<>();
    for (String child : client.getChildren().forPath(ZkPaths.reports(rolloutId))) {
      out.put(child, ClusterJson.read(client.getData().forPath(ZkPaths.report(rolloutId, child)), AgentReport.class));
    }
    return out;
  }

  public RolloutInfo rollout(String rolloutId) throws Exception {
    return ClusterJson.read(client.getData().forPath(ZkPaths.rollout(rolloutId)), RolloutInfo.class);
  }

  /** The commit decision: one transaction moving /committed and closing the rollout. */
  public void commit(String rolloutId, List<String> excluded) throws Exception {
    Stat stat = new Stat();
    RolloutInfo r = ClusterJson.read(client.getData().storingStatIn(stat).forPath(ZkPaths.rollout(rolloutId)),
        RolloutInfo.class);
    long now = System.currentTimeMillis();
    CommittedRelease c = new CommittedRelease(r.target(), r.targetManifestId(), rolloutId, 1, now);
    boolean exists = client.checkExists().forPath(ZkPaths.COMMITTED) != null;
    client.transaction().forOperations(
        client.transactionOp().setData().withVersion(stat.getVersion())
            .forPath(ZkPaths.rollout(rolloutId), ClusterJson.write(r.decided(RolloutState.COMMITTED, null, excluded, now, 1))),
        exists
            ? client.transactionOp().setData().forPath(ZkPaths.COMMITTED, ClusterJson.write(c))
            : client.transactionOp().create().forPath(ZkPaths.COMMITTED, ClusterJson.write(c)),
        client.transactionOp().delete().forPath(ZkPaths.ACTIVE_ROLLOUT));
  }

  public void abort(String rolloutId, String reason) throws Exception {
    Stat stat = new Stat();
    RolloutInfo r = ClusterJson.read(client.getData().storingStatIn(stat).forPath(ZkPaths.rollout(rolloutId)),
        RolloutInfo.class);
    client.transaction().forOperations(
        client.transactionOp().setData().withVersion(stat.getVersion()).forPath(ZkPaths.rollout(rolloutId),
            ClusterJson.write(r.decided(RolloutState.ABORTED, reason, List.of(), System.currentTimeMillis(), 1))),
        client.transactionOp().delete().forPath(ZkPaths.ACTIVE_ROLLOUT));
  }

  public List<String> liveAgents() throws Exception {
    try {
      return client.getChildren().forPath(ZkPaths.AGENTS);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }
}
