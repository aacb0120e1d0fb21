package io.wpsync.coordinator.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.wpsync.coordinator.ClusterAgents;
import io.wpsync.coordinator.CoordinatorNode;
import io.wpsync.coordinator.zk.Fence;
import io.wpsync.coordinator.zk.FencedException;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import java.time.Duration;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Leader election and epoch fencing between two coordinators on a real ZooKeeper server. */
class CoordinatorLeadershipIT {
  private TestingServer zk;

  @BeforeEach
  void setUp() throws Exception {
    zk = new TestingServer(true);
  }

  @AfterEach
  void tearDown() throws Exception {
    zk.close();
  }

  private CoordinatorNode node(String id) throws Exception {
    return new CoordinatorNode(zk.getConnectString(), "lead", id, Duration.ofMinutes(1)).start();
  }

  @Test
  void exactlyOneLeaderAndTheStandbyTakesOverWithANewerEpoch() throws Exception {
    try (CoordinatorNode a = node("coord-a"); CoordinatorNode b = node("coord-b")) {
      await().atMost(Duration.ofSeconds(20)).until(() -> a.leadership.isLeader() || b.leadership.isLeader());
      CoordinatorNode leader = a.leadership.isLeader() ? a : b;
      CoordinatorNode standby = leader == a ? b : a;
      assertThat(standby.leadership.isLeader()).isFalse();
      assertThat(standby.leadership.leaderId()).contains(leader.id);
      Fence first = leader.leadership.fence().orElseThrow();
      assertThat(leader.store.epoch().orElseThrow().value().leaderId()).isEqualTo(leader.id);

      leader.close();
      await().atMost(Duration.ofSeconds(20)).until(standby.leadership::isLeader);
      Fence second = standby.leadership.fence().orElseThrow();
      assertThat(second.epoch()).isGreaterThan(first.epoch());
      assertThat(standby.driver.isLeader()).isTrue();
    }
  }

  @Test
  void expiredLeaderIsDeposedAndItsLateCommitFails() throws Exception {
    try (CoordinatorNode a = node("coord-a")) {
      await().atMost(Duration.ofSeconds(20)).until(a.leadership::isLeader);
      Fence oldFence = a.leadership.fence().orElseThrow();
      ReleaseInfo r = a.publishRelease("one");
      long now = System.currentTimeMillis();
      ClusterAgents.Agent z = ClusterAgents.join(zk.getConnectString(), "lead", "agent-z");
      RolloutInfo ro = new RolloutInfo("ro-20260101-000000-00aa", r.id(), r.manifestId(), null, false, List.of("agent-z"),
          FailurePolicy.abort(), now, now + 600_000, RolloutState.PREPARING, null, List.of(), 0, oldFence.epoch());
      // a records the rollout itself, with its driver stopped so only the late write below decides
      a.driver.close();
      a.store.startRollout(oldFence, ro);
      var read = a.store.rollout(ro.id()).orElseThrow();

      try (CoordinatorNode b = node("coord-b")) {
        // a's session expires (as after a long GC pause): b takes over
        a.client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
        await().atMost(Duration.ofSeconds(30)).until(b.leadership::isLeader);
        assertThat(b.leadership.fence().orElseThrow().epoch()).isGreaterThan(oldFence.epoch());

        // a wakes up and writes its late decision with its old fence: refused, nothing changes
        await().atMost(Duration.ofSeconds(20)).until(() -> a.client.getZookeeperClient().isConnected());
        assertThatThrownBy(() -> a.store.commit(oldFence, read,
            ro.decided(RolloutState.COMMITTED, null, List.of(), now, oldFence.epoch()),
            new CommittedRelease(r.id(), r.manifestId(), ro.id(), oldFence.epoch(), now)))
            .isInstanceOf(FencedException.class);
        assertThat(b.store.committed()).isEmpty();
        assertThat(b.store.rollout(ro.id()).orElseThrow().value().state()).isEqualTo(RolloutState.PREPARING);
        // b (the new leader) resumes the in-flight rollout and commits once the agent is prepared
        z.report(ro.id(), io.wpsync.core.cluster.AgentReport.State.PREPARED, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> b.store.committed().isPresent());
        CommittedRelease c = b.store.committed().orElseThrow().value();
        assertThat(c.rolloutId()).isEqualTo(ro.id());
        assertThat(c.epoch()).isEqualTo(b.leadership.fence().orElseThrow().epoch());
      } finally {
        z.close();
      }
    }
  }

  @Test
  void standDownReEntersTheElectionWithANewEpoch() throws Exception {
    try (CoordinatorNode a = node("coord-a")) {
      await().atMost(Duration.ofSeconds(20)).until(a.leadership::isLeader);
      long e1 = a.leadership.fence().orElseThrow().epoch();
      a.leadership.standDown("test");
      // alone in the election, it wins again, with a newer term
      await().atMost(Duration.ofSeconds(20)).until(() -> a.leadership.fence().map(f -> f.epoch() > e1).orElse(false));
    }
  }
}
