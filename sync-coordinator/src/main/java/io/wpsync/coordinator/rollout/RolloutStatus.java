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

  /** One agent's part in a rollout. {@code state} is PENDING until it reports. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record AgentStatus(
      String id, String state, String reason, Long at, Long bytesFetched, boolean alive,
      boolean participant, boolean excluded) {}

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
