package io.wpsync.agent.fetch;

import io.wpsync.agent.peer.PeerAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Chooses the bounded random subset of peers a download talks to: every origin first, then peers
 * of our own zone, then the others, each group shuffled; ourselves never. The rest are a reserve,
 * tried in the same order when the chosen ones cannot supply what is missing.
 */
final class PeerSelector {
  private PeerSelector() {}

  /** All candidates in preference order (the first {@code maxPeers} are used first). */
  static List<PeerAddress> order(List<PeerAddress> peers, String selfNodeId, String selfZone, Random random) {
    List<PeerAddress> origins = new ArrayList<>();
    List<PeerAddress> sameZone = new ArrayList<>();
    List<PeerAddress> others = new ArrayList<>();
    for (PeerAddress p : peers) {
      if (p.nodeId() != null && p.nodeId().equals(selfNodeId)) {
        continue;
      }
      if (p.origin()) {
        origins.add(p);
      } else if (selfZone != null && Objects.equals(selfZone, p.zone())) {
        sameZone.add(p);
      } else {
        others.add(p);
      }
    }
    Collections.shuffle(origins, random);
    Collections.shuffle(sameZone, random);
    Collections.shuffle(others, random);
    List<PeerAddress> out = new ArrayList<>(origins);
    out.addAll(sameZone);
    out.addAll(others);
    return out;
  }
}
