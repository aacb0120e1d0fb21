package io.wpsync.coordinator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wpsync.coordinator.rollout.RolloutStatus;
import io.wpsync.coordinator.zk.ZkClients;
import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.AgentState;
import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import io.wpsync.core.zk.ZkPaths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;

/**
 * The census follows {@code /agents} and {@code /committed} in a real ZooKeeper; the fleet view
 * adds what each agent's own {@code /status} (a real HTTP server) says: live readiness, last seen,
 * and fetch progress on a rollout's target.
 */
class FleetStatusIT {
  private static AgentInfo agent(String id, String url, String current) {
    return new AgentInfo(id, "127.0.0.1", 7000, url, "z1", current, null, AgentState.PREPARING, true, 5);
  }

  @Test
  void agentsAndRolloutProgressCombineZooKeeperAndTheAgentsOwnStatus() throws Exception {
    try (TestingServer zk = new TestingServer(true);
        CuratorFramework client = ZkClients.newClient(zk.getConnectString(), "fleet", Duration.ofSeconds(5));
        StandInAgent a1 = new StandInAgent();
        AgentProbe probe = new AgentProbe(Duration.ofMillis(1), Duration.ofSeconds(2), 4, System::currentTimeMillis)) {
      client.start();
      assertThat(client.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
      client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
          .forPath(ZkPaths.agent("a1"), ClusterJson.write(agent("a1", a1.url(), "r1")));
      client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
          .forPath(ZkPaths.agent("a2"), ClusterJson.write(agent("a2", "http://127.0.0.1:1", "r1")));
      client.create().creatingParentsIfNeeded()
          .forPath(ZkPaths.COMMITTED, ClusterJson.write(new CommittedRelease("r1", "sha256:00", "ro-1", 1, 10)));
      try (AgentCensus census = new AgentCensus(client).start()) {
        assertThat(census.awaitLoaded(20, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> census.agents().size() == 2);
        assertThat(census.committed().map(CommittedRelease::releaseId)).hasValue("r1");
        FleetStatus fleet = new FleetStatus(census, probe, Duration.ofSeconds(3));
        a1.body.set(StandInAgent.fetching("r2", 40, 100));

        List<AgentView> agents = fleet.agents(true);
        assertThat(agents).extracting(AgentView::id).containsExactly("a1", "a2");
        AgentView v1 = agents.get(0);
        assertThat(v1.address()).isEqualTo("127.0.0.1:7000");
        assertThat(v1.onCommitted()).isTrue();
        assertThat(v1.readyReason()).isEqualTo("on the committed release r1");
        assertThat(v1.lastSeen()).isPositive();
        assertThat(v1.progress().bytesDone()).isEqualTo(40);
        AgentView v2 = agents.get(1);
        assertThat(v2.lastSeen()).isZero();
        assertThat(v2.probeError()).contains("127.0.0.1:1/status");
        assertThat(fleet.agents(false).get(0).lastSeen()).isZero(); // live=false asks nobody

        RolloutInfo r = new RolloutInfo("ro-2", "r2", "sha256:11", "r1", false, List.of("a1", "a2"),
            FailurePolicy.abort(), 0, 60_000, RolloutState.PREPARING, null, List.of(), 0, 1);
        RolloutStatus preparing = RolloutStatus.of(r, Map.of(), Set.of("a1", "a2"));
        RolloutStatus withProgress = fleet.withProgress(preparing);
        RolloutStatus.Progress p = withProgress.agents().get(0).progress();
        assertThat(p.bytesDone()).isEqualTo(40);
        assertThat(p.bytesTotal()).isEqualTo(100);
        assertThat(p.piecesTotal()).isEqualTo(10);
        assertThat(withProgress.agents().get(1).progress()).isNull(); // a2 did not answer

        // progress on another release is not this rollout's (seen once the background refresh lands)
        a1.body.set(StandInAgent.fetching("r9", 1, 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.withProgress(preparing).agents().get(0).progress() == null);
        // a decided rollout whose agents all reported asks nobody
        Thread.sleep(500); // let the refresh the last poll started land
        int before = a1.requests.get();
        RolloutStatus done = RolloutStatus.of(r.decided(RolloutState.ABORTED, "x", List.of(), 1, 1),
            Map.of("a1", new AgentReport("a1", AgentReport.State.FAILED, "disk full", 1, 0)), Set.of("a1"));
        assertThat(fleet.withProgress(done)).isSameAs(done);
        assertThat(a1.requests.get()).isEqualTo(before);

        client.delete().forPath(ZkPaths.agent("a2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> census.agents().keySet().equals(Set.of("a1")));
      }
    }
  }
}
