package io.wpsync.coordinator.fleet;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.wpsync.agent.AgentStatus;
import io.wpsync.agent.rollout.FetchProgress;
import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.AgentState;

/**
 * One live agent as {@code GET /api/v1/agents} shows it: its membership record from ZooKeeper
 * (address, current and staged release, state, readiness as last published) and, when the agent
 * answered the coordinator's probe of its {@code /status}, live details: readiness with its
 * reason, how long it has been behind, the fetch in progress.
 *
 * @param address the peer address {@code host:p2pPort}
 * @param onCommitted whether {@code currentRelease} is the committed release
 * @param updatedAt when the agent last changed its membership record (its clock)
 * @param lastSeen when the agent last answered this coordinator's probe (0 if never); an agent in
 *     the list always has a live ZooKeeper session
 * @param probeError why the last probe failed, if it did
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentView(
    String id, String host, int p2pPort, String address, String httpUrl, String zone,
    String currentRelease, String stagedRelease, AgentState state, boolean ready, Boolean onCommitted,
    long updatedAt, long lastSeen, String readyReason, Long behindMillis, Boolean zkConnected,
    FetchProgress.Snapshot progress, String lastError, String probeError) {

  /** Combines the record with a probe observation (may be null). */
  public static AgentView of(AgentInfo a, String committed, AgentProbe.Observation seen) {
    AgentStatus s = seen == null ? null : seen.status();
    boolean fresh = s != null;
    return new AgentView(a.id(), a.host(), a.p2pPort(), a.host() + ":" + a.p2pPort(), a.httpUrl(), a.zone(),
        a.currentRelease(), a.stagedRelease(), a.state(), fresh ? s.ready() : a.ready(),
        committed == null ? null : committed.equals(a.currentRelease()),
        a.updatedAt(), seen == null ? 0 : seen.lastSeen(),
        fresh ? s.readyReason() : null, fresh ? s.behindMillis() : null, fresh ? s.zkConnected() : null,
        fresh && s.progress() != null && s.progress().active() ? s.progress() : null,
        fresh ? s.lastError() : null, seen == null ? null : seen.error());
  }
}
