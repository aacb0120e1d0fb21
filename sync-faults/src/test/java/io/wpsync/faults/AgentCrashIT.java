package io.wpsync.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
 * Fault 4: an agent SIGKILLed in the middle of its download, then restarted. The rollout commits
 * without it (a dead participant is dropped); on restart it catches up, and its download resumes:
 * the pieces it had verified before the crash are not fetched again (its fetch counters after the
 * restart cover only the rest).
 */
@ExtendWith(FaultBedExtension.class)
class AgentCrashIT {

  @Test
  void agentKilledMidDownloadResumesWithoutRefetchingVerifiedPieces(FaultBed bed) throws Exception {
    String test = "agentKilledMidDownload";
    Daemon victim = bed.agent(3);
    bed.network().shape(victim.host(), 12);
    // 6 files of 1 MiB (one piece each) and one of 9 MiB (three pieces: 4 + 4 + 1 MiB, assembled as a
    // partial object whose verified pieces must survive the crash): 15 MiB, about 10 s at 12 Mbit/s
    String release = bed.publish(6, 1 << 20, 9 << 20);
    String rollout = bed.startRollout(release);

    JsonNode[] progress = new JsonNode[1];
    Await.until(victim.id() + " past 40% of its download", Duration.ofSeconds(60), Duration.ofMillis(50), () -> {
      JsonNode p = victim.status().path("progress");
      progress[0] = p;
      long total = p.path("piecesTotal").asLong();
      return release.equals(p.path("release").asText()) && total > 0 && p.path("piecesDone").asLong() * 10 >= total * 4;
    }, () -> String.valueOf(progress[0]));
    long doneBefore = progress[0].path("piecesDone").asLong();
    long total = progress[0].path("piecesTotal").asLong();
    long killedAt = System.currentTimeMillis();
    victim.kill();
    assertThat(doneBefore).as("pieces verified before the crash").isBetween(1L, total - 1);

    RolloutInfo done = bed.awaitDecided(rollout, Duration.ofSeconds(FaultBed.DEADLINE_SECONDS + 30));
    bed.recovery().since(test, "SIGKILL of an agent mid-download -> rollout committed without it", killedAt);
    assertThat(done.state()).as("reason: %s", done.reason()).isEqualTo(RolloutState.COMMITTED);

    long restartAt = System.currentTimeMillis();
    victim.start();
    victim.awaitHealthy(Duration.ofSeconds(60));
    Await.until(victim.id() + " caught up on " + release, Duration.ofSeconds(90), Duration.ofMillis(100),
        () -> bed.onRelease(victim, release), bed::describeAgents);
    bed.recovery().since(test, "restart -> agent caught up and ready", restartAt);
    bed.recovery().since(test, "SIGKILL -> agent caught up and ready", killedAt);

    double fetchedAfter = victim.metric("wpsync_fetch_pieces_total");
    System.out.printf("%s: %d of %d pieces verified before the crash, %.0f fetched after the restart%n", test,
        doneBefore, total, fetchedAfter);
    assertThat(fetchedAfter).as("pieces fetched after the restart").isGreaterThan(0)
        .isLessThanOrEqualTo(total - doneBefore);
    victim.process().orElseThrow().logSinceStart().lines().filter(l -> l.contains("staged " + release))
        .forEach(l -> System.out.println(test + ": " + l.substring(l.indexOf("staged"))));
  }
}
