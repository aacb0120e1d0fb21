package io.wpsync.core.cluster;

/**
 * The ephemeral membership record of a live agent ({@code /agents/<id>}). It changes only on
 * state changes (never per piece), so ZooKeeper load stays proportional to decisions.
 *
 * @param currentRelease the release {@code current} points to, or null before the first switch
 * @param stagedRelease the release staged for a rollout, or null
 */
public record AgentInfo(
    String id,
    String host,
    int p2pPort,
    String httpUrl,
    String zone,
    String currentRelease,
    String stagedRelease,
    AgentState state,
    boolean ready,
    long updatedAt) {

  public AgentInfo withState(AgentState s, String current, String staged, boolean isReady, long now) {
    return new AgentInfo(id, host, p2pPort, httpUrl, zone, current, staged, s, isReady, now);
  }
}
