package io.wpsync.core.cluster;

/**
 * An agent's report on one rollout ({@code /rollouts/<id>/reports/<agent>}): only state changes
 * travel through ZooKeeper, never per-piece progress.
 *
 * @param state PREPARED (staged and verified), FAILED (with a reason), SWITCHED (at {@code at})
 */
public record AgentReport(String agentId, State state, String reason, long at, long bytesFetched) {
  public enum State { PREPARED, FAILED, SWITCHED }
}
