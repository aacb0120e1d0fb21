package io.wpsync.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import io.wpsync.faults.bed.Await;
import io.wpsync.faults.bed.Daemon;
import io.wpsync.faults.bed.FaultBed;
import io.wpsync.faults.bed.FaultBedExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 2: ZooKeeper servers SIGKILLed mid-rollout. One of three (the quorum leader, the worst
 * one): the rollout completes. Two of three: no quorum, so nothing can be decided; no agent
 * switches, every agent keeps serving and stays ready (default policy); when the servers return
 * the rollout resumes and is decided cleanly.
 */
@ExtendWith(FaultBedExtension.class)
class ZooKeeperLossIT {

  private static void slowPrepare(FaultBed bed) throws Exception {
    for (Daemon a : bed.agents()) {
      bed.network().shape(a.host(), 8);
    }
  }

  private static void awaitPreparing(FaultBed bed) throws InterruptedException {
    Await.until("an agent preparing", Duration.ofSeconds(30), () ->
        bed.view().agents().values().stream().anyMatch(a -> a.state().name().equals("PREPARING")));
  }

  @Test
  void oneServerKilledMidRolloutTheRolloutCompletes(FaultBed bed) throws Exception {
    String test = "oneZooKeeperServerKilled";
    slowPrepare(bed);
    String target = bed.publish(3, 1 << 20);
    String rollout = bed.startRollout(target);
    awaitPreparing(bed);
    int victim = bed.zk().leader().orElseThrow(() -> new AssertionError("no ZooKeeper leader"));
    long killedAt = System.currentTimeMillis();
    bed.zk().kill(victim);
    RolloutInfo done = bed.awaitDecided(rollout, Duration.ofSeconds(FaultBed.DEADLINE_SECONDS + 30));
    bed.recovery().since(test, "SIGKILL of the ZooKeeper quorum leader -> rollout committed", killedAt);
    assertThat(done.state()).as("reason: %s", done.reason()).isEqualTo(RolloutState.COMMITTED);
    bed.awaitConverged(Duration.ofSeconds(60));
    bed.recovery().since(test, "SIGKILL of the ZooKeeper quorum leader -> every agent switched", killedAt);
    assertThat(bed.zk().isRunning(victim)).isFalse();
  }

  @Test
  void quorumLostMidRolloutNothingSwitchesAndTheRolloutResumes(FaultBed bed) throws Exception {
    String test = "zooKeeperQuorumLost";
    String before = bed.view().committedId();
    slowPrepare(bed);
    String target = bed.publish(3, 1 << 20);
    String rollout = bed.startRollout(target);
    awaitPreparing(bed);
    int leader = bed.zk().leader().orElseThrow(() -> new AssertionError("no ZooKeeper leader"));
    List<Integer> victims = new ArrayList<>(List.of(leader, (leader + 1) % 3));
    long lostAt = System.currentTimeMillis();
    for (int v : victims) {
      bed.zk().kill(v);
    }

    // the outage: 12 s, longer than every session timeout; agents must keep serving, ready, unswitched
    long outageEnd = lostAt + 12_000;
    int samples = 0;
    while (System.currentTimeMillis() < outageEnd) {
      for (Daemon a : bed.agents()) {
        var s = a.status();
        assertThat(s.path("current").asText()).as("%s switched without a quorum", a.id()).isEqualTo(before);
        assertThat(a.probe("/readyz")).as("%s keeps serving and stays ready (policy serve)", a.id()).isEqualTo(200);
      }
      samples++;
      Thread.sleep(250);
    }
    for (Daemon a : bed.agents()) {
      assertThat(a.metric("wpsync_agent_zk_connected")).as("%s reports the lost ZooKeeper", a.id()).isEqualTo(0.0);
    }
    System.out.printf("%s: %d samples during the outage, every agent on %s and ready%n", test, samples, before);

    long backAt = System.currentTimeMillis();
    for (int v : victims) {
      bed.zk().start(v);
    }
    bed.zk().awaitQuorum(Duration.ofSeconds(60));
    bed.recovery().since(test, "ZooKeeper servers restarted -> quorum back", backAt);
    RolloutInfo done = bed.awaitDecided(rollout, Duration.ofSeconds(FaultBed.DEADLINE_SECONDS + 30));
    bed.recovery().since(test, "quorum restarted -> rollout decided (" + done.state() + ")", backAt);
    assertThat(done.decidedAt()).as("decided only once the quorum was back").isGreaterThanOrEqualTo(backAt - 1_000);
    if (done.state() == RolloutState.COMMITTED) {
      bed.awaitConverged(Duration.ofSeconds(60));
      bed.recovery().since(test, "quorum restarted -> every agent switched", backAt);
      assertThat(bed.view().committedId()).isEqualTo(target);
    } else {
      assertThat(bed.view().committedId()).isEqualTo(before);
      bed.awaitConverged(Duration.ofSeconds(60));
    }
    assertThat(bed.view().activeRollout()).isEmpty();
  }
}
