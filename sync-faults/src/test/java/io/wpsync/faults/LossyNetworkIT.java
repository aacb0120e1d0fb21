package io.wpsync.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import io.wpsync.faults.bed.FaultBed;
import io.wpsync.faults.bed.FaultBedExtension;
import io.wpsync.faults.bed.Host;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 7: every link capped at 20 Mbit/s, then also lossy (each host's switch port drops {@value
 * #LOSS_PERCENT}% of the packets it sends, ZooKeeper and coordinators included). The same rollout
 * (3 MiB of new content to every agent) is timed on the capped network, then on the capped and
 * lossy one: it must still commit and converge, only slower.
 */
@ExtendWith(FaultBedExtension.class)
class LossyNetworkIT {
  static final int LOSS_PERCENT = 7;
  private static final int MBIT = 20;

  private static long timedRollout(FaultBed bed, String release) throws Exception {
    long t0 = System.currentTimeMillis();
    String rollout = bed.startRollout(release);
    RolloutInfo done = bed.awaitDecided(rollout, Duration.ofSeconds(FaultBed.DEADLINE_SECONDS + 30));
    assertThat(done.state()).as("reason: %s", done.reason()).isEqualTo(RolloutState.COMMITTED);
    bed.awaitConverged(Duration.ofSeconds(120));
    return System.currentTimeMillis() - t0;
  }

  @Test
  void rolloutCompletesOnLossyRateCappedLinksOnlySlower(FaultBed bed) throws Exception {
    String test = "lossyRateCappedLinks";
    String clean = bed.publish(6, 512 << 10);
    String lossy = bed.publish(6, 512 << 10);
    for (Host h : bed.network().hosts()) {
      if (!h.name().equals("observer")) {
        bed.network().shape(h, MBIT);
      }
    }
    long capped = timedRollout(bed, clean);
    bed.recovery().record(test, "rollout of 3 MiB, links capped at " + MBIT + " Mbit/s (baseline)", capped);

    for (Host h : bed.network().hosts()) {
      if (!h.name().equals("observer")) {
        bed.network().lossy(h, LOSS_PERCENT);
      }
    }
    long withLoss = timedRollout(bed, lossy);
    bed.recovery().record(test, "rollout of 3 MiB, capped at " + MBIT + " Mbit/s and " + LOSS_PERCENT
        + "% packet loss on every link", withLoss);
    System.out.printf("%s: %d ms capped, %d ms capped and lossy (x%.1f)%n", test, capped, withLoss,
        withLoss / (double) Math.max(1, capped));
    assertThat(bed.view().committedId()).isEqualTo(lossy);
  }
}
