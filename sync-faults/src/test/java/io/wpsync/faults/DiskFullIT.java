package io.wpsync.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import io.wpsync.faults.bed.Await;
import io.wpsync.faults.bed.Daemon;
import io.wpsync.faults.bed.FaultBed;
import io.wpsync.faults.bed.FaultBedExtension;
import io.wpsync.faults.bed.StoreFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 6: an agent's disk fills during prepare. The agent runs with its data and release
 * directories on a small tmpfs (room for the committed release and little more); the next
 * release does not fit. Its prepare must fail with a reason naming the full disk, the rollout
 * must abort (nothing switches anywhere), and its {@code current}, its releases and its store must
 * stay intact.
 */
@ExtendWith(FaultBedExtension.class)
class DiskFullIT {

  @Test
  void diskFullDuringPrepareAbortsTheRolloutAndKeepsTheAgentIntact(FaultBed bed) throws Exception {
    String test = "diskFullDuringPrepare";
    Daemon victim = bed.agent(3);
    String committed = bed.view().committedId();
    ReleaseInfo current = bed.view().release(committed).orElseThrow();
    long size = current.totalBytes() + (3 << 20);
    Path disk = bed.mountTmpfs(bed.dir().resolve("agent-3-disk"), size);
    bed.restartWith(victim, Map.of("--data", disk.resolve("data").toString(), "--root", disk.resolve("root").toString()));
    Await.until(victim.id() + " on its small disk, caught up", Duration.ofSeconds(60), Duration.ofMillis(100),
        () -> bed.onRelease(victim, committed), bed::describeAgents);
    TreeSet<String> storeBefore = objects(victim.storeDir());
    List<String> releasesBefore = releaseDirs(victim.rootDir());

    String target = bed.publish(6, 1 << 20); // 6 MiB of new content: cannot fit
    long startedAt = System.currentTimeMillis();
    String rollout = bed.startRollout(target);
    RolloutInfo done = bed.awaitDecided(rollout, Duration.ofSeconds(FaultBed.DEADLINE_SECONDS + 30));
    bed.recovery().since(test, "rollout start -> aborted (agent disk full)", startedAt);
    assertThat(done.state()).isEqualTo(RolloutState.ABORTED);
    assertThat(done.decidedAt() - done.createdAt()).as("aborted as soon as the agent failed, not at the deadline")
        .isLessThan(FaultBed.DEADLINE_SECONDS * 1000L / 3);
    assertThat(done.reason()).as("the reason names the agent and the full disk")
        .contains(victim.id()).containsIgnoringCase("disk full").containsIgnoringCase("no space left on device");
    System.out.printf("%s: rollout aborted: %s%n", test, done.reason());
    assertThat(bed.view().committedId()).isEqualTo(committed);

    for (Daemon a : bed.agents()) {
      assertThat(a.status().path("current").asText()).as("%s did not switch", a.id()).isEqualTo(committed);
    }
    assertThat(Files.readSymbolicLink(victim.rootDir().resolve("current")).toString())
        .isEqualTo("releases/" + committed);
    assertThat(StoreFiles.corruptObjects(victim.storeDir())).as("the store's objects match their digests").isEmpty();
    assertThat(objects(victim.storeDir())).as("nothing of the store was lost").containsAll(storeBefore);
    Await.until("the staged leftovers discarded", Duration.ofSeconds(30), () ->
        releaseDirs(victim.rootDir()).equals(releasesBefore), () -> releaseDirs(victim.rootDir()).toString());
    assertThat(bed.onRelease(victim, committed)).as("the agent still serves and is ready").isTrue();
  }

  private static TreeSet<String> objects(Path store) throws Exception {
    try (Stream<Path> s = Files.walk(store.resolve("objects"), 2)) {
      TreeSet<String> out = new TreeSet<>();
      s.filter(Files::isRegularFile).forEach(p -> out.add(p.getParent().getFileName() + "" + p.getFileName()));
      return out;
    }
  }

  private static List<String> releaseDirs(Path root) throws Exception {
    try (Stream<Path> s = Files.list(root.resolve("releases"))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".meta")).sorted().toList();
    }
  }
}
