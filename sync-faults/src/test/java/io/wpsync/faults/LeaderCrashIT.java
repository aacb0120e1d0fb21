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
   * written. It is frozen (SIGSTOP) as soon as all but one agent reported PREPARED, so it cannot
   * commit when the last report lands, then SIGKILLed; the standby must commit.
   */
  @Test
  void leaderKilledWithTheCommitDecisionPending(FaultBed bed) throws Exception {
    String test = "leaderKilledWithTheCommitDecisionPending";
    bed.network().shape(bed.agent(1).host(), 40);
    bed.network().shape(bed.agent(2).host(), 40);
    bed.network().shape(bed.agent(3).host(), 3); // the last to prepare, by a few seconds
    String target = bed.publish(3, 1 << 20);
    Daemon leader = bed.awaitLeader(Duration.ofSeconds(30));
    Daemon standby = other(bed, leader);
    long epochBefore = bed.view().epoch().orElseThrow().epoch();
    String rollout = bed.startRollout(target);
    int n = bed.agents().size();
    Await.until(n - 1 + " agents prepared", Duration.ofSeconds(60), Duration.ofMillis(20),
        () -> count(bed, rollout, AgentReport.State.PREPARED) >= n - 1, () -> bed.view().reports(rollout).toString());
    leader.process().orElseThrow().freeze();
    assertThat(bed.view().rollout(rollout).orElseThrow().state())
        .as("the last agent had not prepared, so nothing was decided").isEqualTo(RolloutState.PREPARING);
    Await.until("the last agent prepared", Duration.ofSeconds(60), Duration.ofMillis(50),
        () -> count(bed, rollout, AgentReport.State.PREPARED) == n, () -> bed.view().reports(rollout).toString());
    assertThat(bed.view().rollout(rollout).orElseThrow().state()).as("the frozen leader decides nothing")
        .isEqualTo(RolloutState.PREPARING);
    long killedAt = System.currentTimeMillis();
    leader.kill();

    RolloutInfo done = bed.awaitDecided(rollout, DECIDE);
    bed.recovery().since(test, "SIGKILL of the leader (all prepared) -> standby committed", killedAt);
    assertThat(done.state()).as("reason: %s", done.reason()).isEqualTo(RolloutState.COMMITTED);
    assertThat(done.epoch()).isGreaterThan(epochBefore);
    assertThat(bed.view().epoch().orElseThrow().leaderId()).isEqualTo(standby.id());
    bed.awaitConverged(Duration.ofSeconds(60));
    bed.recovery().since(test, "SIGKILL of the leader (all prepared) -> every agent switched", killedAt);
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
