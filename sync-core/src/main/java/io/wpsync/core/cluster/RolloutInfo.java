package io.wpsync.core.cluster;

import java.util.List;

/**
 * A rollout record ({@code /rollouts/<id>}): written by the leader, read by agents and by any
 * future leader, which resumes or aborts it deterministically from this record alone.
 *
 * @param participants the agents live when prepare started; an agent that dies is dropped
 * @param excluded agents a commit under the EXCLUDE policy left out
 */
public record RolloutInfo(
    String id,
    String target,
    String targetManifestId,
    String previous,
    boolean rollback,
    List<String> participants,
    FailurePolicy policy,
    long createdAt,
    long deadline,
    RolloutState state,
    String reason,
    List<String> excluded,
    long decidedAt,
    long epoch) {

  public RolloutInfo {
    participants = List.copyOf(participants);
    excluded = excluded == null ? List.of() : List.copyOf(excluded);
  }

  public RolloutInfo decided(RolloutState s, String why, List<String> left, long at, long byEpoch) {
    return new RolloutInfo(id, target, targetManifestId, previous, rollback, participants, policy,
        createdAt, deadline, s, why, left, at, byEpoch);
  }

  public RolloutInfo withParticipants(List<String> p) {
    return new RolloutInfo(id, target, targetManifestId, previous, rollback, p, policy, createdAt,
        deadline, state, reason, excluded, decidedAt, epoch);
  }
}
