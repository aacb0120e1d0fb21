package io.wpsync.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import io.wpsync.faults.bed.Await;
import io.wpsync.faults.bed.Daemon;
import io.wpsync.faults.bed.FaultBed;
import io.wpsync.faults.bed.FaultBedExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 1: the leader coordinator is SIGKILLed mid-rollout. The standby must take over (new epoch),
 * decide the rollout from ZooKeeper alone, and every agent must end on that one committed release,
 * none ever on a release no rollout committed (the invariants check the latter after each test).
 */
@ExtendWith(FaultBedExtension.class)
class LeaderCrashIT {
  private static final Duration DECIDE = Duration.ofSeconds(FaultBed.DEADLINE_SECONDS + 30);

  private static Daemon other(FaultBed bed, Daemon c) {
    return bed.coordinators().stream().filter(d -> d != c).findFirst().orElseThrow();
  }

  private static long count(FaultBed bed, String rollout, AgentReport.State state) throws Exception {
    return bed.view().reports(rollout).values().stream().filter(r -> r.state() == state).count();
  }

  @Test
  void leaderKilledDuringPrepare(FaultBed bed) throws Exception {
    String test = "leaderKilledDuringPrepare";
    for (Daemon a : bed.agents()) {
      bed.network().shape(a.host(), 8); // 4 MiB at 8 Mbit/s: several seconds of prepare
    }
    String target = bed.publish(4, 1 << 20);
    Daemon leader = bed.awaitLeader(Duration.ofSeconds(30));
    Daemon standby = other(bed, leader);
    long epochBefore = bed.view().epoch().orElseThrow().epoch();
    String rollout = bed.startRollout(target);
    Await.until("an agent preparing " + target, Duration.ofSeconds(30), () ->
        bed.view().agents().values().stream().anyMatch(a -> a.state().name().equals("PREPARING")));
    assertThat(bed.view().rollout(rollout).orElseThrow().state()).isEqualTo(RolloutState.PREPARING);
    assertThat(count(bed, rollout, AgentReport.State.PREPARED)).as("nobody prepared yet").isLessThan(bed.agents().size());

    long killedAt = System.currentTimeMillis();
    leader.kill();
    Daemon next = bed.awaitLeader(Duration.ofSeconds(30));
    bed.recovery().since(test, "SIGKILL of the leader -> standby leads", killedAt);
    assertThat(next).isSameAs(standby);

    RolloutInfo done = bed.awaitDecided(rollout, DECIDE);
    bed.recovery().since(test, "SIGKILL of the leader -> rollout committed by the standby", killedAt);
    assertThat(done.state()).as("reason: %s", done.reason()).isEqualTo(RolloutState.COMMITTED);
    assertThat(done.epoch()).as("decided under the standby's newer epoch").isGreaterThan(epochBefore);
    assertThat(bed.view().committedId()).isEqualTo(target);
    bed.awaitConverged(Duration.ofSeconds(60));
    bed.recovery().since(test, "SIGKILL of the leader -> every agent switched and ready", killedAt);
    for (Daemon a : bed.agents()) {
      assertThat(a.status().path("current").asText()).as(a.id()).isEqualTo(target);
    }
  }

  /**
   * The leader dies at the commit point: every participant has prepared but the decision is not
   * written. As soon as all but one agent reported PREPARED, the leader's links to the ZooKeeper
   * servers are cut (it keeps serving its origin store to the agents, so their downloads are not
   * disturbed), so it cannot commit when the last report lands; then it is SIGKILLed. The standby
   * takes over once the old session expires, finds every participant prepared and commits.
   */
  @Test
  void leaderKilledWithTheCommitDecisionPending(FaultBed bed) throws Exception {
    String test = "leaderKilledWithTheCommitDecisionPending";
    bed.network().shape(bed.agent(1).host(), 40);
    bed.network().shape(bed.agent(2).host(), 40);
    bed.network().shape(bed.agent(3).host(), 8); // the last to prepare, ~2.5 s after the others (< session)
    String target = bed.publish(3, 1 << 20);
    Daemon leader = bed.awaitLeader(Duration.ofSeconds(30));
    Daemon standby = other(bed, leader);
    long epochBefore = bed.view().epoch().orElseThrow().epoch();
    String rollout = bed.startRollout(target);
    int n = bed.agents().size();
    Await.until(n - 1 + " agents prepared", Duration.ofSeconds(60), Duration.ofMillis(20),
        () -> count(bed, rollout, AgentReport.State.PREPARED) >= n - 1, () -> bed.view().reports(rollout).toString());
    for (int i = 0; i < bed.zk().size(); i++) {
      bed.network().cutBetween(leader.host(), bed.zk().host(i));
    }
    long isolatedAt = System.currentTimeMillis();
    assertThat(bed.view().rollout(rollout).orElseThrow().state())
        .as("the last agent had not prepared, so nothing was decided").isEqualTo(RolloutState.PREPARING);
    Await.until("the last agent prepared", Duration.ofSeconds(60), Duration.ofMillis(20),
        () -> count(bed, rollout, AgentReport.State.PREPARED) == n, () -> bed.view().reports(rollout).toString());
    long allPreparedAt = System.currentTimeMillis();
    assertThat(bed.view().rollout(rollout).orElseThrow().state())
        .as("every participant prepared, but the leader cannot write the decision").isEqualTo(RolloutState.PREPARING);
    long killedAt = System.currentTimeMillis();
    leader.kill();
    System.out.printf("%s: the last PREPARED landed %d ms after the leader lost ZooKeeper%n", test,
        allPreparedAt - isolatedAt);

    RolloutInfo done = bed.awaitDecided(rollout, DECIDE);
    bed.recovery().since(test, "SIGKILL of the leader (all prepared, decision pending) -> standby committed", killedAt);
    bed.recovery().record(test, "leader cut from ZooKeeper (then killed) -> standby committed",
        done.decidedAt() - isolatedAt);
    assertThat(done.state()).as("reason: %s", done.reason()).isEqualTo(RolloutState.COMMITTED);
    assertThat(done.epoch()).as("decided by the standby under a newer epoch").isGreaterThan(epochBefore);
    assertThat(bed.view().epoch().orElseThrow().leaderId()).isEqualTo(standby.id());
    bed.awaitConverged(Duration.ofSeconds(60));
    bed.recovery().since(test, "SIGKILL of the leader (all prepared) -> every agent switched", killedAt);
  }

  /**
   * A hung leader (SIGSTOP: its sockets stay open, it answers nothing, as in a long pause): the
   * standby takes over when its session expires and commits; downloads that had asked the hung
   * coordinator (an origin) for pieces wait for their attempt timeout, then finish elsewhere.
   */
  @Test
  void hungLeaderIsReplaced(FaultBed bed) throws Exception {
    String test = "hungLeaderIsReplaced";
    for (Daemon a : bed.agents()) {
      bed.network().shape(a.host(), 16);
    }
    String target = bed.publish(3, 1 << 20);
    Daemon leader = bed.awaitLeader(Duration.ofSeconds(30));
    Daemon standby = other(bed, leader);
    String rollout = bed.admin().startRollout(target, 45); // download attempts of 15 s (a third of it)
    Await.until("an agent preparing " + target, Duration.ofSeconds(30), () ->
        bed.view().agents().values().stream().anyMatch(a -> a.state().name().equals("PREPARING")));
    long frozenAt = System.currentTimeMillis();
    leader.process().orElseThrow().freeze();
    try {
      Await.until(standby.id() + " leading", Duration.ofSeconds(30), () ->
          bed.view().epoch().orElseThrow().leaderId().equals(standby.id()));
      bed.recovery().since(test, "SIGSTOP of the leader -> standby leads", frozenAt);
      RolloutInfo done = bed.awaitDecided(rollout, DECIDE);
      bed.recovery().since(test, "SIGSTOP of the leader -> rollout committed (downloads waited on the hung origin)",
          frozenAt);
      assertThat(done.state()).as("reason: %s", done.reason()).isEqualTo(RolloutState.COMMITTED);
      bed.awaitConverged(Duration.ofSeconds(60));
      bed.recovery().since(test, "SIGSTOP of the leader -> every agent switched", frozenAt);
    } finally {
      leader.kill();
    }
  }

  /**
   * The leader dies right after its commit transaction, while the agents switch: the decision
   * stands, every agent switches, and the standby finds nothing left to decide.
   */
  @Test
  void leaderKilledRightAfterTheCommit(FaultBed bed) throws Exception {
    String test = "leaderKilledRightAfterTheCommit";
    String before = bed.view().committedId();
    String target = bed.publish(2, 256 << 10);
    Daemon leader = bed.awaitLeader(Duration.ofSeconds(30));
    String rollout = bed.startRollout(target);
    Await.until("the commit of " + target, Duration.ofSeconds(60), Duration.ofMillis(5),
        () -> target.equals(bed.view().committedId()), () -> String.valueOf(bed.view().rollout(rollout)));
    long killedAt = System.currentTimeMillis();
    leader.kill();
    long switched = count(bed, rollout, AgentReport.State.SWITCHED);
    bed.awaitConverged(Duration.ofSeconds(60));
    bed.recovery().since(test, "SIGKILL of the leader just after commit -> every agent switched", killedAt);
    bed.awaitLeader(Duration.ofSeconds(30));
    bed.recovery().since(test, "SIGKILL of the leader just after commit -> standby leads", killedAt);
    assertThat(bed.view().rollout(rollout).orElseThrow().state()).isEqualTo(RolloutState.COMMITTED);
    assertThat(bed.view().activeRollout()).isEmpty();
    assertThat(before).isNotEqualTo(target);
    System.out.printf("%s: %d of %d agents had reported SWITCHED when the leader died%n", test, switched,
        bed.agents().size());
  }
}
