package io.wpsync.agent.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.agent.peer.PeerAuth;
import io.wpsync.agent.peer.PeerTestSupport;
import io.wpsync.agent.peer.TestRelease;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.store.FileContentStore;
import io.wpsync.core.wire.ClusterSecret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Swarm downloads between in-process agents over real loopback sockets. */
class SwarmFetchIT {
  private static final Logger LOG = LoggerFactory.getLogger(SwarmFetchIT.class);
  private static final int PS = 1 << 20;
  private static TestRelease release64;
  @TempDir Path dir;
  private final List<TestAgent> agents = new ArrayList<>();

  @BeforeAll
  static void release() throws Exception {
    // ~64 MiB: 400 small files (1 B..80 KB, ~15 MiB) and 4 files of 12 MiB (12 pieces each)
    release64 = TestRelease.generate(64, PS, 400, 80_000, 4, 12 * PS);
  }

  @AfterEach
  void closeAgents() throws Exception {
    for (TestAgent a : agents) {
      a.close();
    }
  }

  private TestAgent agent(String id, boolean origin) throws Exception {
    TestAgent a = TestAgent.start(dir, id, origin);
    agents.add(a);
    return a;
  }

  private List<PeerAddress> addresses() {
    return agents.stream().map(TestAgent::address).toList();
  }

  /** Runs every non-origin agent's fetch at once; returns their results in order. */
  private List<FetchResult> fetchAll(TestRelease release, List<TestAgent> fetchers) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(fetchers.size());
    try {
      List<Future<FetchResult>> futures = new ArrayList<>();
      for (TestAgent a : fetchers) {
        futures.add(pool.submit(() -> a.fetcher.fetch(release.id(), addresses(), FetchListener.NONE)));
      }
      List<FetchResult> out = new ArrayList<>();
      for (Future<FetchResult> f : futures) {
        out.add(f.get(4, TimeUnit.MINUTES));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void tenAgentsFetch64MiBFromOneOriginAndEachOther() throws Exception {
    TestAgent origin = agent("origin", true);
    release64.storeInto(origin.store);
    List<TestAgent> fetchers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      fetchers.add(agent("agent-" + i, false));
    }
    long t0 = System.nanoTime();
    List<FetchResult> results = fetchAll(release64, fetchers);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    long b = release64.objectBytes();
    for (TestAgent a : fetchers) {
      assertThat(release64.isCompleteIn(a.store)).as(a.id + " byte-identical").isTrue();
    }
    long fromPeers = results.stream().mapToLong(FetchResult::bytesFromPeers).sum();
    long originUpload = origin.server.uploadedBytes();
    double ratio = (double) originUpload / b;
    LOG.info("10 agents fetched {} bytes in {} ms; origin uploaded {} bytes = {}x the release; "
        + "peers supplied {} bytes", b, ms, originUpload, String.format("%.2f", ratio), fromPeers);
    System.out.printf("swarm-it agents=10 bytes=%d millis=%d origin_upload_ratio=%.2f%n", b, ms, ratio);
    assertThat(ratio).as("origin upload / release size").isLessThan(4.0);
    assertThat(fromPeers).as("peers served each other").isGreaterThan(5 * b);
    assertThat(results).allSatisfy(r -> assertThat(r.banned()).isEmpty());
    for (TestAgent a : fetchers) {
      assertThat(a.counter("wpsync.fetch.bytes", "source", "peer") + a.counter("wpsync.fetch.bytes", "source", "origin"))
          .isEqualTo((double) release64.objectBytes());
    }
  }

  @Test
  void aPeerServingCorruptPiecesIsBannedAndEveryoneStillCompletes() throws Exception {
    TestRelease release = TestRelease.generate(5, 256 * 1024, 60, 20_000, 3, 3 * 1024 * 1024);
    TestAgent origin = agent("origin", true);
    release.storeInto(origin.store);
    TestAgent evil = agent("evil", false);
    release.storeInto(evil.store);
    for (Digest d : release.objects.keySet()) { // flip a byte in every non-empty object it holds
      Path f = evil.store.objectPath(d);
      byte[] bytes = Files.readAllBytes(f);
      if (bytes.length > 0) {
        bytes[bytes.length / 2] ^= 0x5a;
        f.toFile().setWritable(true);
        Files.write(f, bytes);
      }
    }
    List<TestAgent> fetchers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      fetchers.add(agent("agent-" + i, false));
    }
    List<FetchResult> results = fetchAll(release, fetchers);
    double failures = 0;
    for (int i = 0; i < fetchers.size(); i++) {
      assertThat(release.isCompleteIn(fetchers.get(i).store)).isTrue();
      failures += fetchers.get(i).counter("wpsync.fetch.verification.failures");
      if (fetchers.get(i).counter("wpsync.fetch.verification.failures") > 0) {
        assertThat(results.get(i).banned()).containsExactly("evil");
      }
    }
    assertThat(failures).as("corrupt pieces detected").isGreaterThan(0);
    assertThat(results.stream().filter(r -> r.banned().contains("evil")).count()).isGreaterThan(0);
  }

  @Test
  void anInterruptedDownloadResumesWithoutRefetchingVerifiedPieces() throws Exception {
    TestAgent origin = agent("origin", true);
    release64.storeInto(origin.store);
    TestAgent victim = TestAgent.start(dir, "victim", false);
    AtomicInteger piecesBefore = new AtomicInteger();
    AtomicLong bytesBefore = new AtomicLong();
    List<PeerAddress> peers = List.of(origin.address());
    assertThatThrownBy(() -> victim.fetcher.fetch(release64.id(), peers, new FetchListener() {
      @Override
      public void onPiece(int done, int total, long bytes, boolean fromOrigin) {
        piecesBefore.incrementAndGet();
        bytesBefore.addAndGet(bytes);
        if (done >= total / 2) {
          Thread.currentThread().interrupt(); // the "kill": the download stops wherever it is
        }
      }
    })).isInstanceOf(InterruptedException.class);
    Thread.interrupted();
    victim.close(); // abrupt: partial objects stay as they are on disk

    TestAgent restarted = agent("victim", false);
    FetchResult second = restarted.fetcher.fetch(release64.id(), peers, FetchListener.NONE);
    assertThat(release64.isCompleteIn(restarted.store)).isTrue();
    long remaining = release64.objectBytes() - bytesBefore.get();
    LOG.info("before the kill: {} pieces, {} bytes; after restart fetched {} bytes of {} remaining",
        piecesBefore.get(), bytesBefore.get(), second.bytesFetched(), remaining);
    assertThat(second.piecesPresent()).isGreaterThanOrEqualTo(piecesBefore.get());
    assertThat(second.bytesFetched()).isLessThanOrEqualTo(remaining);
    assertThat(second.piecesFetched() + second.piecesPresent()).isEqualTo(second.pieceCount());
  }

  @Test
  void aClientWithoutTheSecretGetsNoContent() throws Exception {
    TestAgent origin = agent("origin", true);
    release64.storeInto(origin.store);
    PeerAuth wrong = new PeerAuth(PeerTestSupport.CLUSTER, "stranger",
        ClusterSecret.of("not-the-cluster-secret-0123456789abcdef"));
    TestAgent stranger = new TestAgent(dir, "stranger", false, wrong, Duration.ZERO,
        FetchConfig.defaults().withStallTimeout(Duration.ofSeconds(2)));
    agents.add(stranger);
    assertThatThrownBy(() -> stranger.fetcher.fetch(release64.id(), addresses(), FetchListener.NONE))
        .isInstanceOf(FetchException.class).hasMessageContaining("no peer reachable");
    assertThat(stranger.store.contains(release64.id())).isFalse();
    assertThat(origin.server.uploadedBytes()).isZero();
  }
}
