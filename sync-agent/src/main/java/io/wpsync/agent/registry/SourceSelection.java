package io.wpsync.agent.registry;

import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.CoordinatorInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Chooses where an agent downloads a release from: a bounded random subset of live agents, the
 * best first, plus every coordinator (origins hold every published release, so a fetch can
 * always complete). Agents are ranked in four groups, each shuffled so load spreads over the fleet:
 * same zone and already holding the release (current or staged), other zone holding it, same zone
 * not (yet) holding it (it may hold pieces), other zone not holding it.
 */
public final class SourceSelection {
  private SourceSelection() {}

  /**
   * @param self this agent's id, never chosen
   * @param releaseId the release being fetched (agents with it current or staged rank first)
   * @param zone this agent's zone, or null if unknown (then no zone preference)
   * @param maxAgents at most this many agents (coordinators come in addition)
   */
  public static List<PeerAddress> choose(Collection<AgentInfo> agents, Collection<CoordinatorInfo> coordinators,
      String self, String releaseId, String zone, int maxAgents, Random random) {
    if (maxAgents < 0) {
      throw new IllegalArgumentException("maxAgents must be >= 0, got " + maxAgents);
    }
    List<List<AgentInfo>> groups = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (AgentInfo a : agents) {
      if (a.id().equals(self) || a.host() == null || a.p2pPort() <= 0) {
        continue;
      }
      boolean holds = releaseId != null
          && (releaseId.equals(a.currentRelease()) || releaseId.equals(a.stagedRelease()));
      boolean near = zone == null || zone.equals(a.zone());
      groups.get((holds ? 0 : 2) + (near ? 0 : 1)).add(a);
    }
    List<PeerAddress> out = new ArrayList<>();
    for (List<AgentInfo> g : groups) {
      Collections.shuffle(g, random);
      for (AgentInfo a : g) {
        if (out.size() == maxAgents) {
          break;
        }
        out.add(new PeerAddress(a.id(), a.host(), a.p2pPort(), false, a.zone()));
      }
    }
    for (CoordinatorInfo c : coordinators) {
      if (c.p2pHost() != null && c.p2pPort() > 0 && !Objects.equals(c.id(), self)) {
        out.add(new PeerAddress(c.id(), c.p2pHost(), c.p2pPort(), true, null));
      }
    }
    return out;
  }
}
