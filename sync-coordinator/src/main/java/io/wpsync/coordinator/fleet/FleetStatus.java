package io.wpsync.coordinator.fleet;

import io.wpsync.agent.AgentStatus;
import io.wpsync.agent.rollout.FetchProgress;
import io.wpsync.coordinator.rollout.RolloutStatus;
import io.wpsync.core.cluster.CommittedRelease;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the API shows about agents beyond ZooKeeper: the agent list with live details, and per-agent
 * fetch progress in a rollout's status, both from {@link AgentCensus} (in memory) and {@link
 * AgentProbe} (each agent's own {@code /status}, cached, bounded).
 */
public final class FleetStatus {
  private final AgentCensus census;
  private final AgentProbe probe;
  private final Duration wait;

  /**
   * @param wait how long an API call waits for probes before answering with what it has
   */
  public FleetStatus(AgentCensus census, AgentProbe probe, Duration wait) {
    this.census = Objects.requireNonNull(census, "census");
    this.probe = Objects.requireNonNull(probe, "probe");
    this.wait = Objects.requireNonNull(wait, "wait");
  }

  /** Every live agent; with {@code live}, enriched by a probe of its {@code /status}. */
  public List<AgentView> agents(boolean live) throws InterruptedException {
    Map<String, AgentCensus.AgentSeen> agents = census.agents();
    String committed = census.committed().map(CommittedRelease::releaseId).orElse(null);
    Map<String, AgentProbe.Observation> seen = live ? probe.observe(urls(agents, agents.keySet()), wait) : Map.of();
    List<AgentView> out = new ArrayList<>(agents.size());
    agents.forEach((id, a) -> out.add(AgentView.of(a.info(), committed, seen.get(id))));
    return out;
  }

  /** {@code s} with the fetch progress of the agents still preparing or catching up on its target. */
  public RolloutStatus withProgress(RolloutStatus s) throws InterruptedException {
    List<String> inFlight = s.agentsInFlight();
    if (inFlight.isEmpty()) {
      return s;
    }
    Map<String, AgentProbe.Observation> seen = probe.observe(urls(census.agents(), inFlight), wait);
    Map<String, RolloutStatus.Progress> progress = new HashMap<>();
    seen.forEach((id, o) -> {
      AgentStatus st = o.status();
      FetchProgress.Snapshot p = st == null ? null : st.progress();
      if (p != null && s.target().equals(p.release())) {
        progress.put(id, new RolloutStatus.Progress(p.bytesDone(), p.bytesTotal(), p.piecesDone(), p.piecesTotal(),
            p.active(), o.at()));
      }
    });
    return s.withProgress(progress);
  }

  private static Map<String, String> urls(Map<String, AgentCensus.AgentSeen> agents, Iterable<String> ids) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String id : ids) {
      AgentCensus.AgentSeen a = agents.get(id);
      if (a != null && a.info().httpUrl() != null) {
        out.put(id, a.info().httpUrl());
      }
    }
    return out;
  }
}
