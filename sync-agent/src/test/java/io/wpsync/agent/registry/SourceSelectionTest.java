package io.wpsync.agent.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.AgentState;
import io.wpsync.core.cluster.CoordinatorInfo;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SourceSelectionTest {
  private static AgentInfo agent(String id, String zone, String current, String staged) {
    return new AgentInfo(id, "127.0.0.1", 7000 + id.hashCode() % 100 + 100, "http://x", zone, current, staged,
        AgentState.IN_SYNC, true, 0);
  }

  private static final CoordinatorInfo ORIGIN = new CoordinatorInfo("c1", "http://c1", "127.0.0.2", 9000, 0);

  @Test
  void ranksHoldersAndSameZoneFirstAndAlwaysAddsOrigins() {
    var agents = List.of(
        agent("far-none", "z2", "r1", null),
        agent("near-none", "z1", "r1", null),
        agent("far-holds", "z2", "r2", null),
        agent("near-holds", "z1", "r1", "r2"),
        agent("self", "z1", "r2", null));
    List<PeerAddress> out = SourceSelection.choose(agents, List.of(ORIGIN), "self", "r2", "z1", 10, new Random(1));
    assertThat(out).extracting(PeerAddress::nodeId)
        .containsExactly("near-holds", "far-holds", "near-none", "far-none", "c1");
    assertThat(out.get(4).origin()).isTrue();
    assertThat(out.get(0).origin()).isFalse();
  }

  @Test
  void boundsTheAgentsButNeverTheOrigins() {
    var agents = List.of(agent("a", "z1", "r2", null), agent("b", "z1", "r2", null), agent("c", "z1", "r2", null));
    List<PeerAddress> out = SourceSelection.choose(agents, List.of(ORIGIN), "self", "r2", "z1", 2, new Random(7));
    assertThat(out).hasSize(3);
    assertThat(out.get(2).nodeId()).isEqualTo("c1");
  }

  @Test
  void spreadsLoadOverEqualCandidates() {
    var agents = List.of(agent("a", null, "r2", null), agent("b", null, "r2", null), agent("c", null, "r2", null));
    var firsts = new java.util.HashSet<String>();
    Random random = new Random(3);
    for (int i = 0; i < 50; i++) {
      firsts.add(SourceSelection.choose(agents, List.of(), "self", "r2", null, 1, random).get(0).nodeId());
    }
    assertThat(firsts).containsExactlyInAnyOrder("a", "b", "c");
  }

  @Test
  void rejectsNegativeBound() {
    assertThatThrownBy(() -> SourceSelection.choose(List.of(), List.of(), "s", "r", null, -1, new Random()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
