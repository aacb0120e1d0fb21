package io.wpsync.coordinator.proposal;

import io.micrometer.core.instrument.MeterRegistry;
import io.wpsync.coordinator.CoordinatorMetrics;
import io.wpsync.coordinator.leader.NotLeaderException;
import io.wpsync.coordinator.rollout.RolloutDriver;
import io.wpsync.coordinator.rollout.RolloutRequest;
import io.wpsync.coordinator.rollout.RolloutStatus;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.ConcurrentDecisionException;
import io.wpsync.coordinator.zk.Fence;
import io.wpsync.coordinator.zk.FencedException;
import io.wpsync.coordinator.zk.ProposalStore;
import io.wpsync.coordinator.zk.ReleaseStore;
import io.wpsync.coordinator.zk.TreeWatch;
import io.wpsync.coordinator.zk.Versioned;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.ProposalInfo;
import io.wpsync.core.cluster.ProposalState;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestMerge;
import io.wpsync.core.store.ContentStore;
import io.wpsync.core.store.ManifestCache;
import io.wpsync.core.zk.ZkPaths;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns queued local-change proposals into rollouts, one at a time, while this coordinator leads.
 *
 * <p>A pass (on every change of {@code /proposals}, {@code /active-rollout} or {@code /committed},
 * and every {@value #TICK_SECONDS} s):
 * <ol>
 *   <li>follows the proposal being rolled out: COMMITTED when its rollout commits, FAILED (with the
 *       reason) when it aborts;</li>
 *   <li>waits while any rollout is in progress (a proposal arriving meanwhile is queued);</li>
 *   <li>lets a newer capture of the same tree supersede an older proposal that was not applied
 *       (the newer one takes over its parent, so nothing of the older is lost);</li>
 *   <li>takes the oldest QUEUED proposal and replays its change ({@code parent -> manifest}) onto
 *       the committed release ({@link ManifestMerge}): a clean result is published as a release and
 *       rolled out to every agent (the proposing one included); identical content already committed
 *       is NO_CHANGE; paths changed differently on both sides make it a CONFLICT, kept with its
 *       content until an admin chooses a side ({@link #resolve}).</li>
 * </ol>
 * The publication and the rollout start run on the rollout driver's thread after checking that the
 * committed release is still the one merged onto and no rollout is active (compare-and-set under the
 * release lock), so no other rollout can slip in between. Every state change is a fenced, versioned
 * transaction ({@link ProposalStore#update}); a step interrupted by a crash is redone from ZooKeeper
 * by the next leader (a rollout that was started for a proposal still QUEUED makes it NO_CHANGE once
 * committed). Nothing is dropped silently: every proposal ends in a state that says what happened.
 */
public final class ProposalDriver implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(ProposalDriver.class);
  static final long TICK_SECONDS = 2;
  /** Final proposals kept in ZooKeeper; older ones are pruned (waiting ones never are). */
  static final int KEEP_FINAL = 200;
  /** How long a proposal waits for its content to reach this coordinator's store before it fails. */
  static final Duration CONTENT_WAIT = Duration.ofMinutes(10);
  private static final Set<ProposalState> UNAPPLIED = EnumSet.of(ProposalState.PENDING, ProposalState.QUEUED,
      ProposalState.CONFLICT, ProposalState.FAILED);
  private static final long CALL_TIMEOUT_SECONDS = 120;

  private final ProposalStore proposals;
  private final ClusterStore cluster;
  private final ContentStore store;
  private final ManifestCache manifests;
  private final RolloutDriver rollouts;
  private final ProposalPublisher publisher;
  private final ProposalMetrics metrics;
  private final LongSupplier clock;
  private final Duration rolloutDeadline;
  private final ScheduledExecutorService thread;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final List<TreeWatch> watches = new ArrayList<>();
  private int passes;

  public ProposalDriver(ProposalStore proposals, ClusterStore cluster, ReleaseStore releases, ContentStore store,
      RolloutDriver rollouts, CoordinatorMetrics coordinatorMetrics, MeterRegistry registry, String selfId,
      Duration copyWait, Duration rolloutDeadline, LongSupplier clock) {
    this.proposals = Objects.requireNonNull(proposals, "proposals");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.store = Objects.requireNonNull(store, "store");
    this.manifests = ManifestCache.over(store);
    this.rollouts = Objects.requireNonNull(rollouts, "rollouts");
    this.publisher = new ProposalPublisher(releases, cluster, store, coordinatorMetrics, selfId, copyWait, clock);
    this.metrics = new ProposalMetrics(registry);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.rolloutDeadline = Objects.requireNonNull(rolloutDeadline, "rolloutDeadline");
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "proposal-driver");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts watching ZooKeeper and passing. */
  public ProposalDriver start() {
    for (String path : List.of(ZkPaths.PROPOSALS, ZkPaths.ACTIVE_ROLLOUT, ZkPaths.COMMITTED)) {
      watches.add(new TreeWatch(cluster.client(), path, this::passSoon).start());
    }
    thread.scheduleWithFixedDelay(this::passSoon, TICK_SECONDS, TICK_SECONDS, TimeUnit.SECONDS);
    return this;
  }

  /** Asks for a pass; requests during a pass coalesce into one more. */
  public void passSoon() {
    if (!closed.get() && pending.compareAndSet(false, true)) {
      try {
        thread.execute(() -> {
          pending.set(false);
          pass();
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        pending.set(false);
      }
    }
  }

  /** Decoded manifests shared with the receiver and the API. */
  public ManifestCache manifests() {
    return manifests;
  }

  public boolean isLeader() {
    return rollouts.fence().isPresent();
  }

  // ------------------------------------------------------------------ reads (any coordinator)

  /** Every proposal, newest first. */
  public List<ProposalInfo> list() throws Exception {
    List<ProposalInfo> out = new ArrayList<>();
    for (Versioned<ProposalInfo> v : proposals.list()) {
      out.add(0, v.value());
    }
    return out;
  }

  public ProposalInfo get(String id) throws Exception {
    return proposals.get(id).map(Versioned::value).orElseThrow(() -> ProposalException.notFound(id));
  }

  // ------------------------------------------------------------------ admin decisions (leader)

  /** PENDING (or FAILED: retry) to QUEUED. */
  public ProposalInfo approve(String id, String by) throws Exception {
    return decide(id, EnumSet.of(ProposalState.PENDING, ProposalState.FAILED),
        p -> p.queued(p.resolution(), "approved by " + by, clock.getAsLong()), "approve");
  }

  /** Anything not applied and not rolling out to REJECTED; its content stays retrievable. */
  public ProposalInfo reject(String id, String by) throws Exception {
    return decide(id, UNAPPLIED, p -> p.moved(ProposalState.REJECTED, "rejected by " + by, clock.getAsLong()), "reject");
  }

  /**
   * Settles a CONFLICT: {@code keep} is {@code proposal} (its version of the conflicting paths wins)
   * or {@code committed} (the committed version wins; the rest of the change still applies). The
   * proposal is queued again and replayed onto the committed release of that moment.
   */
  public ProposalInfo resolve(String id, String keep, String by) throws Exception {
    if (!"proposal".equals(keep) && !"committed".equals(keep)) {
      throw new ProposalException(400, "'keep' must be 'proposal' or 'committed', got '" + keep + "'");
    }
    return decide(id, EnumSet.of(ProposalState.CONFLICT),
        p -> p.queued(keep, "conflict resolved by " + by + ": keep the " + keep + " version", clock.getAsLong()),
        "resolve");
  }

  private interface Change {
    ProposalInfo apply(ProposalInfo p);
  }

  private ProposalInfo decide(String id, Set<ProposalState> from, Change change, String what) throws Exception {
    ProposalInfo done = call(() -> {
      Fence f = rollouts.fence().orElseThrow(() -> new NotLeaderException(null));
      Versioned<ProposalInfo> v = proposals.get(id).orElseThrow(() -> ProposalException.notFound(id));
      if (!from.contains(v.value().state())) {
        throw new ProposalException(409, "cannot " + what + " proposal " + id + ": it is " + v.value().state()
            + (v.value().reason() == null ? "" : " (" + v.value().reason() + ")") + "; allowed from " + from);
      }
      ProposalInfo next = change.apply(v.value());
      update(f, v, next);
      log.info("proposal {}: {} -> {} ({})", id, v.value().state(), next.state(), next.reason());
      return next;
    });
    passSoon();
    return done;
  }

  // ------------------------------------------------------------------ the pass (driver thread)

  private void pass() {
    List<Versioned<ProposalInfo>> all;
    try {
      all = proposals.list();
      count(all);
    } catch (Exception e) {
      log.debug("reading proposals: {}", e.toString());
      return;
    }
    Optional<Fence> fence = rollouts.fence();
    if (fence.isEmpty() || closed.get()) {
      return;
    }
    Fence f = fence.get();
    try {
      if (followRollouts(f, all)) {
        return; // a proposal is rolling out: the next one waits for it
      }
      if (cluster.activeRolloutId().isPresent()) {
        return; // another rollout is in progress: proposals stay queued
      }
      if (supersede(f, all)) {
        passSoon();
        return;
      }
      for (Versioned<ProposalInfo> v : all) {
        if (v.value().state() == ProposalState.QUEUED) {
          process(f, v);
          passSoon(); // the next one, when this one is done
          break;
        }
      }
      if (++passes % 50 == 0) {
        int n = proposals.prune(KEEP_FINAL);
        if (n > 0) {
          log.info("pruned {} old final proposals (keeping the newest {})", n, KEEP_FINAL);
        }
      }
    } catch (FencedException e) {
      log.warn("{}; leaving proposals to the new leader", e.getMessage());
    } catch (ConcurrentDecisionException e) {
      log.info("{}; re-reading", e.getMessage());
      passSoon();
    } catch (Exception e) {
      log.warn("proposal pass failed ({}); retrying within {} s", e.toString(), TICK_SECONDS);
    }
  }

  private void count(List<Versioned<ProposalInfo>> all) {
    int pendingN = 0;
    int queued = 0;
    int conflicts = 0;
    int failed = 0;
    for (Versioned<ProposalInfo> v : all) {
      switch (v.value().state()) {
        case PENDING -> pendingN++;
        case QUEUED -> queued++;
        case CONFLICT -> conflicts++;
        case FAILED -> failed++;
        default -> { }
      }
    }
    metrics.counts(pendingN, queued, conflicts, failed);
  }

  /** Moves ROLLING_OUT proposals whose rollout was decided; true if one is still rolling out. */
  private boolean followRollouts(Fence f, List<Versioned<ProposalInfo>> all) throws Exception {
    boolean busy = false;
    for (Versioned<ProposalInfo> v : all) {
      ProposalInfo p = v.value();
      if (p.state() != ProposalState.ROLLING_OUT) {
        continue;
      }
      Optional<RolloutInfo> r = p.rolloutId() == null || !ZkPaths.isValidId(p.rolloutId()) ? Optional.empty()
          : cluster.rollout(p.rolloutId()).map(Versioned::value);
      long now = clock.getAsLong();
      if (r.isEmpty()) {
        update(f, v, p.moved(ProposalState.FAILED, "its rollout " + p.rolloutId() + " is gone; approve again to retry",
            now));
      } else if (r.get().state() == RolloutState.COMMITTED) {
        update(f, v, p.moved(ProposalState.COMMITTED, "release " + p.release() + " committed by rollout "
            + p.rolloutId() + (p.rebasedOnto() == null ? "" : " (rebased onto " + p.rebasedOnto() + ")"), now));
      } else if (r.get().state() == RolloutState.ABORTED) {
        update(f, v, p.moved(ProposalState.FAILED, "rollout " + p.rolloutId() + " of release " + p.release()
            + " aborted: " + r.get().reason() + "; approve again to retry", now));
      } else {
        busy = true;
      }
    }
    return busy;
  }

  /**
   * A newer capture of the same tree by the same agent (its parent is an older proposal's manifest)
   * supersedes that older proposal if it was not applied; the newer takes over the older's parent,
   * so the change it carries includes the older one. True if something changed.
   */
  private boolean supersede(Fence f, List<Versioned<ProposalInfo>> all) throws Exception {
    for (int i = all.size() - 1; i >= 0; i--) {
      Versioned<ProposalInfo> newer = all.get(i);
      ProposalInfo q = newer.value();
      if (!UNAPPLIED.contains(q.state()) || q.parent() == null) {
        continue;
      }
      for (int j = i - 1; j >= 0; j--) {
        Versioned<ProposalInfo> older = all.get(j);
        ProposalInfo p = older.value();
        if (UNAPPLIED.contains(p.state()) && p.agentId().equals(q.agentId()) && p.base().equals(q.base())
            && p.manifestId().equals(q.parent())) {
          long now = clock.getAsLong();
          update(f, older, p.moved(ProposalState.SUPERSEDED, "superseded by " + q.id()
              + ", a later capture of the same tree that includes this change", now));
          update(f, newer, q.withParent(p.parent(), q.reason(), now));
          log.info("proposal {} superseded by {} (later capture of {} on {})", p.id(), q.id(), q.agentId(), q.base());
          return true;
        }
      }
    }
    return false;
  }

  private void process(Fence f, Versioned<ProposalInfo> v) throws Exception {
    ProposalInfo p = v.value();
    long now = clock.getAsLong();
    Optional<Versioned<CommittedRelease>> committed = cluster.committed();
    if (committed.isEmpty()) {
      update(f, v, p.moved(ProposalState.FAILED, "nothing is committed yet, so there is nothing to apply it to", now));
      return;
    }
    CommittedRelease c = committed.get().value();
    Manifest parent;
    Manifest ours;
    Manifest theirs;
    try {
      parent = manifest(p.parent() != null ? p.parent() : releaseManifestId(p.base()));
      ours = manifest(p.manifestId());
      theirs = manifest(c.manifestId());
    } catch (MissingContentException e) {
      if (now - p.createdAt() > CONTENT_WAIT.toMillis()) {
        update(f, v, p.moved(ProposalState.FAILED, e.getMessage() + " for " + CONTENT_WAIT.toMinutes()
            + " min; approve again once it is", now));
      } else {
        log.info("proposal {} waits: {}", p.id(), e.getMessage());
      }
      return;
    }
    ManifestMerge.Prefer prefer = "proposal".equals(p.resolution()) ? ManifestMerge.Prefer.OURS
        : "committed".equals(p.resolution()) ? ManifestMerge.Prefer.THEIRS : ManifestMerge.Prefer.NONE;
    ManifestMerge.Result r = ManifestMerge.rebase(parent, ours, theirs, prefer);
    if (!r.clean()) {
      String why = String.format("changed both here and in committed release %s: %d path(s), e.g. %s; resolve with "
          + "'wpsync proposal resolve %s --keep proposal|committed', or reject it", c.releaseId(), r.conflicts().size(),
          r.conflicts().subList(0, Math.min(3, r.conflicts().size())), p.id());
      update(f, v, p.conflict(c.releaseId(), r.conflicts(), why, now));
      metrics.decided(ProposalState.CONFLICT);
      log.warn("proposal {} from {} is a CONFLICT: {}", p.id(), p.agentId(), why);
      return;
    }
    Manifest merged = r.merged();
    if (merged.equals(theirs)) {
      update(f, v, p.noChange(c.releaseId(), "committed release " + c.releaseId() + " already holds this change", now));
      metrics.decided(ProposalState.NO_CHANGE);
      log.info("proposal {} from {}: no change (committed {} already holds it)", p.id(), p.agentId(), c.releaseId());
      return;
    }
    for (Digest d : merged.objectDigests()) {
      if (!store.contains(d)) {
        log.info("proposal {} waits: object {} is not on this coordinator yet", p.id(), d.shortHex(12));
        return;
      }
    }
    manifests.put(merged);
    ProposalPublisher.Prepared prepared = publisher.prepare(merged);
    String message = (p.message() == null ? "local change from " + p.agentId() : p.message()) + " [proposal "
        + p.id() + (c.releaseId().equals(p.base()) ? "" : ", rebased onto " + c.releaseId()) + "]";
    String[] release = new String[1];
    Optional<RolloutStatus> started = rollouts.startIf(() -> {
      String refused = stillCommitted(c);
      if (refused != null) {
        log.info("proposal {} not started now: {}", p.id(), refused);
        return Optional.empty();
      }
      ReleaseInfo ri;
      try {
        ri = publisher.publish(merged, prepared, c.releaseId(), p.agentId(), message, () -> stillCommitted(c));
      } catch (ProposalPublisher.StaleException e) {
        log.info("proposal {} not published now: {}", p.id(), e.getMessage());
        return Optional.empty();
      }
      release[0] = ri.id();
      return Optional.of(new RolloutRequest(ri.id(), rolloutDeadline, FailurePolicy.abort(), false));
    });
    if (started.isEmpty()) {
      return; // the cluster moved: the next pass replays it onto the new committed release
    }
    String onto = c.releaseId().equals(p.base()) && p.parent() == null ? null : c.releaseId();
    update(f, v, p.rollingOut(release[0], started.get().id(), onto, "rolling out release " + release[0] + " ("
        + r.applied().size() + " path(s) applied" + (onto == null ? "" : " onto " + onto) + ")", clock.getAsLong()));
    log.info("proposal {} from {}: release {} rolling out (rollout {}, {} path(s) applied onto {})", p.id(),
        p.agentId(), release[0], started.get().id(), r.applied().size(), c.releaseId());
  }

  /** Null if {@code c} is still committed and no rollout is active, else why not. */
  private String stillCommitted(CommittedRelease c) {
    try {
      Optional<String> active = cluster.activeRolloutId();
      if (active.isPresent()) {
        return "rollout " + active.get() + " is in progress";
      }
      String now = cluster.committed().map(x -> x.value().releaseId()).orElse(null);
      return c.releaseId().equals(now) ? null : "the committed release moved from " + c.releaseId() + " to " + now;
    } catch (Exception e) {
      return "cannot read ZooKeeper: " + e;
    }
  }

  private void update(Fence f, Versioned<ProposalInfo> v, ProposalInfo next) throws Exception {
    proposals.update(f, v, next);
    if (next.state() != v.value().state()) {
      metrics.decided(next.state());
    }
  }

  /** The manifest id of a release. */
  private String releaseManifestId(String releaseId) throws Exception {
    return cluster.client().checkExists().forPath(ZkPaths.release(releaseId)) == null ? null
        : io.wpsync.core.cluster.ClusterJson.read(cluster.client().getData().forPath(ZkPaths.release(releaseId)),
            ReleaseInfo.class).manifestId();
  }

  private static final class MissingContentException extends Exception {
    MissingContentException(String message) {
      super(message);
    }
  }

  private Manifest manifest(String id) throws MissingContentException, IOException {
    if (id == null) {
      throw new MissingContentException("a release it builds on no longer exists");
    }
    Digest d = Digest.parse(id);
    if (!manifests.contains(d)) {
      throw new MissingContentException("manifest " + d.shortHex(12) + " is not on this coordinator");
    }
    return manifests.get(d);
  }

  private <T> T call(Callable<T> c) throws Exception {
    if (closed.get()) {
      throw new NotLeaderException(null);
    }
    Future<T> f = thread.submit(c);
    try {
      return f.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    watches.forEach(TreeWatch::close);
    thread.shutdownNow();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
