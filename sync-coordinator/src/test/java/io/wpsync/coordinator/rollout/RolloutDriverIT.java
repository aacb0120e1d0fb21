package io.wpsync.coordinator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.wpsync.coordinator.ClusterAgents;
import io.wpsync.coordinator.ClusterAgents.Agent;
import io.wpsync.coordinator.CoordinatorNode;
import io.wpsync.coordinator.leader.NotLeaderException;
import io.wpsync.coordinator.release.NoSuchReleaseException;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rollout driver against a real ZooKeeper server, with agents simulated by their real znodes
 * (membership and reports), as the agent daemon writes them.
 */
class RolloutDriverIT {
  private static final String NET = "drv";
  private TestingServer zk;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    zk = new TestingServer(true);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    zk.close();
  }

  private CoordinatorNode leader(String id) throws Exception {
    CoordinatorNode n = new CoordinatorNode(zk.getConnectString(), NET, id, Duration.ofMinutes(1)).start();
    open.add(n);
    await().atMost(Duration.ofSeconds(20)).until(n.driver::isLeader);
    return n;
  }

  private Agent agent(String id) throws Exception {
    Agent a = ClusterAgents.join(zk.getConnectString(), NET, id);
    open.add(a);
    return a;
  }

  private static Optional<CommittedRelease> committed(CoordinatorNode n) throws Exception {
    return n.store.committed().map(v -> v.value());
  }

  private static RolloutInfo record(CoordinatorNode n, String id) throws Exception {
    return n.store.rollout(id).orElseThrow().value();
  }

  @Test
  void rolloutCommitsOnceEveryParticipantIsPrepared() throws Exception {
    CoordinatorNode c = leader("coord-1");
    Agent a = agent("agent-a");
    Agent b = agent("agent-b");
    ReleaseInfo r1 = c.publishRelease("one");

    RolloutStatus s = c.driver.start(RolloutRequest.of(r1.id()));
    assertThat(s.state()).isEqualTo(RolloutState.PREPARING);
    assertThat(s.participants()).containsExactly("agent-a", "agent-b");
    assertThat(s.agents()).extracting(RolloutStatus.AgentStatus::state).containsOnly("PENDING");
    assertThat(c.store.activeRolloutId()).contains(s.id());
    assertThat(s.id()).matches("ro-\\d{8}-\\d{6}-[0-9a-f]{4}");

    a.report(s.id(), AgentReport.State.PREPARED, null);
    Thread.sleep(300);
    assertThat(committed(c)).isEmpty(); // b still preparing
    b.report(s.id(), AgentReport.State.PREPARED, null);

    await().atMost(Duration.ofSeconds(10)).until(() -> committed(c).isPresent());
    assertThat(committed(c).orElseThrow().releaseId()).isEqualTo(r1.id());
    assertThat(committed(c).orElseThrow().rolloutId()).isEqualTo(s.id());
    assertThat(c.store.activeRolloutId()).isEmpty();
    assertThat(record(c, s.id()).state()).isEqualTo(RolloutState.COMMITTED);

    // agents switch: skew shows in status and as a metric
    a.report(s.id(), AgentReport.State.SWITCHED, null);
    Thread.sleep(20);
    b.report(s.id(), AgentReport.State.SWITCHED, null);
    RolloutStatus done = c.driver.status(s.id());
    assertThat(done.switched()).isEqualTo(2);
    assertThat(done.switchSkewMillis()).isNotNull().isGreaterThanOrEqualTo(0L);
    await().atMost(Duration.ofSeconds(10)).until(() ->
        c.meters.find("wpsync.rollout.switch.skew").timer() != null
            && c.meters.find("wpsync.rollout.switch.skew").timer().count() == 1);
    assertThat(c.meters.find("wpsync.rollouts").tag("outcome", "committed").counter().count()).isEqualTo(1.0);

    // rolling out the committed release again is refused
    assertThatThrownBy(() -> c.driver.start(RolloutRequest.of(r1.id())))
        .isInstanceOf(AlreadyCommittedException.class);
  }

  @Test
  void secondConcurrentRolloutIsRefusedNamingTheActiveOne() throws Exception {
    CoordinatorNode c = leader("coord-1");
    agent("agent-a");
    ReleaseInfo r1 = c.publishRelease("one");
    ReleaseInfo r2 = c.publishRelease("two");
    RolloutStatus first = c.driver.start(RolloutRequest.of(r1.id()));
    assertThatThrownBy(() -> c.driver.start(RolloutRequest.of(r2.id())))
        .isInstanceOf(RolloutConflictException.class)
        .hasMessageContaining(first.id());
    assertThat(c.store.rolloutIds()).containsExactly(first.id());
  }

  @Test
  void unknownReleaseIsRefused() throws Exception {
    CoordinatorNode c = leader("coord-1");
    assertThatThrownBy(() -> c.driver.start(RolloutRequest.of("r0000000077")))
        .isInstanceOf(NoSuchReleaseException.class);
    assertThat(c.store.activeRolloutId()).isEmpty();
  }

  @Test
  void failingAgentAbortsAndTheCommittedPointerStays() throws Exception {
    CoordinatorNode c = leader("coord-1");
    Agent a = agent("agent-a");
    Agent b = agent("agent-b");
    ReleaseInfo r1 = c.publishRelease("one");
    ReleaseInfo r2 = c.publishRelease("two");
    RolloutStatus first = c.driver.start(RolloutRequest.of(r1.id()));
    a.report(first.id(), AgentReport.State.PREPARED, null);
    b.report(first.id(), AgentReport.State.PREPARED, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> committed(c).isPresent());
    CommittedRelease before = committed(c).orElseThrow();

    RolloutStatus second = c.driver.start(RolloutRequest.of(r2.id()));
    a.report(second.id(), AgentReport.State.PREPARED, null);
    b.report(second.id(), AgentReport.State.FAILED, "disk full: 0 bytes free under /data");
    await().atMost(Duration.ofSeconds(10)).until(() -> record(c, second.id()).state() == RolloutState.ABORTED);
    assertThat(record(c, second.id()).reason()).isEqualTo("agent agent-b failed: disk full: 0 bytes free under /data");
    assertThat(committed(c)).contains(before);
    assertThat(c.store.activeRolloutId()).isEmpty();
    RolloutStatus view = c.driver.status(second.id());
    assertThat(view.agents()).filteredOn(x -> x.id().equals("agent-b"))
        .extracting(RolloutStatus.AgentStatus::reason).containsExactly("disk full: 0 bytes free under /data");
  }

  @Test
  void deadlineAbortsNamingWhoIsNotPrepared() throws Exception {
    CoordinatorNode c = leader("coord-1");
    Agent a = agent("agent-a");
    agent("agent-b");
    ReleaseInfo r1 = c.publishRelease("one");
    RolloutStatus s = c.driver.start(new RolloutRequest(r1.id(), Duration.ofSeconds(2), null, false));
    a.report(s.id(), AgentReport.State.PREPARED, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> record(c, s.id()).state() == RolloutState.ABORTED);
    assertThat(record(c, s.id()).reason()).isEqualTo("deadline passed; not prepared: agent-b");
    assertThat(record(c, s.id()).decidedAt()).isGreaterThanOrEqualTo(s.deadline());
    assertThat(committed(c)).isEmpty();
  }

  @Test
  void participantThatDiesDuringPrepareIsDropped() throws Exception {
    CoordinatorNode c = leader("coord-1");
    Agent a = agent("agent-a");
    Agent b = agent("agent-b");
    ReleaseInfo r1 = c.publishRelease("one");
    RolloutStatus s = c.driver.start(RolloutRequest.of(r1.id()));
    a.report(s.id(), AgentReport.State.PREPARED, null);
    b.close(); // dies: its ephemeral membership goes with its session
    await().atMost(Duration.ofSeconds(10)).until(() -> committed(c).isPresent());
    assertThat(record(c, s.id()).participants()).containsExactly("agent-a", "agent-b");
    assertThat(record(c, s.id()).excluded()).isEmpty();
  }

  @Test
  void excludePolicyCommitsWithoutTheFailedAgentWithinItsShare() throws Exception {
    CoordinatorNode c = leader("coord-1");
    List<Agent> agents = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      agents.add(agent("agent-" + i));
    }
    ReleaseInfo r1 = c.publishRelease("one");
    RolloutStatus s = c.driver.start(new RolloutRequest(r1.id(), null, FailurePolicy.exclude(0.25), false));
    for (int i = 0; i < 3; i++) {
      agents.get(i).report(s.id(), AgentReport.State.PREPARED, null);
    }
    agents.get(3).report(s.id(), AgentReport.State.FAILED, "verify sha256:ab12: got cd34");
    await().atMost(Duration.ofSeconds(10)).until(() -> committed(c).isPresent());
    RolloutInfo r = record(c, s.id());
    assertThat(r.excluded()).containsExactly("agent-3");
    assertThat(r.reason()).contains("committed without agent-3");
    assertThat(c.driver.status(s.id()).agents()).filteredOn(RolloutStatus.AgentStatus::excluded)
        .extracting(RolloutStatus.AgentStatus::id).containsExactly("agent-3");
  }

  @Test
  void operatorAbortAndRollbackToThePreviousRelease() throws Exception {
    CoordinatorNode c = leader("coord-1");
    Agent a = agent("agent-a");
    ReleaseInfo r1 = c.publishRelease("one");
    ReleaseInfo r2 = c.publishRelease("two");
    ReleaseInfo r3 = c.publishRelease("three");
    assertThatThrownBy(() -> c.driver.rollback(Optional.empty(), null)).isInstanceOf(NoRollbackTargetException.class);

    for (ReleaseInfo r : List.of(r1, r2)) {
      RolloutStatus s = c.driver.start(RolloutRequest.of(r.id()));
      a.report(s.id(), AgentReport.State.PREPARED, null);
      await().atMost(Duration.ofSeconds(10)).until(() -> committed(c).map(x -> x.releaseId().equals(r.id())).orElse(false));
    }
    RolloutStatus third = c.driver.start(RolloutRequest.of(r3.id()));
    RolloutStatus aborted = c.driver.abort(third.id(), "aborted by an operator");
    assertThat(aborted.state()).isEqualTo(RolloutState.ABORTED);
    assertThat(aborted.reason()).isEqualTo("aborted by an operator");
    assertThatThrownBy(() -> c.driver.abort(third.id(), "again")).isInstanceOf(RolloutDecidedException.class);
    assertThatThrownBy(() -> c.driver.abort("ro-19990101-000000-0000", "x")).isInstanceOf(NoSuchRolloutException.class);
    assertThat(committed(c).orElseThrow().releaseId()).isEqualTo(r2.id());

    RolloutStatus back = c.driver.rollback(Optional.empty(), null);
    assertThat(back.rollback()).isTrue();
    assertThat(back.target()).isEqualTo(r1.id());
    assertThat(back.previous()).isEqualTo(r2.id());
    a.report(back.id(), AgentReport.State.PREPARED, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> committed(c).map(x -> x.releaseId().equals(r1.id())).orElse(false));
    assertThat(c.driver.recent(10)).extracting(RolloutInfo::id).first().isEqualTo(back.id());
  }

  @Test
  void fencedDecisionMakesTheLeaderStandDownAndDecideAgainUnderANewerEpoch() throws Exception {
    CoordinatorNode c = leader("coord-1");
    Agent a = agent("agent-a");
    ReleaseInfo r1 = c.publishRelease("one");
    RolloutStatus s = c.driver.start(RolloutRequest.of(r1.id()));
    // another coordinator takes a newer epoch behind this leader's back (as a new leader would)
    long intruder = c.store.bumpEpoch("coord-intruder", System.currentTimeMillis()).epoch();
    a.report(s.id(), AgentReport.State.PREPARED, null);
    // the commit with the old fence fails; the leader stands down, re-enters the election, wins
    // (it is alone), takes a newer epoch and commits under it
    await().atMost(Duration.ofSeconds(20)).until(() -> committed(c).isPresent());
    assertThat(committed(c).orElseThrow().epoch()).isGreaterThan(intruder);
    assertThat(record(c, s.id()).epoch()).isGreaterThan(intruder);
    assertThat(c.leadership.fence().orElseThrow().epoch()).isGreaterThan(intruder);
  }

  @Test
  void standbyRefusesToStartRollouts() throws Exception {
    CoordinatorNode c = leader("coord-1");
    CoordinatorNode standby = new CoordinatorNode(zk.getConnectString(), NET, "coord-2", Duration.ofMinutes(1)).start();
    open.add(standby);
    ReleaseInfo r1 = c.publishRelease("one");
    Thread.sleep(500);
    assertThat(standby.driver.isLeader()).isFalse();
    assertThatThrownBy(() -> standby.driver.start(RolloutRequest.of(r1.id()))).isInstanceOf(NotLeaderException.class);
    assertThat(c.store.activeRolloutId()).isEmpty();
  }
}
