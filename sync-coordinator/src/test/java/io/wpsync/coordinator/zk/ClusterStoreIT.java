package io.wpsync.coordinator.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.coordinator.rollout.RolloutConflictException;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import io.wpsync.core.zk.ZkPaths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The decision transactions and the release history against a real ZooKeeper server. */
class ClusterStoreIT {
  private TestingServer zk;
  private CuratorFramework client;
  private ClusterStore store;
  private ReleaseStore releases;

  @BeforeEach
  void setUp() throws Exception {
    zk = new TestingServer(true);
    client = ZkClients.newClient(zk.getConnectString(), "it", Duration.ofSeconds(3));
    client.start();
    assertThat(client.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
    store = new ClusterStore(client);
    store.ensureLayout();
    releases = new ReleaseStore(client);
  }

  @AfterEach
  void tearDown() throws Exception {
    client.close();
    zk.close();
  }

  private ReleaseInfo release(String msg) throws Exception {
    return releases.publish(id -> new ReleaseInfo(id, "sha256:" + "b".repeat(64), 10, null, "it", msg,
        System.currentTimeMillis(), 10, 1, 1), 5_000);
  }

  private static RolloutInfo rollout(String id, String target, Fence f, String... participants) {
    long now = System.currentTimeMillis();
    return new RolloutInfo(id, target, "sha256:" + "b".repeat(64), null, false, List.of(participants),
        FailurePolicy.abort(), now, now + 60_000, RolloutState.PREPARING, null, List.of(), 0, f.epoch());
  }

  @Test
  void epochBumpsByCompareAndSetAndEachTermHasItsOwnFence() throws Exception {
    assertThat(store.epoch()).isEmpty();
    Fence a = store.bumpEpoch("coord-a", 1);
    Fence b = store.bumpEpoch("coord-b", 2);
    assertThat(a.epoch()).isEqualTo(1);
    assertThat(b.epoch()).isEqualTo(2);
    assertThat(b.epochVersion()).isNotEqualTo(a.epochVersion());
    assertThat(store.epoch().orElseThrow().value().leaderId()).isEqualTo("coord-b");
  }

  @Test
  void deposedLeadersCommitFailsAndChangesNothing() throws Exception {
    ReleaseInfo r1 = release("one");
    Fence a = store.bumpEpoch("coord-a", 1);
    RolloutInfo ro = rollout("ro-20260101-000000-0001", r1.id(), a, "agent-1");
    store.startRollout(a, ro);
    Versioned<RolloutInfo> read = store.rollout(ro.id()).orElseThrow();

    Fence b = store.bumpEpoch("coord-b", 2); // a is deposed (e.g. a long GC pause)

    RolloutInfo decidedByA = ro.decided(RolloutState.COMMITTED, null, List.of(), 5, a.epoch());
    assertThatThrownBy(() -> store.commit(a, read, decidedByA,
        new CommittedRelease(r1.id(), ro.targetManifestId(), ro.id(), a.epoch(), 5)))
        .isInstanceOf(FencedException.class)
        .hasMessageContaining("deposed");
    assertThat(store.committed()).isEmpty();
    assertThat(store.activeRolloutId()).contains(ro.id());
    assertThat(store.rollout(ro.id()).orElseThrow().value().state()).isEqualTo(RolloutState.PREPARING);

    // the new leader can decide
    RolloutInfo decidedByB = ro.decided(RolloutState.COMMITTED, null, List.of(), 6, b.epoch());
    store.commit(b, read, decidedByB, new CommittedRelease(r1.id(), ro.targetManifestId(), ro.id(), b.epoch(), 6));
    assertThat(store.committed().orElseThrow().value().releaseId()).isEqualTo(r1.id());
    assertThat(store.committed().orElseThrow().value().epoch()).isEqualTo(2);
    assertThat(store.activeRolloutId()).isEmpty();
    assertThat(store.rollout(ro.id()).orElseThrow().value().state()).isEqualTo(RolloutState.COMMITTED);
  }

  @Test
  void secondRolloutIsRefusedNamingTheActiveOne() throws Exception {
    ReleaseInfo r1 = release("one");
    Fence f = store.bumpEpoch("c", 1);
    store.startRollout(f, rollout("ro-20260101-000000-0001", r1.id(), f));
    assertThatThrownBy(() -> store.startRollout(f, rollout("ro-20260101-000000-0002", r1.id(), f)))
        .isInstanceOf(RolloutConflictException.class)
        .hasMessageContaining("ro-20260101-000000-0001");
    assertThat(store.rolloutIds()).containsExactly("ro-20260101-000000-0001");
  }

  @Test
  void startOfAMissingReleaseWritesNothing() throws Exception {
    Fence f = store.bumpEpoch("c", 1);
    assertThatThrownBy(() -> store.startRollout(f, rollout("ro-20260101-000000-0001", "r0000000042", f)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(store.activeRolloutId()).isEmpty();
    assertThat(store.rolloutIds()).isEmpty();
  }

  @Test
  void commitMovesThePointerAtomicallyAndAbortLeavesItAlone() throws Exception {
    ReleaseInfo r1 = release("one");
    ReleaseInfo r2 = release("two");
    Fence f = store.bumpEpoch("c", 1);
    RolloutInfo first = rollout("ro-20260101-000000-0001", r1.id(), f);
    store.startRollout(f, first);
    store.commit(f, store.rollout(first.id()).orElseThrow(),
        first.decided(RolloutState.COMMITTED, null, List.of(), 1, 1),
        new CommittedRelease(r1.id(), first.targetManifestId(), first.id(), 1, 1));
    Versioned<CommittedRelease> before = store.committed().orElseThrow();

    RolloutInfo second = rollout("ro-20260101-000000-0002", r2.id(), f);
    store.startRollout(f, second);
    store.abort(f, store.rollout(second.id()).orElseThrow(),
        second.decided(RolloutState.ABORTED, "agent x failed: disk full", List.of(), 2, 1));
    assertThat(store.committed().orElseThrow()).isEqualTo(before);
    assertThat(store.activeRolloutId()).isEmpty();
    RolloutInfo aborted = store.rollout(second.id()).orElseThrow().value();
    assertThat(aborted.state()).isEqualTo(RolloutState.ABORTED);
    assertThat(aborted.reason()).isEqualTo("agent x failed: disk full");
  }

  @Test
  void decisionOnAStaleRecordVersionIsRefused() throws Exception {
    ReleaseInfo r1 = release("one");
    Fence f = store.bumpEpoch("c", 1);
    RolloutInfo ro = rollout("ro-20260101-000000-0001", r1.id(), f);
    store.startRollout(f, ro);
    Versioned<RolloutInfo> stale = store.rollout(ro.id()).orElseThrow();
    store.abort(f, stale, ro.decided(RolloutState.ABORTED, "operator", List.of(), 1, 1));
    assertThatThrownBy(() -> store.commit(f, stale, ro.decided(RolloutState.COMMITTED, null, List.of(), 2, 1),
        new CommittedRelease(r1.id(), ro.targetManifestId(), ro.id(), 1, 2)))
        .isInstanceOf(ConcurrentDecisionException.class)
        .hasMessageContaining("ABORTED");
    assertThat(store.committed()).isEmpty();
  }

  @Test
  void releasesGetSequentialIdsRecordedInTheirOwnData() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<ReleaseInfo>> fs = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        int n = i;
        fs.add(pool.submit(() -> release("m" + n)));
      }
      List<String> ids = new ArrayList<>();
      for (Future<ReleaseInfo> f : fs) {
        ids.add(f.get(30, TimeUnit.SECONDS).id());
      }
      Collections.sort(ids);
      assertThat(Set.copyOf(ids)).hasSize(12);
      assertThat(ids.get(0)).isEqualTo("r0000000000");
      assertThat(ids.get(11)).isEqualTo("r0000000011");
      for (ReleaseInfo r : releases.releases()) {
        byte[] raw = client.getData().forPath(ZkPaths.release(r.id()));
        assertThat(io.wpsync.core.cluster.ClusterJson.read(raw, ReleaseInfo.class).id()).isEqualTo(r.id());
      }
      assertThat(releases.release("r0000000099")).isEmpty();
      assertThat(releases.release("../x")).isEmpty();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void pruningKeepsTheNewestAndNeverTheActiveRollout() throws Exception {
    ReleaseInfo r1 = release("one");
    Fence f = store.bumpEpoch("c", 1);
    for (int i = 1; i <= 5; i++) {
      RolloutInfo ro = rollout(String.format("ro-20260101-00000%d-0001", i), r1.id(), f);
      store.startRollout(f, ro);
      store.abort(f, store.rollout(ro.id()).orElseThrow(), ro.decided(RolloutState.ABORTED, "x", List.of(), 1, 1));
    }
    RolloutInfo active = rollout("ro-20250101-000000-0001", r1.id(), f); // sorts first: oldest id
    store.startRollout(f, active);
    assertThat(store.pruneRollouts(2)).isEqualTo(3);
    assertThat(store.rolloutIds()).containsExactly(active.id(), "ro-20260101-000004-0001", "ro-20260101-000005-0001");
  }
}
