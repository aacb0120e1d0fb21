package io.wpsync.coordinator.release;

import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.ReleaseStore;
import io.wpsync.coordinator.zk.TreeWatch;
import io.wpsync.core.cluster.CoordinatorInfo;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.store.ContentStore;
import io.wpsync.core.zk.ZkPaths;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this coordinator's origin store a full replica: whenever {@code /release-copies} lists a
 * manifest this store does not hold, it fetches the manifest and its objects from the live
 * coordinators that do ({@link ReleaseFetcher}, peer-to-peer), then adds itself as a holder. This
 * is what lets a release be published with two copies and survive the loss of the coordinator that
 * received it. One download at a time, on its own thread; a failed one is retried with backoff.
 */
public final class ReleaseReplicator implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(ReleaseReplicator.class);
  private static final long RESCAN_MILLIS = 30_000;
  private static final long MAX_BACKOFF_MILLIS = 5 * 60_000;

  private enum State { LATENT, STARTED, CLOSED }

  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private final ReleaseStore releases;
  private final ClusterStore cluster;
  private final ContentStore store;
  private final ReleaseFetcher fetcher;
  private final String coordinatorId;
  private final ScheduledExecutorService thread;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final Map<String, Long> retryAt = new HashMap<>();
  private final Map<String, Long> backoff = new HashMap<>();
  private TreeWatch watch;

  public ReleaseReplicator(ReleaseStore releases, ClusterStore cluster, ContentStore store, ReleaseFetcher fetcher,
      String coordinatorId) {
    this.releases = Objects.requireNonNull(releases, "releases");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.store = Objects.requireNonNull(store, "store");
    this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
    this.coordinatorId = ZkPaths.checkId("coordinator id", coordinatorId);
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "release-replicator");
      t.setDaemon(true);
      return t;
    });
  }

  public void start() {
    if (!state.compareAndSet(State.LATENT, State.STARTED)) {
      throw new IllegalStateException("cannot start a replicator that is " + state.get());
    }
    watch = new TreeWatch(cluster.client(), ZkPaths.RELEASE_COPIES, this::scanSoon).start();
    thread.scheduleWithFixedDelay(this::scanSoon, RESCAN_MILLIS, RESCAN_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void scanSoon() {
    if (state.get() == State.STARTED && pending.compareAndSet(false, true)) {
      try {
        thread.execute(() -> {
          pending.set(false);
          scan();
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        pending.set(false);
      }
    }
  }

  private void scan() {
    try {
      for (String hex : releases.copyManifests()) {
        if (state.get() != State.STARTED) {
          return;
        }
        List<String> holders = releases.copyHolders(hex);
        if (holders.contains(coordinatorId) || System.currentTimeMillis() < retryAt.getOrDefault(hex, 0L)) {
          continue;
        }
        replicate(hex, holders);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("scanning /release-copies failed: {}", e.toString());
    }
  }

  private void replicate(String hex, List<String> holders) throws Exception {
    Digest manifestId;
    try {
      manifestId = Digest.parse(hex);
    } catch (IllegalArgumentException e) {
      return; // not a manifest entry
    }
    Map<String, CoordinatorInfo> live = cluster.coordinators();
    List<PeerAddress> sources = new ArrayList<>();
    for (String h : holders) {
      CoordinatorInfo c = live.get(h);
      if (c != null && c.p2pHost() != null && c.p2pPort() > 0) {
        sources.add(new PeerAddress(c.id(), c.p2pHost(), c.p2pPort(), true, null));
      }
    }
    if (sources.isEmpty()) {
      failed(hex, "no live coordinator holds it (holders: " + holders + ")");
      return;
    }
    long start = System.nanoTime();
    try {
      fetcher.fetch(manifestId, sources);
    } catch (java.io.IOException e) {
      failed(hex, e.getMessage());
      return;
    }
    if (!store.contains(manifestId)) {
      failed(hex, "the fetch returned but the manifest is not in the store");
      return;
    }
    releases.addCopy(hex, coordinatorId);
    retryAt.remove(hex);
    backoff.remove(hex);
    log.info("replicated release manifest {} from {} in {} ms", manifestId.shortHex(12), sources,
        (System.nanoTime() - start) / 1_000_000);
  }

  private void failed(String hex, String why) {
    long b = Math.min(MAX_BACKOFF_MILLIS, backoff.getOrDefault(hex, 1000L) * 2);
    backoff.put(hex, b);
    retryAt.put(hex, System.currentTimeMillis() + b);
    log.warn("cannot replicate release manifest {} yet: {}; retrying in {} s", hex.substring(0, 12), why, b / 1000);
    thread.schedule(this::scanSoon, b, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) != State.STARTED) {
      thread.shutdownNow();
      return;
    }
    if (watch != null) {
      watch.close();
    }
    thread.shutdownNow(); // interrupts a running download; verified pieces stay for the next start
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
