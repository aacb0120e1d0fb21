package io.wpsync.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import io.wpsync.faults.bed.Await;
import io.wpsync.faults.bed.Daemon;
import io.wpsync.faults.bed.FaultBed;
import io.wpsync.faults.bed.FaultBedExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 3: two agents are cut off the network (every packet dropped in the switch, the observer's
 * probes excepted) after they prepared and before the commit, so they miss it. Both keep serving
 * the last release. The one with the default policy ({@code serve}) stays ready while the
 * coordinator shows it behind; the one with {@code --zk-loss-policy strict} turns not-ready within
 * the grace. Both converge once the link heals.
 */
@ExtendWith(FaultBedExtension.class)
class PartitionIT {

  private static JsonNode agentIn(JsonNode rolloutStatus, String id) {
    for (JsonNode a : rolloutStatus.path("agents")) {
      if (id.equals(a.path("id").asText())) {
        return a;
      }
    }
    return null;
  }

  @Test
  void agentsPartitionedDuringCommitKeepServingAndConvergeAfterHealing(FaultBed bed) throws Exception {
    String test = "agentsPartitionedDuringCommit";
    Daemon slow = bed.agent(1);
    Daemon serve = bed.agent(2);
    Daemon strict = bed.agent(3);
    bed.restartWith(strict, Map.of("--zk-loss-policy", "strict"));
    bed.awaitConverged(Duration.ofSeconds(60));
    String before = bed.view().committedId();

    bed.network().shape(slow.host(), 3); // agent-1 prepares last, so the cut falls between prepare and commit
    String target = bed.publish(2, 1 << 20);
    String rollout = bed.startRollout(target);
    Await.until("agent-2 and agent-3 prepared", Duration.ofSeconds(60), Duration.ofMillis(20), () -> {
      Map<String, AgentReport> r = bed.view().reports(rollout);
      return r.containsKey(serve.id()) && r.containsKey(strict.id());
    }, () -> bed.view().reports(rollout).toString());
    long cutAt = System.currentTimeMillis();
    bed.network().cut(serve.host());
    bed.network().cut(strict.host());
    assertThat(bed.view().rollout(rollout).orElseThrow().state()).as("cut before the commit")
        .isEqualTo(RolloutState.PREPARING);

    RolloutInfo done = bed.awaitDecided(rollout, Duration.ofSeconds(FaultBed.DEADLINE_SECONDS + 30));
    assertThat(done.state()).as("reason: %s", done.reason()).isEqualTo(RolloutState.COMMITTED);
    long committedAt = done.decidedAt();
    bed.recovery().record(test, "cut -> commit (agent-1 prepared last)", committedAt - cutAt);

    long notReady = Await.until("the strict agent not ready", Duration.ofSeconds(30), Duration.ofMillis(100),
        () -> strict.probe("/readyz") == 503, () -> strict.get("/readyz").toString());
    long strictMs = System.currentTimeMillis() - cutAt;
    bed.recovery().record(test, "cut -> strict agent not ready (grace " + FaultBed.GRACE.toSeconds() + " s)", strictMs);
    assertThat(strictMs).as("not ready within the ZooKeeper detection time plus the grace")
        .isLessThanOrEqualTo(FaultBed.SESSION.toMillis() + FaultBed.GRACE.toMillis() + 3_000);

    // observe the partition for a while: both serve the old release; only the serve-policy agent is ready
    long until = System.currentTimeMillis() + 6_000;
    while (System.currentTimeMillis() < until) {
      assertThat(serve.status().path("current").asText()).isEqualTo(before);
      assertThat(strict.status().path("current").asText()).isEqualTo(before);
      assertThat(serve.probe("/readyz")).as("serve policy: stays ready while cut off").isEqualTo(200);
      assertThat(strict.probe("/readyz")).as("strict policy: not ready while cut off").isEqualTo(503);
      Thread.sleep(250);
    }
    assertThat(serve.metric("wpsync_agent_zk_connected")).isEqualTo(0.0);
    JsonNode status = bed.admin().rollout(rollout);
    for (Daemon cut : new Daemon[] {serve, strict}) {
      JsonNode a = agentIn(status, cut.id());
      assertThat(a).as("the coordinator lists %s in the rollout", cut.id()).isNotNull();
      assertThat(a.path("state").asText()).as("%s has not switched", cut.id()).isNotEqualTo("SWITCHED");
      assertThat(a.path("alive").asBoolean()).as("%s's session expired", cut.id()).isFalse();
    }
    int n = bed.agents().size();
    assertThat(status.path("switched").asInt()).as("every agent but the two cut off switched").isEqualTo(n - 2);
    System.out.printf("%s: coordinator shows %s%n", test, status.path("agents"));
    assertThat(notReady).isGreaterThanOrEqualTo(0);

    long healedAt = System.currentTimeMillis();
    bed.network().heal(serve.host());
    bed.network().heal(strict.host());
    Await.until("the cut agents on " + target + " and ready", Duration.ofSeconds(60), Duration.ofMillis(100),
        () -> bed.onRelease(serve, target) && bed.onRelease(strict, target), bed::describeAgents);
    bed.recovery().since(test, "heal -> both cut agents switched and ready", healedAt);
    Await.until("the coordinator sees every agent switched", Duration.ofSeconds(30), () ->
        bed.admin().rollout(rollout).path("switched").asInt() == n);
  }
}
