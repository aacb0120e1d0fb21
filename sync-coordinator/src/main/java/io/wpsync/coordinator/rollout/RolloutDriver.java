package io.wpsync.coordinator.rollout;

import io.wpsync.coordinator.CoordinatorMetrics;
import io.wpsync.coordinator.leader.CoordinatorLeadership;
import io.wpsync.coordinator.leader.NotLeaderException;
import io.wpsync.coordinator.release.NoSuchReleaseException;
import io.wpsync.coordinator.rollout.RolloutStateMachine.Decision;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.ConcurrentDecisionException;
import io.wpsync.coordinator.zk.Fence;
import io.wpsync.coordinator.zk.FencedException;
import io.wpsync.coordinator.zk.ReleaseStore;
import io.wpsync.coordinator.zk.TreeWatch;
import io.wpsync.coordinator.zk.Versioned;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import io.wpsync.core.zk.ZkPaths;
import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives two-phase rollouts while this coordinator leads: starts them, re-evaluates the active one
 * with {@link RolloutStateMachine} on every change of {@code /agents} or of its reports (and at its
 * deadline, and every few seconds as a safety net), and writes the commit or abort transaction.
 *
 * <p>Guarantees: every decision is taken on one thread, from state read in ZooKeeper, and written
 * as one fenced, versioned transaction ({@link ClusterStore}); so a rollout is decided at most once
 * and a deposed leader decides nothing. When it gains leadership it resumes whatever ZooKeeper
 * holds: an active rollout is evaluated against its recorded deadline, so a new leader commits it
 * if every live participant is prepared, aborts it at the deadline, or keeps waiting. A fencing
 * failure makes it stand down. Only the newest {@value #KEEP_ROLLOUTS} rollout records are kept.
 *
 * <pre>{@code
 * RolloutDriver driver = new RolloutDriver(store, releases, metrics, System::currentTimeMillis, Duration.ofMinutes(5));
 * CoordinatorLeadership leadership = new CoordinatorLeadership(client, store, id, driver, clock);
 * driver.standDownWith(leadership::standDown);
 * leadership.start();
 * RolloutStatus s = driver.start(RolloutRequest.of("r0000000003"));
 * }</pre>
 */
public final class RolloutDriver implements CoordinatorLeadership.Listener, Closeable {
  private static final Logger log = LoggerFactory.getLogger(RolloutDriver.class);
  /** Rollout records kept in ZooKeeper; older decided ones are pruned. */
  public static final int KEEP_ROLLOUTS = 100;
  /** Default prepare deadline. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(5);
  /** How long after a commit the driver follows switches to measure the skew. */
  static final Duration SKEW_TRACKING = Duration.ofMinutes(10);
  /** Re-evaluation period of an active rollout when no event arrives. */
  static final Duration SAFETY_PERIOD = Duration.ofSeconds(5);
  private static final long CALL_TIMEOUT_SECONDS = 60;

  private enum State { LATENT, STARTED, CLOSED }

  private final AtomicReference<State> state = new AtomicReference<>(State.STARTED);
  private final ClusterStore store;
  private final ReleaseStore releases;
  private final CoordinatorMetrics metrics;
  private final LongSupplier clock;
  private final Duration defaultDeadline;
  private final ScheduledExecutorService thread;
  private final AtomicBoolean evaluationPending = new AtomicBoolean();
  /** Bumped by every leadership callback, so a queued "gained" never outlives a later "lost". */
  private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();
  private volatile Consumer<String> standDown = reason -> { };
  private volatile Fence fence;

  // confined to the driver thread
  private TreeWatch agentsWatch;
  private TreeWatch reportsWatch;
  private String watchedRollout;
  private String trackedCommit;
  private long trackingUntil;
  private ScheduledFuture<?> deadlineTimer;
  private long deadlineTimerAt;
  private ScheduledFuture<?> safetyTimer;

  public RolloutDriver(ClusterStore store, ReleaseStore releases, CoordinatorMetrics metrics,
      LongSupplier clock, Duration defaultDeadline) {
    this.store = Objects.requireNonNull(store, "store");
    this.releases = Objects.requireNonNull(releases, "releases");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.defaultDeadline = Objects.requireNonNull(defaultDeadline, "defaultDeadline");
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "rollout-driver");
      t.setDaemon(true);
      return t;
    });
  }

  /** What to call when a decision fails its fencing check (normally {@link CoordinatorLeadership#standDown}). */
  public void standDownWith(Consumer<String> action) {
    this.standDown = Objects.requireNonNull(action, "action");
  }

  /** True while this coordinator holds a leader fence. */
  public boolean isLeader() {
    return fence != null;
  }

  /** The fence this coordinator leads with (for other decision writers, e.g. proposals), if it leads. */
  public Optional<Fence> fence() {
    return Optional.ofNullable(fence);
  }

  // ------------------------------------------------------------------ leadership callbacks

  @Override
  public void gained(Fence f) {
    long term = generation.incrementAndGet();
    execute(() -> {
      if (generation.get() != term) {
        return; // lost (or regained) since: a later callback decides
      }
      fence = f;
      if (agentsWatch == null) {
        agentsWatch = new TreeWatch(store.client(), ZkPaths.AGENTS, this::evaluateSoon).start();
      }
      if (safetyTimer == null) {
        long p = SAFETY_PERIOD.toMillis();
        safetyTimer = thread.scheduleWithFixedDelay(this::evaluateNow, p, p, TimeUnit.MILLISECONDS);
      }
      try {
        store.committed().ifPresent(c -> metrics.committedAt(c.value().committedAt()));
      } catch (Exception e) {
        log.debug("reading /committed: {}", e.toString());
      }
      log.info("leading with epoch {}: resuming from ZooKeeper state", f.epoch());
      evaluateNow();
    });
  }

  @Override
  public void lost(String reason) {
    generation.incrementAndGet();
    fence = null;
    execute(() -> {
      if (fence != null) {
        return; // regained meanwhile
      }
      cancelDeadline();
      if (safetyTimer != null) {
        safetyTimer.cancel(false);
        safetyTimer = null;
      }
      trackedCommit = null;
      closeReportsWatch();
      if (agentsWatch != null) {
        agentsWatch.close();
        agentsWatch = null;
      }
    });
  }

  // ------------------------------------------------------------------ operations

  /**
   * Starts a rollout of {@code request.release()} to every live agent.
   *
   * @throws NotLeaderException if this coordinator does not lead
   * @throws NoSuchReleaseException if the release does not exist
   * @throws AlreadyCommittedException if it is the committed release already
   * @throws RolloutConflictException if another rollout is in progress (named)
   */
  public RolloutStatus start(RolloutRequest request) throws Exception {
    return call(() -> startOnThread(request));
  }

  /**
   * Starts a rollout decided on the driver thread, where no other rollout of this coordinator can
   * start meanwhile: {@code decide} runs there (it may check ZooKeeper and publish the release, e.g.
   * a local-change proposal that must still apply to the committed release) and returns the request,
   * or empty to start nothing. The start itself has the checks of {@link #start}.
   *
   * @throws NotLeaderException if this coordinator does not lead
   */
  public Optional<RolloutStatus> startIf(Callable<Optional<RolloutRequest>> decide) throws Exception {
    return call(() -> {
      requireFence();
      Optional<RolloutRequest> r = decide.call();
      return r.isEmpty() ? Optional.empty() : Optional.of(startOnThread(r.get()));
    });
  }

  /**
   * Rolls back: a rollout (marked rollback) to {@code release}, or when empty to the release that
   * was committed before the current one (else the current release's parent).
   *
   * @throws NoRollbackTargetException if there is nothing earlier to return to
   */
  public RolloutStatus rollback(Optional<String> release, Duration deadline) throws Exception {
    return call(() -> {
      String target = release.isPresent() ? release.get() : previousCommitted();
      return startOnThread(new RolloutRequest(target, deadline, null, true));
    });
  }

  /**
   * Aborts a rollout that is still preparing ("aborted by an operator").
   *
   * @throws NoSuchRolloutException if there is no such rollout
   * @throws RolloutDecidedException if it is already committed or aborted
   */
  public RolloutStatus abort(String rolloutId, String reason) throws Exception {
    return call(() -> {
      Fence f = requireFence();
      Versioned<RolloutInfo> rv = store.rollout(rolloutId).orElseThrow(() -> new NoSuchRolloutException(rolloutId));
      if (rv.value().state().isFinal()) {
        throw new RolloutDecidedException(rolloutId, rv.value().state());
      }
      try {
        decideAbort(f, rv, reason);
      } catch (FencedException e) {
        onFenced(e);
        throw new NotLeaderException(null);
      }
      return status(rolloutId);
    });
  }

  /** A rollout's status, from ZooKeeper (works on any coordinator). */
  public RolloutStatus status(String rolloutId) throws Exception {
    if (!ZkPaths.isValidId(rolloutId)) {
      throw new NoSuchRolloutException(rolloutId);
    }
    Versioned<RolloutInfo> rv = store.rollout(rolloutId).orElseThrow(() -> new NoSuchRolloutException(rolloutId));
    return RolloutStatus.of(rv.value(), store.reports(rolloutId), store.liveAgentIds());
  }

  /** The newest rollout records (by start time), newest first, at most {@code limit}. */
  public List<RolloutInfo> recent(int limit) throws Exception {
    List<RolloutInfo> out = new ArrayList<>();
    for (String id : store.rolloutIds()) {
      store.rollout(id).ifPresent(v -> out.add(v.value()));
    }
    out.sort(java.util.Comparator.comparingLong(RolloutInfo::createdAt).thenComparing(RolloutInfo::id).reversed());
    return out.size() <= limit ? out : new ArrayList<>(out.subList(0, limit));
  }

  private RolloutStatus startOnThread(RolloutRequest req) throws Exception {
    Fence f = requireFence();
    ReleaseInfo target = releases.release(req.release()).orElseThrow(() -> new NoSuchReleaseException(req.release()));
    Optional<String> active = store.activeRolloutId();
    if (active.isPresent()) {
      throw new RolloutConflictException(active.get());
    }
    Optional<Versioned<CommittedRelease>> committed = store.committed();
    if (committed.isPresent() && committed.get().value().releaseId().equals(target.id())) {
      throw new AlreadyCommittedException(target.id());
    }
    long now = clock.getAsLong();
    Duration deadline = req.deadline() == null ? defaultDeadline : req.deadline();
    FailurePolicy policy = req.policy() == null ? FailurePolicy.abort() : req.policy();
    List<String> participants = new ArrayList<>(store.liveAgentIds());
    RolloutInfo r = new RolloutInfo(RolloutIds.next(now), target.id(), target.manifestId(),
        committed.map(c -> c.value().releaseId()).orElse(null), req.rollback(), participants, policy,
        now, now + deadline.toMillis(), RolloutState.PREPARING, null, List.of(), 0, f.epoch());
    try {
      store.startRollout(f, r);
    } catch (FencedException e) {
      onFenced(e);
      throw new NotLeaderException(null);
    }
    log.info("rollout {} started: {} -> {}{} to {} agents, deadline {} s, policy {}", r.id(), r.previous(),
        r.target(), r.rollback() ? " (rollback)" : "", participants.size(), deadline.toSeconds(), policy.mode());
    stopTracking();
    watchReports(r.id());
    evaluateNow();
    return status(r.id());
  }

  private String previousCommitted() throws Exception {
    CommittedRelease c = store.committed().map(Versioned::value)
        .orElseThrow(() -> new NoRollbackTargetException("nothing is committed yet, so there is nothing to roll back"));
    if (c.rolloutId() != null && ZkPaths.isValidId(c.rolloutId())) {
      Optional<Versioned<RolloutInfo>> r = store.rollout(c.rolloutId());
      if (r.isPresent() && r.get().value().previous() != null) {
        return r.get().value().previous();
      }
    }
    String parent = releases.release(c.releaseId()).map(ReleaseInfo::parent).orElse(null);
    if (parent == null) {
      throw new NoRollbackTargetException("committed release " + c.releaseId()
          + " has no earlier committed release or parent; name the release to roll back to");
    }
    return parent;
  }

  // ------------------------------------------------------------------ evaluation (driver thread)

  /** Schedules one evaluation; events arriving while one is pending are coalesced. */
  void evaluateSoon() {
    if (evaluationPending.compareAndSet(false, true)) {
      execute(() -> {
        evaluationPending.set(false);
        evaluateNow();
      });
    }
  }

  private void evaluateNow() {
    Fence f = fence;
    if (f == null) {
      return;
    }
    try {
      trackSwitches();
      Optional<String> active = store.activeRolloutId();
      if (active.isEmpty()) {
        cancelDeadline();
        return;
      }
      String id = active.get();
      Optional<Versioned<RolloutInfo>> rv = ZkPaths.isValidId(id) ? store.rollout(id) : Optional.empty();
      if (rv.isEmpty() || rv.get().value().state().isFinal()) {
        store.clearStaleActive(f, id);
        return;
      }
      watchReports(id);
      RolloutInfo r = rv.get().value();
      Decision d = RolloutStateMachine.evaluate(r, store.liveAgentIds(), store.reports(id), clock.getAsLong());
      if (d instanceof Decision.Wait w) {
        scheduleDeadline(w.untilMillis());
      } else if (d instanceof Decision.Commit c) {
        decideCommit(f, rv.get(), c.excluded());
      } else if (d instanceof Decision.Abort a) {
        decideAbort(f, rv.get(), a.reason());
      }
    } catch (FencedException e) {
      onFenced(e);
    } catch (ConcurrentDecisionException e) {
      log.warn("{}; re-evaluating", e.getMessage());
      evaluateSoon();
    } catch (Exception e) {
      log.warn("rollout evaluation failed ({}); retrying within {} s", e.toString(), SAFETY_PERIOD.toSeconds());
    }
  }

  private void decideCommit(Fence f, Versioned<RolloutInfo> rv, List<String> excluded) throws Exception {
    RolloutInfo r = rv.value();
    long now = clock.getAsLong();
    String reason = excluded.isEmpty() ? null
        : "exclude policy: committed without " + RolloutStateMachine.names(new java.util.TreeSet<>(excluded));
    RolloutInfo decided = r.decided(RolloutState.COMMITTED, reason, excluded, now, f.epoch());
    store.commit(f, rv, decided, new CommittedRelease(r.target(), r.targetManifestId(), r.id(), f.epoch(), now));
    log.info("rollout {} COMMITTED: {} is the committed release{} ({} ms after start)", r.id(), r.target(),
        excluded.isEmpty() ? "" : ", excluded " + excluded, now - r.createdAt());
    metrics.rolloutDecided(true, now - r.createdAt());
    metrics.committedAt(now);
    cancelDeadline();
    trackedCommit = r.id();
    trackingUntil = now + SKEW_TRACKING.toMillis();
    prune();
  }

  private void decideAbort(Fence f, Versioned<RolloutInfo> rv, String reason) throws Exception {
    RolloutInfo r = rv.value();
    long now = clock.getAsLong();
    store.abort(f, rv, r.decided(RolloutState.ABORTED, reason, List.of(), now, f.epoch()));
    log.warn("rollout {} ABORTED: {} (nothing switches; {} stays committed)", r.id(), reason, r.previous());
    metrics.rolloutDecided(false, now - r.createdAt());
    cancelDeadline();
    closeReportsWatch();
    prune();
  }

  /** After a commit, records the switch skew once every expected agent has switched. */
  private void trackSwitches() throws Exception {
    String id = trackedCommit;
    if (id == null) {
      return;
    }
    if (clock.getAsLong() > trackingUntil) {
      log.info("rollout {}: not every agent reported its switch within {} min; skew not recorded", id,
          SKEW_TRACKING.toMinutes());
      stopTracking();
      return;
    }
    Optional<Versioned<RolloutInfo>> rv = store.rollout(id);
    if (rv.isEmpty()) {
      stopTracking();
      return;
    }
    RolloutInfo r = rv.get().value();
    Set<String> expected = new HashSet<>(r.participants());
    expected.retainAll(store.liveAgentIds());
    expected.removeAll(r.excluded());
    Map<String, AgentReport> reports = store.reports(id);
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (String a : expected) {
      AgentReport rep = reports.get(a);
      if (rep == null || rep.state() != AgentReport.State.SWITCHED) {
        return; // still waiting
      }
      first = Math.min(first, rep.at());
      last = Math.max(last, rep.at());
    }
    if (!expected.isEmpty()) {
      metrics.switchSkew(last - first);
      log.info("rollout {}: all {} agents switched; switch skew {} ms", id, expected.size(), last - first);
    }
    stopTracking();
  }

  private void stopTracking() {
    String tracked = trackedCommit;
    trackedCommit = null;
    if (tracked != null && tracked.equals(watchedRollout)) {
      closeReportsWatch();
    }
  }

  private void watchReports(String rolloutId) throws Exception {
    if (rolloutId.equals(watchedRollout)) {
      return;
    }
    closeReportsWatch();
    watchedRollout = rolloutId;
    reportsWatch = new TreeWatch(store.client(), ZkPaths.reports(rolloutId), this::evaluateSoon).start();
  }

  private void closeReportsWatch() {
    if (reportsWatch != null && !Objects.equals(watchedRollout, trackedCommit)) {
      reportsWatch.close();
      reportsWatch = null;
      watchedRollout = null;
    }
  }

  private void scheduleDeadline(long atMillis) {
    if (deadlineTimer != null && deadlineTimerAt == atMillis) {
      return;
    }
    cancelDeadline();
    long delay = Math.max(0, atMillis - clock.getAsLong()) + 5;
    deadlineTimerAt = atMillis;
    deadlineTimer = thread.schedule(this::evaluateNow, delay, TimeUnit.MILLISECONDS);
  }

  private void cancelDeadline() {
    if (deadlineTimer != null) {
      deadlineTimer.cancel(false);
      deadlineTimer = null;
    }
  }

  private void prune() {
    try {
      int n = store.pruneRollouts(KEEP_ROLLOUTS);
      if (n > 0) {
        log.info("pruned {} old rollout records (keeping the newest {})", n, KEEP_ROLLOUTS);
      }
    } catch (Exception e) {
      log.warn("could not prune old rollout records: {}", e.toString());
    }
  }

  private void onFenced(FencedException e) {
    log.error("{}; standing down", e.getMessage());
    fence = null;
    standDown.accept(e.getMessage());
  }

  private Fence requireFence() throws NotLeaderException {
    Fence f = fence;
    if (f == null) {
      throw new NotLeaderException(null);
    }
    return f;
  }

  // ------------------------------------------------------------------ threading

  private void execute(Runnable r) {
    if (state.get() == State.CLOSED) {
      return;
    }
    try {
      thread.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.debug("driver closed; dropping a task");
    }
  }

  private <T> T call(Callable<T> c) throws Exception {
    if (state.get() == State.CLOSED) {
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
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new TimeoutException("the rollout driver did not answer within " + CALL_TIMEOUT_SECONDS
          + " s (ZooKeeper unreachable?)");
    }
  }

  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) == State.CLOSED) {
      return;
    }
    fence = null;
    thread.execute(() -> {
      cancelDeadline();
      trackedCommit = null;
      if (reportsWatch != null) {
        reportsWatch.close();
      }
      if (agentsWatch != null) {
        agentsWatch.close();
      }
    });
    thread.shutdown();
    try {
      if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      thread.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
