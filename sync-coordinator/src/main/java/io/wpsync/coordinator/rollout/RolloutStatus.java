package io.wpsync.coordinator.rollout;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A rollout as operators see it: the record plus every participant's report state, the switch
 * times and the switch skew (last SWITCHED minus first SWITCHED). Built from ZooKeeper state only.
 *
 * @param agents one line per participant (and per other agent that reported on this rollout)
 * @param switchSkewMillis max(SWITCHED.at) - min(SWITCHED.at), absent before any agent switched
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutStatus(
    String id,
    String target,
    String targetManifestId,
    String previous,
    boolean rollback,
    RolloutState state,
    String reason,
    FailurePolicy policy,
    long createdAt,
    long deadline,
    Long decidedAt,
    long epoch,
    List<String> participants,
    List<String> excluded,
    List<AgentStatus> agents,
    int prepared,
    int failed,
    int switched,
    Long firstSwitchAt,
    Long lastSwitchAt,
    Long switchSkewMillis) {

  /**
   * One agent's part in a rollout. {@code state} is PENDING until it reports. {@code progress} is
   * its fetch of the target as the agent's own {@code /status} told the coordinator (never through
   * ZooKeeper), present while it fetches.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record AgentStatus(
      String id, String state, String reason, Long at, Long bytesFetched, boolean alive,
      boolean participant, boolean excluded, Progress progress) {

    public AgentStatus(String id, String state, String reason, Long at, Long bytesFetched, boolean alive,
        boolean participant, boolean excluded) {
      this(id, state, reason, at, bytesFetched, alive, participant, excluded, null);
    }
  }

  /**
   * An agent's fetch of the rollout's target.
   *
   * @param active whether the fetch is still running
   * @param observedAt when the coordinator got this from the agent (epoch millis)
   */
  public record Progress(long bytesDone, long bytesTotal, long piecesDone, long piecesTotal, boolean active,
      long observedAt) {}

  /** Agents still expected to fetch or switch: the ones worth asking for progress. */
  public List<String> agentsInFlight() {
    List<String> out = new ArrayList<>();
    for (AgentStatus a : agents) {
      boolean waiting = state == RolloutState.PREPARING ? a.state().equals("PENDING")
          : state == RolloutState.COMMITTED && !a.state().equals("SWITCHED") && !a.state().equals("FAILED");
      if (waiting && a.alive()) {
        out.add(a.id());
      }
    }
    return out;
  }

  /** A copy with {@code progress} attached to the agents it names. */
  public RolloutStatus withProgress(Map<String, Progress> progress) {
    if (progress.isEmpty()) {
      return this;
    }
    List<AgentStatus> with = new ArrayList<>(agents.size());
    for (AgentStatus a : agents) {
      Progress p = progress.get(a.id());
      with.add(p == null ? a : new AgentStatus(a.id(), a.state(), a.reason(), a.at(), a.bytesFetched(), a.alive(),
          a.participant(), a.excluded(), p));
    }
    return new RolloutStatus(id, target, targetManifestId, previous, rollback, state, reason, policy, createdAt,
        deadline, decidedAt, epoch, participants, excluded, List.copyOf(with), prepared, failed, switched,
        firstSwitchAt, lastSwitchAt, switchSkewMillis);
  }

  public static RolloutStatus of(RolloutInfo r, Map<String, AgentReport> reports, Set<String> liveAgents) {
    Set<String> excluded = new HashSet<>(r.excluded());
    Set<String> ids = new TreeSet<>(r.participants());
    ids.addAll(reports.keySet());
    Set<String> participants = new HashSet<>(r.participants());
    List<AgentStatus> agents = new ArrayList<>(ids.size());
    int prepared = 0;
    int failed = 0;
    int switched = 0;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (String id : ids) {
      AgentReport rep = reports.get(id);
      if (rep == null || rep.state() == null) {
        agents.add(new AgentStatus(id, "PENDING", null, null, null, liveAgents.contains(id),
            participants.contains(id), excluded.contains(id)));
        continue;
      }
      switch (rep.state()) {
        case PREPARED -> prepared++;
        case FAILED -> failed++;
        case SWITCHED -> {
          switched++;
          first = Math.min(first, rep.at());
          last = Math.max(last, rep.at());
        }
      }
      agents.add(new AgentStatus(id, rep.state().name(), rep.reason(), rep.at(), rep.bytesFetched(),
          liveAgents.contains(id), participants.contains(id), excluded.contains(id)));
    }
    boolean anySwitch = switched > 0;
    return new RolloutStatus(r.id(), r.target(), r.targetManifestId(), r.previous(), r.rollback(), r.state(),
        r.reason(), r.policy(), r.createdAt(), r.deadline(), r.decidedAt() == 0 ? null : r.decidedAt(), r.epoch(),
        r.participants(), r.excluded(), List.copyOf(agents), prepared, failed, switched,
        anySwitch ? first : null, anySwitch ? last : null, anySwitch ? last - first : null);
  }
}
