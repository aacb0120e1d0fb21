package io.wpsync.agent.rollout;

import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.RolloutInfo;

/**
 * What one convergence pass knows, read from ZooKeeper and the local disk. ZooKeeper parts are
 * read in the order {@code /active-rollout}, then {@code /committed}: one client's reads are
 * sequentially consistent, so a rollout that disappeared from {@code /active-rollout} is already
 * reflected in {@code /committed} if it committed.
 *
 * @param committed the committed pointer, or null if nothing was ever committed
 * @param committedRollout the rollout record named by {@code committed} (null if none or gone)
 * @param active the rollout named by {@code /active-rollout}, or null
 * @param myActiveReport this agent's report under {@code active}, or null
 * @param current the release {@code current} points to locally, or null
 * @param staged the release staged locally for a rollout, or null
 * @param stagedRollout the record of the rollout {@code staged} was prepared for (null if unknown
 *     or deleted)
 */
public record ClusterSnapshot(
    String self,
    CommittedRelease committed,
    RolloutInfo committedRollout,
    RolloutInfo active,
    AgentReport myActiveReport,
    String current,
    String staged,
    RolloutInfo stagedRollout,
    long now) {

  /** True if the committing rollout excluded this agent. */
  public boolean excludedFromCommit() {
    return committedRollout != null && committedRollout.excluded().contains(self);
  }
}
