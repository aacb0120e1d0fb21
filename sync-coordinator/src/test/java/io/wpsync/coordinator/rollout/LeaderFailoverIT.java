package io.wpsync.coordinator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wpsync.coordinator.ClusterAgents;
import io.wpsync.coordinator.ClusterAgents.Agent;
import io.wpsync.coordinator.CoordinatorNode;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A leader coordinator dies mid-rollout on a 3-server ensemble: the standby resumes the rollout
 * from ZooKeeper alone and commits it (every report PREPARED) or aborts it (deadline).
 */
class LeaderFailoverIT {
  private static TestingCluster cluster;
  private final List<AutoCloseable> open = new ArrayList<>();
  private static int round;

  @BeforeAll
  static void startEnsemble() throws Exception {
    cluster = new TestingCluster(3);
    cluster.start();
  }

  @AfterAll
  static void stopEnsemble() throws Exception {
    cluster.close();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    open.clear();
  }

  private String net() {
    return "failover" + (++round);
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  private CoordinatorNode coordinator(String net, String id) throws Exception {
    return keep(new CoordinatorNode(cluster.getConnectString(), net, id, Duration.ofMinutes(1)).start());
  }

  @Test
  void standbyCommitsARolloutWhoseReportsAllArrivedAfterTheLeaderDied() throws Exception {
    String net = net();
    CoordinatorNode a = coordinator(net, "coord-a");
    await().atMost(Duration.ofSeconds(20)).until(a.driver::isLeader);
    CoordinatorNode b = coordinator(net, "coord-b");
    Agent x = keep(ClusterAgents.join(cluster.getConnectString(), net, "agent-x"));
    Agent y = keep(ClusterAgents.join(cluster.getConnectString(), net, "agent-y"));
    ReleaseInfo r1 = a.publishRelease("one");
    RolloutStatus s = a.driver.start(RolloutRequest.of(r1.id()));
    x.report(s.id(), AgentReport.State.PREPARED, null);

    a.close(); // the leader dies mid-prepare
    y.report(s.id(), AgentReport.State.PREPARED, null);

    await().atMost(Duration.ofSeconds(30)).until(() -> b.store.committed().isPresent());
    assertThat(b.store.committed().orElseThrow().value().releaseId()).isEqualTo(r1.id());
    assertThat(b.store.rollout(s.id()).orElseThrow().value().state()).isEqualTo(RolloutState.COMMITTED);
    assertThat(b.store.rollout(s.id()).orElseThrow().value().epoch())
        .isEqualTo(b.leadership.fence().orElseThrow().epoch()).isGreaterThan(s.epoch());
  }

  @Test
  void standbyAbortsAtTheRecordedDeadline() throws Exception {
    String net = net();
    CoordinatorNode a = coordinator(net, "coord-a");
    await().atMost(Duration.ofSeconds(20)).until(a.driver::isLeader);
    CoordinatorNode b = coordinator(net, "coord-b");
    Agent x = keep(ClusterAgents.join(cluster.getConnectString(), net, "agent-x"));
    keep(ClusterAgents.join(cluster.getConnectString(), net, "agent-y"));
    ReleaseInfo r1 = a.publishRelease("one");
    RolloutStatus s = a.driver.start(new RolloutRequest(r1.id(), Duration.ofSeconds(4), null, false));
    x.report(s.id(), AgentReport.State.PREPARED, null);
    a.close();

    await().atMost(Duration.ofSeconds(30)).until(() ->
        b.store.rollout(s.id()).orElseThrow().value().state() == RolloutState.ABORTED);
    var r = b.store.rollout(s.id()).orElseThrow().value();
    assertThat(r.reason()).isEqualTo("deadline passed; not prepared: agent-y");
    assertThat(r.decidedAt()).isGreaterThanOrEqualTo(s.deadline());
    assertThat(b.store.committed()).isEmpty();
    assertThat(b.store.activeRolloutId()).isEmpty();
  }

  @Test
  void rolloutCompletesWhileOneZooKeeperServerIsDown() throws Exception {
    String net = net();
    CoordinatorNode a = coordinator(net, "coord-a");
    await().atMost(Duration.ofSeconds(20)).until(a.driver::isLeader);
    Agent x = keep(ClusterAgents.join(cluster.getConnectString(), net, "agent-x"));
    Agent y = keep(ClusterAgents.join(cluster.getConnectString(), net, "agent-y"));
    ReleaseInfo r1 = a.publishRelease("one");
    RolloutStatus s = a.driver.start(RolloutRequest.of(r1.id()));
    x.report(s.id(), AgentReport.State.PREPARED, null);
    var victim = cluster.getInstances().iterator().next();
    cluster.killServer(victim);
    try {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
        y.report(s.id(), AgentReport.State.PREPARED, null);
        return true;
      });
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> a.store.committed().isPresent());
      assertThat(a.store.committed().orElseThrow().value().rolloutId()).isEqualTo(s.id());
    } finally {
      cluster.restartServer(victim);
    }
  }
}
