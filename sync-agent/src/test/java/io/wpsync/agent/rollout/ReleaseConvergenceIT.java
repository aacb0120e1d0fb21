package io.wpsync.agent.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.AgentState;
import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.zk.ZkPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent side of the two-phase rollout against a real ZooKeeper: rollout records are written
 * exactly as the coordinator writes them, agents run the real membership, readiness and
 * convergence loop over real directories.
 */
class ReleaseConvergenceIT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir
  Path tmp;

  private TestingServer zk;
  private CuratorFramework coordinatorClient;
  private CoordinatorWrites coordinator;
  private final List<ProtocolAgent> agents = new ArrayList<>();
  private Path origin;

  @BeforeEach
  void setUp() throws Exception {
    zk = new TestingServer(true);
    coordinatorClient = CuratorFrameworkFactory.builder().connectString(zk.getConnectString())
        .namespace(ZkPaths.namespace("test")).retryPolicy(new RetryOneTime(100)).build();
    coordinatorClient.start();
    coordinator = new CoordinatorWrites(coordinatorClient);
    origin = tmp.resolve("origin");
    for (int r = 1; r <= 3; r++) {
      DirectoryWorkspace.writeRelease(origin, "r" + r, "a" + r, "b" + r);
      coordinator.publishRelease("r" + r, "sha256:m" + r);
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    for (ProtocolAgent a : agents) {
      a.close();
    }
    coordinatorClient.close();
    zk.close();
  }

  private ProtocolAgent agent(String id) throws Exception {
    ProtocolAgent a = new ProtocolAgent(id, zk.getConnectString(), tmp.resolve(id), origin, Duration.ofSeconds(30)).start();
    agents.add(a);
    return a;
  }

  private void awaitLive(String... ids) {
    await().atMost(WAIT).until(() -> coordinator.liveAgents().containsAll(List.of(ids)));
  }

  private void awaitReports(String rollout, int n) {
    await().atMost(WAIT).until(() -> coordinator.reports(rollout).size() == n);
  }

  private AgentInfo membership(String id) throws Exception {
    return ClusterJson.read(coordinatorClient.getData().forPath(ZkPaths.agent(id)), AgentInfo.class);
  }

  /** Rolls r1 out to the given agents and commits it. */
  private void commitFirstRelease(ProtocolAgent... as) throws Exception {
    List<String> ids = new ArrayList<>();
    for (ProtocolAgent a : as) {
      ids.add(a.id);
    }
    awaitLive(ids.toArray(String[]::new));
    coordinator.start("ro-1", "r1", "sha256:m1", ids, 60_000);
    awaitReports("ro-1", ids.size());
    coordinator.commit("ro-1", List.of());
    for (ProtocolAgent a : as) {
      await().atMost(WAIT).until(() -> "r1".equals(a.current()) && a.readiness.check().ready());
    }
  }

  @Test
  void rolloutCommitsOnAllAgents() throws Exception {
    ProtocolAgent a = agent("a");
    ProtocolAgent b = agent("b");
    ProtocolAgent c = agent("c");
    awaitLive("a", "b", "c");
    assertThat(a.readiness.check().reason()).contains("no release has been committed");

    coordinator.start("ro-1", "r1", "sha256:m1", List.of("a", "b", "c"), 60_000);
    awaitReports("ro-1", 3);
    assertThat(coordinator.reports("ro-1").values()).extracting(AgentReport::state)
        .containsOnly(AgentReport.State.PREPARED);
    // prepared is not switched: nothing is current before the decision
    assertThat(a.current()).isNull();
    await().atMost(WAIT).until(() -> membership("b").state() == AgentState.PREPARED);
    assertThat(membership("b").stagedRelease()).isEqualTo("r1");

    coordinator.commit("ro-1", List.of());
    for (ProtocolAgent x : List.of(a, b, c)) {
      await().atMost(WAIT).until(() -> "r1".equals(x.current()));
      assertThat(Files.readString(tmp.resolve(x.id).resolve("current/a.txt"))).isEqualTo("a1");
    }
    await().atMost(WAIT).until(() -> coordinator.reports("ro-1").values().stream()
        .allMatch(r -> r.state() == AgentReport.State.SWITCHED));
    var reports = coordinator.reports("ro-1").values();
    long skew = reports.stream().mapToLong(AgentReport::at).max().orElseThrow()
        - reports.stream().mapToLong(AgentReport::at).min().orElseThrow();
    assertThat(skew).isLessThan(WAIT.toMillis());
    for (String id : List.of("a", "b", "c")) {
      await().atMost(WAIT).until(() -> {
        AgentInfo m = membership(id);
        return "r1".equals(m.currentRelease()) && m.stagedRelease() == null && m.state() == AgentState.IN_SYNC
            && m.ready();
      });
    }
    assertThat(a.meters.get("wpsync.agent.switches").counter().count()).isEqualTo(1.0);
    assertThat(a.convergence.status().ready()).isTrue();
  }

  @Test
  void failingAgentAbortsTheRolloutAndNothingSwitches() throws Exception {
    ProtocolAgent a = agent("a");
    ProtocolAgent b = agent("b");
    ProtocolAgent c = agent("c");
    commitFirstRelease(a, b, c);

    b.workspace.failStaging.add("r2");
    coordinator.start("ro-2", "r2", "sha256:m2", List.of("a", "b", "c"), 60_000);
    awaitReports("ro-2", 3);
    AgentReport failed = coordinator.reports("ro-2").get("b");
    assertThat(failed.state()).isEqualTo(AgentReport.State.FAILED);
    assertThat(failed.reason()).isEqualTo("disk full: no space left on device writing r2");
    await().atMost(WAIT).until(() -> membership("b").state() == AgentState.FAILED);
    assertThat(b.convergence.status().lastError()).contains("disk full");

    coordinator.abort("ro-2", "b failed: disk full");
    for (ProtocolAgent x : List.of(a, c)) {
      await().atMost(WAIT).until(() -> x.workspace.discarded.contains("r2"));
      assertThat(x.workspace.isStaged("r2")).isFalse();
    }
    for (ProtocolAgent x : List.of(a, b, c)) {
      assertThat(x.current()).isEqualTo("r1");
      await().atMost(WAIT).until(() -> membership(x.id).state() == AgentState.IN_SYNC
          && membership(x.id).stagedRelease() == null);
      assertThat(x.readiness.check().ready()).isTrue();
    }
  }

  @Test
  void agentJoiningMidRolloutIsNotAParticipantAndSyncsToTheCommittedRelease() throws Exception {
    ProtocolAgent a = agent("a");
    commitFirstRelease(a);
    a.workspace.holdStaging = new CountDownLatch(1); // keep the rollout open while d joins
    coordinator.start("ro-2", "r2", "sha256:m2", List.of("a"), 60_000);

    ProtocolAgent d = agent("d");
    assertThat(d.readiness.check().ready()).isFalse();
    await().atMost(WAIT).until(() -> "r1".equals(d.current()) && d.readiness.check().ready());
    assertThat(coordinator.reports("ro-2")).doesNotContainKey("d");
    assertThat(d.workspace.isStaged("r2")).isFalse();
    a.workspace.holdStaging.countDown();
  }

  @Test
  void agentKilledDuringPrepareIsDroppedAndCatchesUpOnRestart() throws Exception {
    ProtocolAgent a = agent("a");
    ProtocolAgent b = agent("b");
    ProtocolAgent c = agent("c");
    commitFirstRelease(a, b, c);

    c.workspace.holdStaging = new CountDownLatch(1);
    c.workspace.stagingEntered = new CountDownLatch(1);
    coordinator.start("ro-2", "r2", "sha256:m2", List.of("a", "b", "c"), 60_000);
    awaitReports("ro-2", 2);
    assertThat(c.workspace.stagingEntered.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    c.close(); // killed mid-prepare: its session ends, its membership node goes
    agents.remove(c);
    await().atMost(WAIT).until(() -> !coordinator.liveAgents().contains("c"));

    // alive participants all prepared: the leader commits without c
    coordinator.commit("ro-2", List.of());
    for (ProtocolAgent x : List.of(a, b)) {
      await().atMost(WAIT).until(() -> "r2".equals(x.current()));
    }
    assertThat(Files.readSymbolicLink(tmp.resolve("c/current")).toString()).isEqualTo("releases/r1");

    ProtocolAgent c2 = agent("c"); // restart on the same directories
    assertThat(c2.readiness.check().ready()).isFalse();
    await().atMost(WAIT).until(() -> "r2".equals(c2.current()) && c2.readiness.check().ready());
    assertThat(Files.readString(tmp.resolve("c/current/b.txt"))).isEqualTo("b2");
    // a late joiner's catch-up is not counted as a switch of that rollout
    assertThat(coordinator.reports("ro-2")).doesNotContainKey("c");
  }

  @Test
  void excludedAgentIsNotReadyUntilItCatchesUp() throws Exception {
    ProtocolAgent a = agent("a");
    ProtocolAgent b = agent("b");
    commitFirstRelease(a, b);
    b.workspace.failStaging.add("r2");
    coordinator.start("ro-2", "r2", "sha256:m2", List.of("a", "b"), 60_000);
    awaitReports("ro-2", 2);
    coordinator.commit("ro-2", List.of("b")); // EXCLUDE policy
    await().atMost(WAIT).until(() -> "r2".equals(a.current()));
    await().atMost(WAIT).until(() -> !b.readiness.check().ready());
    assertThat(b.readiness.check().reason()).contains("excluded from the commit of r2");
    assertThat(b.current()).isEqualTo("r1");

    b.workspace.failStaging.clear(); // the operator freed disk space: the retry catches up
    await().atMost(Duration.ofSeconds(40)).until(() -> "r2".equals(b.current()) && b.readiness.check().ready());
  }

  @Test
  void prepareOfAnAbortedRolloutIsCancelledAndTheNextRolloutProceedsAtOnce() throws Exception {
    ProtocolAgent a = agent("a");
    commitFirstRelease(a);
    a.workspace.holdStaging = new CountDownLatch(1); // a download that would take until the deadline
    a.workspace.stagingEntered = new CountDownLatch(1);
    coordinator.start("ro-2", "r2", "sha256:m2", List.of("a"), 60_000);
    assertThat(a.workspace.stagingEntered.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    coordinator.abort("ro-2", "operator abort");
    a.workspace.holdStaging = null;

    coordinator.start("ro-3", "r3", "sha256:m3", List.of("a"), 60_000);
    await().atMost(Duration.ofSeconds(5)).until(() -> coordinator.reports("ro-3").containsKey("a"));
    assertThat(coordinator.reports("ro-2")).doesNotContainKey("a");
    coordinator.commit("ro-3", List.of());
    await().atMost(WAIT).until(() -> "r3".equals(a.current()));
  }

  @Test
  void zooKeeperLossKeepsServingUnderServeAndTurnsNotReadyUnderStrict() throws Exception {
    ProtocolAgent serve = agent("serve");
    ProtocolAgent strict = new ProtocolAgent("strict", zk.getConnectString(), tmp.resolve("strict"), origin,
        Duration.ofSeconds(2), ZkLossPolicy.STRICT).start();
    agents.add(strict);
    commitFirstRelease(serve, strict);
    assertThat(serve.meters.get("wpsync.agent.zk.connected").gauge().value()).isEqualTo(1.0);

    zk.stop();
    await().atMost(WAIT).until(() -> !serve.readiness.isZkConnected() && !strict.readiness.isZkConnected());
    assertThat(serve.meters.get("wpsync.agent.zk.connected").gauge().value()).isZero();
    await().atMost(WAIT).until(() -> !strict.readiness.check().ready());
    assertThat(strict.readiness.check().reason()).contains("ZooKeeper unreachable").contains("strict");
    assertThat(serve.readiness.check().ready()).isTrue();
    assertThat(serve.readiness.check().reason()).contains("serving the last committed release r1");
    assertThat(serve.current()).isEqualTo("r1");

    zk.restart();
    await().atMost(WAIT).until(() -> strict.readiness.check().ready() && serve.readiness.isZkConnected());
  }

  @Test
  void membershipComesBackAfterSessionExpiry() throws Exception {
    ProtocolAgent a = agent("a");
    commitFirstRelease(a);
    long before = coordinatorClient.checkExists().forPath(ZkPaths.agent("a")).getEphemeralOwner();
    a.client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    await().atMost(WAIT).until(() -> {
      var stat = coordinatorClient.checkExists().forPath(ZkPaths.agent("a"));
      return stat != null && stat.getEphemeralOwner() != before;
    });
    assertThat(membership("a").currentRelease()).isEqualTo("r1");
    // after a session loss the agent is back and still converges
    coordinator.start("ro-2", "r2", "sha256:m2", List.of("a"), 60_000);
    awaitReports("ro-2", 1);
    coordinator.commit("ro-2", List.of());
    await().atMost(WAIT).until(() -> "r2".equals(a.current()));
  }
}
