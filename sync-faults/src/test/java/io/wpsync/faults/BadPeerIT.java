package io.wpsync.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import io.wpsync.faults.bed.Daemon;
import io.wpsync.faults.bed.FaultBed;
import io.wpsync.faults.bed.FaultBedExtension;
import io.wpsync.faults.peer.BadPeer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 5: two bad peers join before a rollout, each announcing that it holds the target (so the
 * agents rank them first as sources) and voting PREPARED: one serves every piece corrupted, the
 * other serves two pieces and then hangs mid-transfer. Each runs the real peer server over a real
 * store seen through a fault ({@code MisbehavingStore}). The agents must finish their downloads
 * from the good sources within the rollout's deadline, ban the corrupting peer and count what it
 * sent ({@code wpsync_fetch_verification_failures_total}).
 */
@ExtendWith(FaultBedExtension.class)
class BadPeerIT {
  private static final int DEADLINE_SECONDS = 45;

  @Test
  void corruptingAndStallingPeersAreRoutedAroundWithinTheDeadline(FaultBed bed) throws Exception {
    String test = "corruptingAndStallingPeers";
    String target = bed.publish(12, 512 << 10);
    BadPeer corrupt = bed.closeOnRestore(BadPeer.start(bed, bed.extraHost("bad-corrupt"), "bad-corrupt", target,
        "corrupt", 0));
    BadPeer stall = bed.closeOnRestore(BadPeer.start(bed, bed.extraHost("bad-stall"), "bad-stall", target,
        "stall", 2));
    double failuresBefore = 0;
    for (Daemon a : bed.agents()) {
      failuresBefore += a.metric("wpsync_fetch_verification_failures_total");
    }

    long startedAt = System.currentTimeMillis();
    String rollout = bed.admin().startRollout(target, DEADLINE_SECONDS);
    assertThat(bed.view().rollout(rollout).orElseThrow().participants()).contains("bad-corrupt", "bad-stall");
    RolloutInfo done = bed.awaitDecided(rollout, Duration.ofSeconds(DEADLINE_SECONDS + 30));
    bed.recovery().since(test, "rollout with a corrupting and a stalling source -> committed", startedAt);
    assertThat(done.state()).as("reason: %s", done.reason()).isEqualTo(RolloutState.COMMITTED);
    assertThat(done.decidedAt()).as("within the deadline").isLessThan(done.deadline());
    bed.awaitConverged(Duration.ofSeconds(60));
    bed.recovery().since(test, "rollout with a corrupting and a stalling source -> every agent switched", startedAt);

    double failures = -failuresBefore;
    int banned = 0;
    for (Daemon a : bed.agents()) {
      failures += a.metric("wpsync_fetch_verification_failures_total");
      if (a.logContains("banning peer bad-corrupt")) {
        banned++;
      }
    }
    String stallLog = stall.process().logSinceStart();
    System.out.printf("%s: %.0f corrupt pieces caught, bad-corrupt banned by %d agents, stalling peer %s%n", test,
        failures, banned, stallLog.contains("stalling on piece") ? "hung on a request" : "was never asked past its 2 pieces");
    assertThat(failures).as("corrupt pieces counted by the agents").isGreaterThanOrEqualTo(1);
    assertThat(banned).as("agents that banned the corrupting peer").isGreaterThanOrEqualTo(1);
    assertThat(corrupt.process().isAlive()).isTrue();
    assertThat(stallLog).as("the stalling peer did hang on a request (else this test proved nothing)")
        .contains("stalling on piece");
  }
}
