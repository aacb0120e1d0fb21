package io.wpsync.agent.rollout;

import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.zk.ZkPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * The agent's only reads and writes of rollout state in ZooKeeper: the committed pointer, the
 * active rollout, rollout and release records, and this agent's reports. A missing node reads as
 * null; a malformed record is an {@link IOException} naming the path; connection problems surface
 * as Curator/ZooKeeper exceptions so the caller retries on the next pass.
 */
public final class RolloutRecords {
  private final CuratorFramework client;
  private final String self;

  public RolloutRecords(CuratorFramework client, String agentId) {
    this.client = client;
    this.self = ZkPaths.checkId("agent id", agentId);
  }

  public String agentId() {
    return self;
  }

  /** The id in {@code /active-rollout}, or null when no rollout runs. */
  public String activeRolloutId() throws Exception {
    return parseActiveId(read(ZkPaths.ACTIVE_ROLLOUT));
  }

  /** The rollout id held by {@code /active-rollout} data (UTF-8, a JSON string tolerated); null if none. */
  static String parseActiveId(byte[] data) {
    if (data == null) {
      return null;
    }
    String id = new String(data, StandardCharsets.UTF_8).strip();
    if (id.startsWith("\"") && id.endsWith("\"") && id.length() >= 2) {
      id = id.substring(1, id.length() - 1);
    }
    return id.isEmpty() ? null : id;
  }

  public CommittedRelease committed() throws Exception {
    return readJson(ZkPaths.COMMITTED, CommittedRelease.class);
  }

  public RolloutInfo rollout(String rolloutId) throws Exception {
    return rolloutId == null ? null : readJson(ZkPaths.rollout(rolloutId), RolloutInfo.class);
  }

  public ReleaseInfo release(String releaseId) throws Exception {
    return readJson(ZkPaths.release(releaseId), ReleaseInfo.class);
  }

  /** This agent's report on a rollout, or null. */
  public AgentReport myReport(String rolloutId) throws Exception {
    return readJson(ZkPaths.report(rolloutId, self), AgentReport.class);
  }

  /**
   * Writes this agent's report on a rollout (creating or replacing it). Refuses to write under a
   * rollout record that does not exist, so a late report never resurrects a deleted rollout.
   *
   * @return false if the rollout record is gone
   */
  public boolean writeReport(String rolloutId, AgentReport report) throws Exception {
    if (!report.agentId().equals(self)) {
      throw new IllegalArgumentException("agent " + self + " cannot report for " + report.agentId());
    }
    String path = ZkPaths.report(rolloutId, self);
    byte[] data = ClusterJson.write(report);
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        client.create().withMode(CreateMode.PERSISTENT).forPath(path, data);
        return true;
      } catch (KeeperException.NodeExistsException e) {
        client.setData().forPath(path, data);
        return true;
      } catch (KeeperException.NoNodeException e) {
        // no reports/ yet: create it, but never its parent, so a deleted rollout stays deleted
        try {
          client.create().withMode(CreateMode.PERSISTENT).forPath(ZkPaths.reports(rolloutId));
        } catch (KeeperException.NodeExistsException ignored) {
          // created concurrently by the coordinator or another agent
        } catch (KeeperException.NoNodeException gone) {
          return false;
        }
      }
    }
    return false;
  }

  private byte[] read(String path) throws Exception {
    try {
      return client.getData().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
  }

  private <T> T readJson(String path, Class<T> type) throws Exception {
    byte[] data = read(path);
    if (data == null) {
      return null;
    }
    try {
      return ClusterJson.read(data, type);
    } catch (IOException e) {
      throw new IOException(path + ": " + e.getMessage(), e);
    }
  }
}
