package io.wpsync.agent.rollout;

import io.wpsync.agent.registry.AgentMembership;
import io.wpsync.agent.rollout.ConvergencePlanner.Step;
import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.AgentState;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.zk.ZkPaths;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent side of the two-phase rollout: one loop on a single thread that converges the local
 * disk to what ZooKeeper decided. A pass reads a {@link ClusterSnapshot}, asks the pure {@link
 * ConvergencePlanner} for the next {@link Step} and carries it out:
 * <ul>
 *   <li>Prepare: stage the target (fetch from peers, verify, materialize, fsync), then report
 *       PREPARED, or FAILED with the reason;</li>
 *   <li>Converge: switch {@code current} to the committed release, staging it first if needed
 *       (catch-up), then report SWITCHED (with the switch time) if this agent had prepared it;</li>
 *   <li>Discard: unpin a staged release whose rollout aborted;</li>
 * </ul>
 * then publishes its membership record (only if it changed) and feeds {@link Readiness}.
 *
 * <p>Passes are triggered by watches on {@code /active-rollout} and {@code /committed}, by
 * (re)connection, and by a periodic tick; triggers arriving during a pass coalesce into one more
 * pass. A failed catch-up is retried with exponential backoff (1 s .. 30 s); a failed prepare is
 * reported once and not retried for that rollout. Connection states are handled in one switch:
 * SUSPENDED/LOST mark ZooKeeper lost for readiness (the membership node is re-created by
 * Curator), CONNECTED/RECONNECTED trigger a pass.
 */
public final class ReleaseConvergence implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ReleaseConvergence.class);
  private static final long MAX_BACKOFF_MS = 30_000;

  /** Tunables of the loop. */
  public record Config(Duration tick, Duration catchUpTimeout) {
    public Config {
      if (tick.isNegative() || tick.isZero()) {
        throw new IllegalArgumentException("convergence tick must be positive, got " + tick);
      }
      if (catchUpTimeout.isNegative() || catchUpTimeout.isZero()) {
        throw new IllegalArgumentException("catch-up timeout must be positive, got " + catchUpTimeout);
      }
    }

    public static Config defaults() {
      return new Config(Duration.ofSeconds(2), Duration.ofMinutes(10));
    }
  }

  /** What {@code GET /status} shows about convergence. */
  public record Status(String current, String staged, String stagedFor, String committed, AgentState state,
      boolean ready, String readyReason, long behindMillis, boolean zkConnected, String lastError,
      FetchProgress.Snapshot progress) {}

  private enum State { LATENT, STARTED, CLOSED }

  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private final Config config;
  private final CuratorFramework client;
  private final RolloutRecords records;
  private final ReleaseWorkspace workspace;
  private final AgentMembership membership;
  private final Readiness readiness;
  private final AgentMetrics metrics;
  private final FetchProgress progress = new FetchProgress();
  private final Clock clock;
  private final ScheduledExecutorService loop;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final CuratorCache activeWatch;
  private final CuratorCache committedWatch;
  private final ConnectionStateListener connectionListener = this::onConnectionState;

  // confined to the loop thread, published for status through volatile reads
  private volatile String current;
  private volatile String staged;
  private volatile String stagedFor;
  private volatile String committed;
  private volatile AgentState agentState = AgentState.SYNCING;
  private volatile String lastError;
  private int failedCatchUps;
  private long retryCatchUpAt;
  private Step.Converge unreportedSwitch;
  private long unreportedSwitchAt;
  private int switchReportFailures;

  // cancellation of a prepare whose rollout ended meanwhile (guarded by cancelLock)
  private final Object cancelLock = new Object();
  private String preparingFor;
  private Thread preparingThread;
  private boolean prepareCancelled;

  public ReleaseConvergence(Config config, CuratorFramework client, RolloutRecords records,
      ReleaseWorkspace workspace, AgentMembership membership, Readiness readiness, AgentMetrics metrics,
      Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.client = Objects.requireNonNull(client, "client");
    this.records = Objects.requireNonNull(records, "records");
    this.workspace = Objects.requireNonNull(workspace, "workspace");
    this.membership = Objects.requireNonNull(membership, "membership");
    this.readiness = Objects.requireNonNull(readiness, "readiness");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "wpsync-convergence-" + records.agentId());
      t.setDaemon(true);
      return t;
    });
    this.activeWatch = CuratorCache.build(client, ZkPaths.ACTIVE_ROLLOUT);
    this.committedWatch = CuratorCache.build(client, ZkPaths.COMMITTED);
  }

  /** Starts watching and converging; the first pass runs at once. */
  public void start() {
    if (!state.compareAndSet(State.LATENT, State.STARTED)) {
      throw new IllegalStateException("convergence already started or closed");
    }
    loop.execute(this::loadCurrent);
    client.getConnectionStateListenable().addListener(connectionListener);
    if (client.getZookeeperClient().isConnected()) {
      readiness.zkConnected();
    }
    activeWatch.listenable().addListener(CuratorCacheListener.builder().forAll((t, b, a) -> {
      cancelPrepareIfRolloutEnded();
      trigger();
    }).build());
    committedWatch.listenable().addListener(CuratorCacheListener.builder().forAll((t, b, a) -> trigger()).build());
    activeWatch.start();
    committedWatch.start();
    long tick = config.tick().toMillis();
    loop.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    trigger();
  }

  /** Asks for a pass soon; triggers during a pass coalesce into one more pass. */
  public void trigger() {
    if (state.get() == State.STARTED && pending.compareAndSet(false, true)) {
      try {
        loop.execute(this::pass);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        pending.set(false); // closing
      }
    }
  }

  private void onConnectionState(CuratorFramework c, ConnectionState newState) {
    switch (newState) {
      case SUSPENDED, LOST, READ_ONLY -> {
        LOG.warn("ZooKeeper connection {}: serving {} meanwhile ({})", newState, current,
            readiness.policy().flagValue());
        readiness.zkDisconnected();
      }
      case CONNECTED, RECONNECTED -> {
        readiness.zkConnected();
        trigger();
      }
    }
  }

  private void tick() {
    trigger();
  }

  private void loadCurrent() {
    try {
      current = workspace.current();
      readiness.observeCurrent(current);
    } catch (Exception e) {
      lastError = "cannot read current: " + e.getMessage();
      LOG.error("cannot read the current release", e);
    }
  }

  private void pass() {
    pending.set(false);
    if (state.get() != State.STARTED) {
      return;
    }
    try {
      retryUnreportedSwitch();
      ClusterSnapshot s = snapshot();
      if (s.committed() != null) {
        committed = s.committed().releaseId();
        readiness.observeCommitted(committed, s.excludedFromCommit());
      }
      Step step = ConvergencePlanner.plan(s);
      boolean progressed;
      if (step instanceof Step.Converge c) {
        progressed = converge(c, s);
      } else if (step instanceof Step.Prepare p) {
        progressed = prepare(p);
      } else if (step instanceof Step.Discard d) {
        progressed = discard(d);
      } else {
        progressed = false;
      }
      agentState = deriveState(s, step);
      if (progressed) {
        trigger(); // the next step may be ready at once (e.g. prepare after catching up)
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (state.get() == State.STARTED) {
        lastError = "convergence pass failed: " + e;
        LOG.warn("convergence pass failed (retrying on the next trigger): {}", e.toString());
      }
    } finally {
      publish();
    }
  }

  private ClusterSnapshot snapshot() throws Exception {
    // /active-rollout strictly before /committed: see ClusterSnapshot
    String activeId = records.activeRolloutId();
    RolloutInfo active = records.rollout(activeId);
    CommittedRelease c = records.committed();
    RolloutInfo committedRollout = c == null || c.rolloutId() == null ? null : records.rollout(c.rolloutId());
    AgentReport mine = active == null ? null : records.myReport(active.id());
    RolloutInfo stagedRollout = stagedFor == null ? null
        : stagedFor.equals(activeId) ? active : records.rollout(stagedFor);
    return new ClusterSnapshot(records.agentId(), c, committedRollout, active, mine, current, staged,
        stagedRollout, clock.millis());
  }

  private boolean converge(Step.Converge c, ClusterSnapshot s) throws Exception {
    long now = clock.millis();
    if (!workspace.isStaged(c.releaseId())) {
      if (now < retryCatchUpAt) {
        return false;
      }
      agentState = AgentState.SYNCING;
      publish();
      LOG.info("catching up with committed release {} (current: {})", c.releaseId(), current);
      try {
        stage(c.releaseId(), c.manifestId(), now + config.catchUpTimeout().toMillis(), "catch-up");
      } catch (StageException e) {
        failedCatchUps++;
        long backoff = Math.min(MAX_BACKOFF_MS, 1000L << Math.min(failedCatchUps - 1, 5));
        retryCatchUpAt = clock.millis() + backoff;
        lastError = "catch-up to " + c.releaseId() + ": " + e.getMessage() + " (retry in " + backoff + " ms)";
        LOG.warn("{}", lastError);
        return false;
      }
    }
    failedCatchUps = 0;
    retryCatchUpAt = 0;
    String previous = current;
    long switchedAt = workspace.switchTo(c.releaseId());
    current = c.releaseId();
    readiness.observeCurrent(current);
    metrics.switched();
    LOG.info("switched current {} -> {} (rollout {})", previous, current, c.rolloutId());
    if (c.releaseId().equals(staged)) {
      staged = null;
      stagedFor = null;
    }
    lastError = null;
    agentState = AgentState.IN_SYNC;
    publish();
    unreportedSwitch = c; // reported below; retried by the next passes if ZooKeeper fails meanwhile
    unreportedSwitchAt = switchedAt;
    retryUnreportedSwitch();
    cleanUp();
    return true;
  }

  /** Never blocks convergence: a report that keeps failing is given up after 20 passes. */
  private void retryUnreportedSwitch() {
    if (unreportedSwitch == null) {
      return;
    }
    try {
      reportSwitched(unreportedSwitch, unreportedSwitchAt);
      unreportedSwitch = null;
      switchReportFailures = 0;
    } catch (Exception e) {
      if (++switchReportFailures >= 20) {
        LOG.warn("giving up reporting SWITCHED on {}: {}", unreportedSwitch.rolloutId(), e.toString());
        unreportedSwitch = null;
        switchReportFailures = 0;
      } else {
        LOG.info("SWITCHED report on {} not written yet ({}); retrying", unreportedSwitch.rolloutId(), e.toString());
      }
    }
  }

  private void reportSwitched(Step.Converge c, long switchedAt) throws Exception {
    if (c.rolloutId() == null) {
      return;
    }
    AgentReport mine = records.myReport(c.rolloutId());
    if (mine != null && mine.state() == AgentReport.State.PREPARED) {
      records.writeReport(c.rolloutId(), new AgentReport(records.agentId(), AgentReport.State.SWITCHED, null,
          switchedAt, mine.bytesFetched()));
    }
  }

  private boolean prepare(Step.Prepare p) throws Exception {
    long started = clock.millis();
    agentState = AgentState.PREPARING;
    publish();
    LOG.info("preparing {} for rollout {} (deadline in {} ms)", p.releaseId(), p.rolloutId(), p.deadline() - started);
    AgentReport report;
    synchronized (cancelLock) {
      preparingFor = p.rolloutId();
      preparingThread = Thread.currentThread();
      prepareCancelled = false;
    }
    try {
      stage(p.releaseId(), p.manifestId(), p.deadline(), "prepare " + p.rolloutId());
      staged = p.releaseId();
      stagedFor = p.rolloutId();
      report = new AgentReport(records.agentId(), AgentReport.State.PREPARED, null, clock.millis(),
          progress.bytesDone());
      metrics.prepared(Duration.ofMillis(clock.millis() - started), true);
      lastError = null;
    } catch (StageException e) {
      report = new AgentReport(records.agentId(), AgentReport.State.FAILED, e.getMessage(), clock.millis(),
          progress.bytesDone());
      metrics.prepared(Duration.ofMillis(clock.millis() - started), false);
      lastError = "prepare " + p.releaseId() + " for " + p.rolloutId() + ": " + e.getMessage();
      LOG.warn("{}", lastError);
    } catch (InterruptedException e) {
      synchronized (cancelLock) {
        if (!prepareCancelled || state.get() != State.STARTED) {
          throw e;
        }
      }
      LOG.info("prepare of {} cancelled: rollout {} is no longer active", p.releaseId(), p.rolloutId());
      return true;
    } finally {
      synchronized (cancelLock) {
        preparingFor = null;
        preparingThread = null;
        if (prepareCancelled) {
          Thread.interrupted(); // a cancel that raced with the end of staging must not hit the next write
        }
      }
    }
    if (!records.writeReport(p.rolloutId(), report)) {
      LOG.info("rollout {} was deleted before this agent reported {}", p.rolloutId(), report.state());
    } else {
      LOG.info("reported {} on rollout {}", report.state(), p.rolloutId());
    }
    return true;
  }

  /**
   * Called on every change of {@code /active-rollout}: a prepare for a rollout that is no longer
   * the active one (aborted, or decided without us) is interrupted, so the agent does not spend
   * bandwidth and time on it and is free for the next rollout or a catch-up at once. Verified
   * pieces stay in the store.
   */
  private void cancelPrepareIfRolloutEnded() {
    String active = activeWatch.get(ZkPaths.ACTIVE_ROLLOUT)
        .map(d -> RolloutRecords.parseActiveId(d.getData())).orElse(null);
    synchronized (cancelLock) {
      if (preparingFor != null && !preparingFor.equals(active) && !prepareCancelled) {
        prepareCancelled = true;
        preparingThread.interrupt();
      }
    }
  }

  private void stage(String releaseId, String manifestId, long deadline, String why)
      throws StageException, InterruptedException {
    progress.begin(releaseId, why, clock.millis());
    try {
      workspace.stage(releaseId, manifestId, deadline, progress);
    } finally {
      progress.end();
    }
  }

  private boolean discard(Step.Discard d) throws Exception {
    LOG.info("discarding staged release {}: {}", d.releaseId(), d.reason());
    workspace.discard(d.releaseId());
    staged = null;
    stagedFor = null;
    cleanUp();
    return true;
  }

  private void cleanUp() {
    Set<String> pinned = new HashSet<>();
    if (staged != null) {
      pinned.add(staged);
    }
    if (committed != null) {
      pinned.add(committed);
    }
    try {
      workspace.cleanUp(pinned);
    } catch (Exception e) {
      LOG.warn("retention / store GC failed (retried after the next switch): {}", e.toString());
    }
  }

  private AgentState deriveState(ClusterSnapshot s, Step step) {
    if (s.committed() != null && !s.committed().releaseId().equals(current)) {
      return AgentState.SYNCING;
    }
    if (s.active() != null && s.active().target().equals(staged) && !s.active().state().isFinal()) {
      return AgentState.PREPARED;
    }
    if (step instanceof Step.Prepare && lastError != null) {
      return AgentState.FAILED;
    }
    if (s.myActiveReport() != null && s.myActiveReport().state() == AgentReport.State.FAILED) {
      return AgentState.FAILED;
    }
    return s.committed() == null && current == null ? AgentState.SYNCING : AgentState.IN_SYNC;
  }

  private void publish() {
    AgentInfo info = membership.info();
    membership.update(info.withState(agentState, current, staged, readiness.check().ready(), clock.millis()));
  }

  /** A consistent-enough view for {@code GET /status}. */
  public Status status() {
    Readiness.Verdict v = readiness.check();
    return new Status(current, staged, stagedFor, committed, agentState, v.ready(), v.reason(),
        readiness.behindMillis(), readiness.isZkConnected(), lastError, progress.snapshot());
  }

  public Readiness readiness() {
    return readiness;
  }

  /** Stops watching and waits (bounded) for a running pass; a running fetch is interrupted. */
  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) != State.STARTED) {
      loop.shutdownNow();
      return;
    }
    client.getConnectionStateListenable().removeListener(connectionListener);
    activeWatch.close();
    committedWatch.close();
    loop.shutdownNow();
    try {
      if (!loop.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("convergence loop did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
