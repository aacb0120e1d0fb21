package io.wpsync.agent.capture;

import io.micrometer.core.instrument.MeterRegistry;
import io.wpsync.agent.rollout.LiveTreeHooks;
import io.wpsync.agent.watch.Debouncer;
import io.wpsync.agent.watch.TreeWatcher;
import io.wpsync.agent.watch.WatchCoverage;
import io.wpsync.core.cluster.ProposalInfo;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestCodec;
import io.wpsync.core.manifest.ManifestDiff;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.UnsafePathException;
import io.wpsync.core.release.ReleaseLayout;
import io.wpsync.core.release.ReleaseMaterializer;
import io.wpsync.core.release.ReleaseRecord;
import io.wpsync.core.scan.FileChangedDuringScanException;
import io.wpsync.core.scan.ScanCache;
import io.wpsync.core.scan.Scanner;
import io.wpsync.core.store.ContentStore;
import io.wpsync.core.store.CorruptManifestException;
import io.wpsync.core.store.ManifestCache;
import io.wpsync.core.store.DigestMismatchException;
import io.wpsync.core.store.Durable;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures what WordPress changes in a live agent's {@code current} release and proposes it to the
 * coordinator, without losing a write.
 *
 * <p>How: the live tree is watched ({@link TreeWatcher}, following the capture rules) and rescanned
 * periodically as a safety net (every {@code rescan}, or {@code unwatchedRescan} while part of it
 * cannot be watched). Changes are debounced ({@link Debouncer}: quiet period, max wait, rate
 * limit). A capture rescans the tree (the scan cache keeps unchanged files cheap), overlays it on
 * the release ({@link CaptureRules#overlay}), and if it differs from what was last acknowledged,
 * stores the new objects and the manifest in the local store and proposes {@code (base release,
 * manifest)} with the capture token; the coordinator fetches the objects from this agent's peer
 * server before it answers. Only an acknowledged capture counts as captured.
 *
 * <p>Guarantees (see docs/local-changes.md):
 * <ul>
 *   <li>A write to the live tree is proposed once the tree is quiet, or found by the next rescan
 *       if the watcher missed it (overflow, watch limit).</li>
 *   <li>Switching away from a live tree ({@link #aroundSwitch}) first rescans it if anything may
 *       have changed since the last acknowledged capture; what it finds is proposed as a follow-up
 *       on the old base (the coordinator rebases it). The old tree stays watched for {@code
 *       retiredWatch} (requests that resolved it before the switch may still write) and is checked
 *       once more at the end; until then it is reported by {@link #uncaptured()} so retention keeps it.</li>
 *   <li>The next release reuses (hard-links) the live tree's files where they hold the wanted
 *       content ({@link #reuseFor}); a release that becomes current again (rollback) and was not built
 *       from the tree just left is first put back to its manifest ({@link LiveRepair}).</li>
 *   <li>Objects of captured trees stay in the store until a release references them ({@link #objectsToKeep}).</li>
 * </ul>
 * Captures, checks and proposals run on one thread; switches (convergence thread) and captures
 * exclude each other through one lock, never held while talking to the coordinator.
 */
public final class LiveCapture implements LiveTreeHooks, Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(LiveCapture.class);
  /**
   * Retired trees watched at once besides the live one (each costs an inotify instance and a watch
   * per directory). A tree watched to the end of its grace settles without a rescan; an older one
   * stops being watched and is rescanned when it settles instead (with a change every few seconds
   * and a 60 s grace, a bound of two made every agent rescan one 20,000-file tree per change).
   */
  static final int MAX_WATCHED_RETIRED = 16;
  /**
   * Settled trees kept watched (the newest): retention recycles the newest tree it would delete
   * into the next release, and a tree watched without a break since it was last known to hold its
   * manifest needs no 20,000-file rescan to be recycled ({@link #holds}).
   */
  static final int MAX_WATCHED_SETTLED = 2;
  private static final long MAX_BACKOFF_MS = 30_000;
  /** Threads that copy captured files into the store (mostly waiting for fsync). */
  private static final int STORE_THREADS = 8;
  /** Touched paths remembered between scans; beyond this the whole scan cache is dropped instead. */
  private static final int MAX_TOUCHED = 50_000;

  /** What {@link #captureNow} did. */
  public record Result(String outcome, String detail, ProposalInfo proposal) {
    static Result of(String outcome, String detail) {
      return new Result(outcome, detail, null);
    }
  }

  /** What {@code GET /status} shows about the capture. */
  public record Status(String live, int watchedDirectories, int unwatchedDirectories, String unwatchedReason,
      long overflows, List<String> uncaptured, String lastOutcome, String lastDetail, String lastProposal,
      long captures) {}

  private enum State { LATENT, STARTED, CLOSED }

  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private final String agentId;
  private final ReleaseLayout layout;
  private final ContentStore store;
  private final ManifestCache manifests;
  private final CaptureRules rules;
  private final CaptureSettings settings;
  private final Proposer proposer;
  private final CaptureNotes notes;
  private final ScanCache cache;
  private final Map<Integer, Scanner> scanners = new HashMap<>();
  private final Clock clock;
  private final Duration retiredWatch;
  private final CaptureMetrics metrics;
  private final ScheduledExecutorService exec;
  /**
   * Settles left trees, apart from the capture thread: a left tree that stopped being watched early
   * is rescanned when it settles (a 20,000-file walk), and that must not delay the capture of a
   * write to the live tree queued behind it.
   */
  private final ScheduledExecutorService settler;
  private final java.util.concurrent.ExecutorService storePool;
  private final ReentrantLock lock = new ReentrantLock();

  // guarded by lock (read without it only through volatile fields for status)
  private volatile Tree live;
  private final Map<String, Tree> retired = new LinkedHashMap<>();
  /** Settled trees still watched, oldest first (see {@link #MAX_WATCHED_SETTLED}). */
  private final Map<String, Tree> settledWatched = new LinkedHashMap<>();
  private final Set<String> fresh = new HashSet<>();
  /** Trees of freshly staged releases, watched ahead of their switch (built on the capture thread). */
  private final Map<String, Ahead> ahead = new HashMap<>();

  private volatile String lastOutcome = "none";
  private volatile String lastDetail;
  private volatile String lastProposal;
  private volatile long captures;

  /** One release directory the capture looks after: the live one, or a retired one being settled. */
  private final class Tree {
    final String id;
    final Path dir;
    final Manifest release;
    final Debouncer debouncer;
    volatile Manifest expected;
    volatile Manifest unacked;
    volatile boolean dirty = true;
    volatile boolean incomplete;
    volatile boolean watchedToEnd = true;
    /** Settled and kept watched only to know whether it still holds {@link #expected}: never captured. */
    volatile boolean settled;
    volatile Digest refused;
    volatile long lastScanMillis;
    /** Paths the watcher reported since the last scan: their cached digests are not trusted. */
    final Set<String> touched = java.util.concurrent.ConcurrentHashMap.newKeySet();
    volatile TreeWatcher watcher;
    long retiredAt;
    int failures;

    Tree(String id, Path dir, Manifest release, Manifest expected) {
      this.id = id;
      this.dir = dir;
      this.release = release;
      this.expected = expected;
      this.debouncer = new Debouncer(settings.quiet(), settings.maxWait(), settings.minInterval(), System::nanoTime,
          (task, nanos) -> schedule(task, nanos, TimeUnit.NANOSECONDS), () -> capture(this, "change"));
    }

    TreeWatcher.Listener listener() {
      return new TreeWatcher.Listener() {
        @Override
        public void changed(String path) {
          metrics.event();
          dirty = true;
          if (settled) {
            return;
          }
          if (touched.size() < MAX_TOUCHED) {
            touched.add(path);
          }
          debouncer.signal();
        }

        @Override
        public void overflow() {
          metrics.overflow();
          dirty = true;
          if (!settled) {
            debouncer.signal();
          }
        }

        @Override
        public void incomplete(String path, String reason) {
          incomplete = true;
        }
      };
    }

    /** True if the tree may differ from what was last acknowledged. */
    boolean mayHaveChanged() {
      return dirty || incomplete || debouncer.pending() || unacked != null || watcher == null;
    }

    void closeWatcher() {
      TreeWatcher w = watcher;
      watcher = null;
      if (w != null) {
        w.close();
      }
    }
  }

  /** A captured tree stored locally and waiting to be proposed. */
  private record Pending(Digest parent, Manifest manifest, byte[] bytes, String message) {}

  /**
   * @param notesDir where per-release capture notes are kept ({@code <data>/capture})
   * @param retiredWatch how long a tree stays watched after it stopped being current
   */
  public LiveCapture(String agentId, ReleaseLayout layout, ManifestCache manifests, CaptureRules rules,
      CaptureSettings settings, Proposer proposer, Path notesDir, Duration retiredWatch, MeterRegistry registry,
      Clock clock) {
    this.agentId = Objects.requireNonNull(agentId, "agentId");
    this.layout = Objects.requireNonNull(layout, "layout");
    this.manifests = Objects.requireNonNull(manifests, "manifests");
    this.store = manifests.store();
    this.rules = Objects.requireNonNull(rules, "rules");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.proposer = Objects.requireNonNull(proposer, "proposer");
    this.notes = new CaptureNotes(notesDir);
    this.cache = ScanCache.ignoringCtime(); // live trees share inodes with the releases built from them
    this.retiredWatch = Objects.requireNonNull(retiredWatch, "retiredWatch");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.metrics = new CaptureMetrics(registry, this::coverage, () -> uncaptured().size());
    this.exec = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "wpsync-capture-" + agentId);
      t.setDaemon(true);
      return t;
    });
    this.settler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "wpsync-settle-" + agentId);
      t.setDaemon(true);
      return t;
    });
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    this.storePool = Executors.newFixedThreadPool(STORE_THREADS, r -> {
      Thread t = new Thread(r, "wpsync-capture-store-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts watching {@code current} (if there is one yet), and schedules a first rescan (changes made
   * while the agent was down) and a final check of every tree left unsettled by a previous run.
   */
  public void start(String current) throws IOException {
    if (!state.compareAndSet(State.LATENT, State.STARTED)) {
      throw new IllegalStateException("capture already started or closed");
    }
    lock.lock();
    try {
      if (current != null) {
        Tree t = resume(current);
        live = t;
        t.debouncer.signal();
      }
      for (String id : notes.unsettled()) {
        if (!id.equals(current) && layout.isComplete(id)) {
          Tree t = resume(id);
          t.closeWatcher();
          t.retiredAt = clock.millis();
          t.watchedToEnd = false;
          retired.put(id, t);
          scheduleSettle(t, 0);
        }
      }
    } finally {
      lock.unlock();
    }
    exec.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    LOG.info("capturing local changes of {} (quiet {} ms, max wait {} s, rescan every {} s, excludes {})",
        current == null ? "(no release yet)" : current, settings.quiet().toMillis(), settings.maxWait().toSeconds(),
        settings.rescan().toSeconds(), rules.scanRules().excludes());
  }

  // ------------------------------------------------------------------ LiveTreeHooks

  @Override
  public ReleaseMaterializer.Reuse reuseFor(String releaseId) {
    Tree t = live;
    lock.lock();
    try {
      fresh.add(releaseId);
    } finally {
      lock.unlock();
    }
    if (t == null) {
      return ReleaseMaterializer.Reuse.NONE;
    }
    Manifest latest = t.unacked;
    Manifest have = latest != null ? latest : t.expected; // what the files hold, as far as we know
    return new LiveReuse(t.dir, have);
  }

  @Override
  public void staged(String releaseId) {
    lock.lock();
    try {
      if (!fresh.contains(releaseId) || ahead.containsKey(releaseId) || state.get() != State.STARTED) {
        return;
      }
      // watch it now, off the convergence thread, so the switch does not wait for thousands of registrations
      Ahead a = new Ahead();
      a.future = exec.submit(() -> a.run(() -> enter(releaseId, true)));
      ahead.put(releaseId, a);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    } finally {
      lock.unlock();
    }
  }

  /**
   * A release watched ahead of its switch, on the capture thread. Whoever gives it up ({@link
   * #abandon}) closes its watcher, whether the task has not started, is running or is done: a
   * cancelled {@link Future} alone would let a running task finish and leak an inotify instance.
   */
  private static final class Ahead {
    Future<Tree> future;
    private boolean started; // guarded by this
    private boolean abandoned; // guarded by this
    private Tree tree; // guarded by this

    Tree run(java.util.concurrent.Callable<Tree> enter) throws Exception {
      synchronized (this) {
        if (abandoned) {
          return null;
        }
        started = true;
      }
      Tree t = enter.call();
      synchronized (this) {
        if (abandoned) {
          t.closeWatcher();
          return null;
        }
        tree = t;
      }
      return t;
    }

    /** Gives it up if the task has not started yet; true if it was. */
    synchronized boolean abandonIfNotStarted() {
      if (started) {
        return false;
      }
      abandon();
      return true;
    }

    synchronized void abandon() {
      abandoned = true;
      future.cancel(false);
      if (tree != null) {
        tree.closeWatcher();
        tree = null;
      }
    }
  }

  /**
   * The tree for {@code to} if it was watched ahead, else null. Called WITHOUT the lock: the task
   * runs on the capture thread, which may itself be waiting for the lock (a settle, a capture); a
   * task that has not started yet is abandoned instead of waited for.
   */
  private Tree takeAhead(String to) throws IOException {
    Ahead a;
    boolean usable;
    lock.lock();
    try {
      a = ahead.remove(to);
      usable = fresh.contains(to);
    } finally {
      lock.unlock();
    }
    if (a == null) {
      return null;
    }
    if (!usable) {
      a.abandon();
      return null;
    }
    if (a.abandonIfNotStarted()) {
      return null; // the capture thread is busy: watch it now instead
    }
    try {
      return a.future.get(); // running or done: it needs no lock
    } catch (ExecutionException | java.util.concurrent.CancellationException e) {
      LOG.debug("{}: watching ahead failed ({}); watching now", to, e.toString());
      return null;
    } catch (InterruptedException e) {
      a.abandon();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while switching to " + to);
    }
  }

  @Override
  public void aroundSwitch(String from, String to, SwitchAction doSwitch) throws IOException {
    Tree old;
    Pending followUp = null;
    Tree watchedAhead = takeAhead(to);
    lock.lock();
    try {
      old = live;
      if (old != null && old.id.equals(to)) {
        if (watchedAhead != null) {
          watchedAhead.closeWatcher();
        }
        doSwitch.run();
        return;
      }
      Tree settledBefore = settledWatched.remove(to); // a rollback target: the live tree gets its own watch
      if (settledBefore != null) {
        settledBefore.closeWatcher();
      }
      if (old != null && old.mayHaveChanged() && state.get() == State.STARTED) {
        followUp = scanAndStore(old, "before switching to " + to);
      }
      boolean useAhead = watchedAhead != null && fresh.contains(to);
      if (watchedAhead != null && !useAhead) {
        watchedAhead.closeWatcher();
      }
      Tree next = useAhead ? watchedAhead : enter(to, fresh.contains(to));
      try {
        doSwitch.run();
      } catch (IOException | RuntimeException e) {
        next.closeWatcher();
        throw e;
      }
      live = next;
      notes.write(to, new CaptureNotes.Note(null, true, false)); // served: WordPress may write it from now on
      if (cache.size() == 0) {
        next.debouncer.signal(); // the first live tree here: a rescan now fills the scan cache, off the critical path
      }
      fresh.clear();
      ahead.values().forEach(Ahead::abandon); // staged for rollouts that did not commit
      ahead.clear();
      if (old != null) {
        retire(old);
      }
    } finally {
      lock.unlock();
    }
    if (followUp != null) {
      Pending p = followUp;
      Tree t = old;
      LOG.info("writes on {} after its last capture, found before switching to {}: proposing them as a follow-up",
          t.id, to);
      schedule(() -> send(t, p), 0, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public Holdings holds(String releaseId) {
    lock.lock();
    try {
      if ((live != null && live.id.equals(releaseId)) || retired.containsKey(releaseId)) {
        return null; // in use: never recycled
      }
      Tree quiet = settledWatched.remove(releaseId);
      if (quiet != null) {
        quiet.closeWatcher(); // the recycler changes it next; events seen until now are counted
        if (!quiet.dirty && !quiet.incomplete) {
          LOG.debug("{}: recycled as watched since it settled (no rescan)", releaseId);
          return new Holdings(quiet.expected, null); // watched since it last held this: no rescan
        }
      }
      Manifest release = releaseManifest(releaseId);
      // usually it still holds its release exactly: then that manifest is the answer, nothing is rebuilt
      Scanner.Listing listing = scanner(release.pieceSize()).list(layout.releaseDir(releaseId));
      return new Holdings(rules.overlay(release, listing.entries(), release), listing.unrecorded());
    } catch (IOException | UnsafePathException e) {
      LOG.info("{}: not recycled ({})", releaseId, e.toString());
      return null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Set<String> uncaptured() {
    lock.lock();
    try {
      return new HashSet<>(retired.keySet());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Set<Digest> objectsToKeep() {
    Set<Digest> keep = new HashSet<>();
    lock.lock();
    try {
      List<Tree> trees = new ArrayList<>(retired.values());
      if (live != null) {
        trees.add(live);
      }
      for (Tree t : trees) {
        for (Manifest m : new Manifest[] {t.expected, t.unacked}) {
          if (m != null && !m.equals(t.release)) {
            keep.add(m.id());
            keep.addAll(m.objectDigests());
          }
        }
      }
    } finally {
      lock.unlock();
    }
    return keep;
  }

  // ------------------------------------------------------------------ capture now (HTTP)

  /** Captures the live tree now (the WordPress mu-plugin calls this after an update) and proposes it. */
  public Result captureNow() throws InterruptedException {
    if (state.get() != State.STARTED) {
      return Result.of("not-running", "the capture is not running");
    }
    Future<Result> f = exec.submit(() -> {
      Tree t = live;
      if (t == null) {
        return Result.of("not-live", "no release is current yet: nothing to capture");
      }
      return captureAndSend(t, "requested");
    });
    try {
      return f.get(ProposalClient.REQUEST_TIMEOUT.toMillis() + 60_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return Result.of("failed", e.getCause().toString());
    } catch (TimeoutException e) {
      f.cancel(true);
      return Result.of("failed", "the capture did not finish in time");
    }
  }

  // ------------------------------------------------------------------ capture thread

  private void tick() {
    Tree t = live;
    if (t == null || state.get() != State.STARTED) {
      return;
    }
    Duration every = t.incomplete ? settings.unwatchedRescan() : settings.rescan();
    if (clock.millis() - t.lastScanMillis >= every.toMillis() && !t.debouncer.pending()) {
      t.dirty = true;
      t.debouncer.signal();
    }
  }

  private void capture(Tree t, String why) {
    if (state.get() != State.STARTED) {
      return;
    }
    captureAndSend(t, why);
  }

  private Result captureAndSend(Tree t, String why) {
    Pending p;
    lock.lock();
    try {
      if (t != live && !retired.containsKey(t.id)) {
        return Result.of("no-change", "release " + t.id + " is no longer watched");
      }
      p = scanAndStore(t, why);
    } catch (IOException e) {
      return noteFailure(t, "cannot capture " + t.id + ": " + e);
    } finally {
      lock.unlock();
    }
    if (p == null) {
      return Result.of(t.unacked == null ? "no-change" : "busy", lastDetail);
    }
    return send(t, p);
  }

  /**
   * A path the watcher saw change is hashed again even if its stamp looks unchanged (the cache
   * ignores ctime, so a rewrite with a forged mtime would otherwise hit).
   */
  private void forgetTouched(Tree t) {
    if (t.touched.isEmpty()) {
      return;
    }
    List<String> paths = new ArrayList<>(t.touched);
    t.touched.removeAll(paths);
    if (paths.size() >= MAX_TOUCHED) {
      cache.invalidateAll();
    } else {
      cache.invalidate(new HashSet<>(paths));
    }
  }

  /** Rescans {@code t}; if it differs from what was acknowledged, stores its new objects and manifest. */
  private Pending scanAndStore(Tree t, String why) throws IOException {
    t.dirty = false; // events from now on mark it again
    forgetTouched(t);
    long started = System.nanoTime();
    List<ManifestEntry> scanned;
    try {
      scanned = scanner(t.release.pieceSize()).scanEntries(t.dir);
    } catch (FileChangedDuringScanException e) {
      t.dirty = true;
      t.debouncer.signal();
      lastDetail = "a file kept changing during the scan; retrying: " + e.getMessage();
      return null;
    } catch (UnsafePathException e) {
      metrics.scanFailed();
      t.dirty = true;
      noteFailure(t, "the live tree " + t.id + " holds a path that cannot be released (" + e.getMessage()
          + "); fix or remove it, it is captured once it is valid");
      return null;
    } catch (NoSuchFileException e) {
      return null; // the directory is gone
    } finally {
      t.lastScanMillis = clock.millis();
    }
    captures++;
    metrics.scanned(Duration.ofNanos(System.nanoTime() - started));
    Manifest m;
    try {
      m = rules.overlay(t.release, scanned, t.expected); // t.expected itself if nothing changed: nothing rebuilt
    } catch (UnsafePathException e) { // a path on disk, or its combination with the release, is not a valid tree
      metrics.scanFailed();
      t.dirty = true;
      noteFailure(t, "the live tree " + t.id + " holds a path that cannot be released (" + e.getMessage()
          + "); fix or remove it, it is captured once it is valid");
      return null;
    }
    if (m.equals(t.expected)) {
      t.unacked = null;
      lastOutcome = "no-change";
      lastDetail = t.id + " holds nothing uncaptured (" + why + ")";
      return null;
    }
    if (m.id().equals(t.refused)) {
      lastDetail = "this state of " + t.id + " was refused by the coordinator; waiting for another change";
      return null;
    }
    ManifestDiff d = ManifestDiff.between(t.expected, m);
    try {
      List<ManifestEntry> toStore = new ArrayList<>(d.added());
      for (ManifestDiff.Change c : d.changed()) {
        toStore.add(c.after());
      }
      storeObjects(t, toStore);
    } catch (DigestMismatchException | NoSuchFileException e) {
      t.dirty = true; // changed since the scan: capture the next state
      t.debouncer.signal();
      lastDetail = "a file changed while it was stored; capturing again: " + e.getMessage();
      return null;
    }
    byte[] bytes = ManifestCodec.encode(m);
    store.put(m.id(), java.nio.ByteBuffer.wrap(bytes));
    t.unacked = m;
    ManifestDiff.Summary s = ManifestDiff.between(t.release, m).summary();
    String message = String.format("captured on %s (%s): +%d ~%d -%d paths vs %s", agentId, why, s.added(),
        s.changed(), s.removed(), t.id);
    LOG.info("{}: {} ({})", t.id, message, d);
    Digest parent = t.expected.equals(t.release) ? null : t.expected.id();
    return new Pending(parent, m, bytes, message);
  }

  /**
   * Copies new objects into the store, in parallel (each is fsynced: the journal commits concurrent
   * fsyncs together, so a 1,000-file plugin does not pay 1,000 commits in a row), and fsyncs the live
   * files too: the next release may hard-link them, so their data must be on disk like the store copy.
   */
  private void storeObjects(Tree t, List<ManifestEntry> entries) throws IOException {
    Map<Digest, ManifestEntry> todo = new LinkedHashMap<>();
    for (ManifestEntry e : entries) {
      if (e.isFile() && !todo.containsKey(e.digest()) && !store.contains(e.digest())) {
        todo.put(e.digest(), e);
      }
    }
    List<Future<?>> running = new ArrayList<>();
    for (ManifestEntry e : todo.values()) {
      running.add(storePool.submit(() -> {
        Path file = t.dir.resolve(e.path());
        store.putFile(file, e.digest());
        Durable.force(file);
        return null;
      }));
    }
    IOException first = null;
    for (Future<?> f : running) { // wait for all, so none runs on after a failure
      try {
        f.get();
      } catch (ExecutionException e) {
        if (first == null) {
          first = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while storing captured objects");
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private Result send(Tree t, Pending p) {
    if (state.get() != State.STARTED) {
      return Result.of("not-running", "stopping");
    }
    try {
      ProposalInfo info = proposer.propose(agentId, t.id, p.parent(), p.manifest().id(), p.bytes(), p.message());
      lock.lock();
      try {
        t.expected = p.manifest();
        if (p.manifest().equals(t.unacked)) {
          t.unacked = null;
        }
        t.failures = 0;
        notes.write(t.id, notes.read(t.id).withCaptured(p.manifest().id().toString()));
      } finally {
        lock.unlock();
      }
      metrics.proposed();
      lastOutcome = "proposed";
      lastProposal = info.id();
      lastDetail = "proposal " + info.id() + " (" + info.state() + ") for " + p.manifest().id().shortHex(12) + " on "
          + t.id + (info.reason() == null ? "" : ": " + info.reason());
      LOG.info("{}: {}", t.id, lastDetail);
      return new Result("proposed", lastDetail, info);
    } catch (ProposalRefusedException e) {
      metrics.refused();
      t.refused = p.manifest().id();
      lastOutcome = "refused";
      lastDetail = e.getMessage();
      LOG.error("{}: proposal of {} refused: {}", t.id, p.manifest().id().shortHex(12), e.getMessage());
      return Result.of("refused", e.getMessage());
    } catch (IOException e) {
      metrics.failed();
      return noteFailure(t, "proposing " + p.manifest().id().shortHex(12) + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.of("failed", "interrupted");
    }
  }

  /** Records a failure and retries the capture with exponential backoff. */
  private Result noteFailure(Tree t, String detail) {
    t.failures++;
    long backoff = Math.min(MAX_BACKOFF_MS, 1000L << Math.min(t.failures - 1, 5));
    lastOutcome = "failed";
    lastDetail = detail + " (retry in " + backoff + " ms)";
    LOG.warn("{}", lastDetail);
    t.dirty = true;
    schedule(t.debouncer::signal, backoff, TimeUnit.MILLISECONDS);
    return Result.of("failed", lastDetail);
  }

  // ------------------------------------------------------------------ trees

  /** A tree for {@code id} after a restart: expected = its last acknowledged capture, else its release. */
  private Tree resume(String id) throws IOException {
    Manifest release = releaseManifest(id);
    Manifest expected = release;
    String captured = notes.read(id).captured();
    if (captured != null) {
      try {
        expected = manifests.get(Digest.parse(captured));
      } catch (IOException | IllegalArgumentException e) {
        LOG.warn("{}: last captured manifest {} unreadable ({}); comparing with the release instead", id, captured,
            e.getMessage());
      }
    }
    Tree t = new Tree(id, layout.releaseDir(id), release, expected);
    t.watcher = watch(t, null);
    notes.write(id, new CaptureNotes.Note(captured, true, false));
    return t;
  }

  /**
   * The tree about to become current. A release not built from the tree being left (a rollback
   * target) is first put back to its manifest: live releases share files, so later writes may show in it.
   */
  private Tree enter(String id, boolean builtFromLive) throws IOException {
    Manifest release = releaseManifest(id);
    Tree t = new Tree(id, layout.releaseDir(id), release, release);
    if (!builtFromLive) {
      try {
        Manifest have = rules.overlay(release, scanner(release.pieceSize()).scan(t.dir));
        int n = LiveRepair.repair(t.dir, have, release, store);
        if (n > 0) {
          metrics.repaired(n);
          LOG.info("{}: put {} paths back to the release before making it current again", id, n);
        }
      } catch (UnsafePathException e) {
        throw new IOException("release " + id + " holds an unsafe path and cannot be repaired: " + e.getMessage(), e);
      }
    }
    t.watcher = watch(t, release);
    t.dirty = false;
    t.lastScanMillis = clock.millis();
    return t;
  }

  /**
   * Keeps a settled tree watched (it holds {@code t.expected}, nothing uncaptured) so recycling it
   * needs no rescan; the oldest beyond {@link #MAX_WATCHED_SETTLED}, and any whose directory retention
   * removed, stop being watched. Under the lock.
   */
  private void keepWatchedSettled(Tree t) {
    t.settled = true;
    settledWatched.put(t.id, t);
    var it = settledWatched.values().iterator();
    while (it.hasNext()) {
      Tree s = it.next();
      if (settledWatched.size() > MAX_WATCHED_SETTLED || !java.nio.file.Files.isDirectory(s.dir)) {
        s.closeWatcher();
        it.remove();
      }
    }
  }

  /**
   * Watches a left tree again whose watch was given up early, so that a settle that then rescans it
   * unchanged can keep it watched ({@link #keepWatchedSettled}) and its recycling needs no second
   * rescan. Registered without the lock (thousands of directories), installed under it.
   */
  private void watchAgain(Tree t) {
    TreeWatcher w;
    try {
      w = watch(t, t.expected);
    } catch (IOException | RuntimeException e) {
      LOG.debug("{}: not watched again ({})", t.id, e.toString());
      return;
    }
    lock.lock();
    try {
      if (state.get() == State.STARTED && retired.get(t.id) == t && t.watcher == null) {
        t.watcher = w;
        w = null;
      }
    } finally {
      lock.unlock();
      if (w != null) {
        w.close();
      }
    }
  }

  /**
   * Starts watching {@code t}, registering the directories {@code m} lists at once (null: those
   * found by listing the tree).
   */
  private TreeWatcher watch(Tree t, Manifest m) throws IOException {
    List<String> dirs = m == null ? null : new ArrayList<>();
    if (m != null) {
      for (ManifestEntry e : m.entries()) {
        if (e.isDirectory()) {
          dirs.add(e.path());
        }
      }
    }
    return new TreeWatcher(t.dir, rules.scanRules(), settings.maxWatches(), t.listener(), t.id).start(dirs);
  }

  /** Settled trees still watched (tests). */
  Set<String> watchedSettled() {
    lock.lock();
    try {
      return new HashSet<>(settledWatched.keySet());
    } finally {
      lock.unlock();
    }
  }

  /** Settled trees still watched and seen unchanged (tests). */
  Set<String> quietSettled() {
    lock.lock();
    try {
      Set<String> out = new HashSet<>();
      settledWatched.forEach((id, t) -> {
        if (!t.dirty && !t.incomplete) {
          out.add(id);
        }
      });
      return out;
    } finally {
      lock.unlock();
    }
  }

  /** The tree stopped being current: keep watching it for a while, then check it once more. */
  private void retire(Tree t) {
    t.retiredAt = clock.millis();
    retired.put(t.id, t);
    List<Tree> watched = new ArrayList<>();
    for (Tree r : retired.values()) {
      if (r.watcher != null) {
        watched.add(r);
      }
    }
    for (int i = 0; i < watched.size() - MAX_WATCHED_RETIRED; i++) {
      Tree r = watched.get(i); // the oldest: stop watching, check it by a rescan at its end
      r.closeWatcher();
      r.watchedToEnd = false;
    }
    scheduleSettle(t, retiredWatch.toMillis());
  }

  /** End of a retired tree's watch: check it (only if it may have changed) and let retention have it. */
  private void settle(Tree t) {
    if (state.get() != State.STARTED) {
      return;
    }
    long started = System.nanoTime();
    boolean check = t.mayHaveChanged() || !t.watchedToEnd;
    String how = check ? "rescanned" : "watched to the end";
    if (check && t.watcher == null) {
      watchAgain(t); // before the rescan: if it finds the tree unchanged, it stays known while watched
    }
    if (check && unchangedWithoutLock(t)) {
      check = false; // unwatched at the end, but a rescan finds exactly what was last acknowledged
      how = "rescanned, unchanged";
    }
    if (check) {
      LOG.debug("{}: final check by a rescan (dirty {}, incomplete {}, pending {}, unacked {}, watched {}, to the end {})",
          t.id, t.dirty, t.incomplete, t.debouncer.pending(), t.unacked != null, t.watcher != null, t.watchedToEnd);
      Result r = captureAndSend(t, "final check after leaving it");
      if (!r.outcome().equals("no-change") && !r.outcome().equals("proposed")) {
        t.failures++;
        scheduleSettle(t, Math.min(MAX_BACKOFF_MS, 1000L << Math.min(t.failures, 5)));
        return;
      }
      if (t.unacked != null || t.dirty) {
        scheduleSettle(t, 1000);
        return;
      }
    }
    lock.lock();
    try {
      if (t.dirty || t.unacked != null) {
        scheduleSettle(t, 1000);
        return;
      }
      retired.remove(t.id);
      if (t.watcher != null && !t.incomplete) {
        keepWatchedSettled(t);
      } else {
        t.closeWatcher();
      }
      notes.write(t.id, new CaptureNotes.Note(null, true, true));
      pruneNotes();
      LOG.debug("{}: settled (nothing uncaptured; {}) in {} ms; retention may remove it", t.id,
          how, (System.nanoTime() - started) / 1_000_000);
    } catch (IOException e) {
      LOG.warn("{}: cannot record that it is settled: {}", t.id, e.toString());
    } finally {
      lock.unlock();
    }
  }

  /**
   * For a left tree whose only doubt is that it was not watched to the end: rescans it WITHOUT the
   * lock (nothing else touches a left, unsettled tree: retention and recycling wait for it) and
   * says whether it holds exactly its last acknowledged state. Anything else, or any error, leaves
   * the decision to the full capture path.
   */
  private boolean unchangedWithoutLock(Tree t) {
    if (t.dirty || t.incomplete || t.unacked != null || t.debouncer.pending()) {
      return false;
    }
    Manifest expected = t.expected;
    try {
      List<ManifestEntry> entries = scanner(t.release.pieceSize()).scanEntries(t.dir);
      return rules.overlay(t.release, entries, expected) == expected && !t.dirty && t.unacked == null;
    } catch (IOException | UnsafePathException | RuntimeException e) {
      LOG.debug("{}: quick check before settling failed ({}); checking it the full way", t.id, e.toString());
      return false;
    }
  }

  private void scheduleSettle(Tree t, long delayMillis) {
    if (state.get() == State.CLOSED) {
      return;
    }
    try {
      settler.schedule(() -> {
        try {
          settle(t);
        } catch (RuntimeException e) {
          LOG.warn("settling {} failed: {}", t.id, e.toString(), e);
        }
      }, delayMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private Manifest releaseManifest(String id) throws IOException {
    ReleaseRecord r = layout.record(id).orElseThrow(() -> new NoSuchFileException(layout.releaseDir(id).toString(),
        null, "no release record: not a complete release"));
    try {
      return manifests.get(r.manifestId());
    } catch (CorruptManifestException e) {
      throw new IOException("release " + id + ": " + e.getMessage(), e);
    }
  }

  private Scanner scanner(int pieceSize) {
    synchronized (scanners) {
      return scanners.computeIfAbsent(pieceSize, p -> Scanner.builder().rules(rules.scanRules()).pieceSize(p)
          .cache(cache).threads(2).build());
    }
  }

  private void schedule(Runnable task, long delay, TimeUnit unit) {
    if (state.get() == State.CLOSED) {
      return;
    }
    try {
      exec.schedule(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.warn("capture task failed: {}", e.toString(), e);
        }
      }, delay, unit);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  /** Release notes of directories retention removed. */
  public void pruneNotes() {
    try {
      notes.prune(new HashSet<>(layout.releaseIds()));
    } catch (IOException e) {
      LOG.debug("pruning capture notes: {}", e.toString());
    }
  }

  // ------------------------------------------------------------------ status

  /** How much of the live tree is watched. */
  public WatchCoverage coverage() {
    Tree t = live;
    TreeWatcher w = t == null ? null : t.watcher;
    return w == null ? new WatchCoverage(0, 0, 0, null) : w.coverage();
  }

  public Status status() {
    Tree t = live;
    WatchCoverage c = coverage();
    return new Status(t == null ? null : t.id, c.watched(), c.unwatched(), c.reason(), c.overflows(),
        new ArrayList<>(uncaptured()), lastOutcome, lastDetail, lastProposal, captures);
  }

  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) == State.CLOSED) {
      return;
    }
    exec.shutdownNow();
    settler.shutdownNow();
    storePool.shutdownNow();
    try {
      exec.awaitTermination(10, TimeUnit.SECONDS);
      settler.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    lock.lock();
    try {
      if (live != null) {
        live.closeWatcher();
      }
      retired.values().forEach(Tree::closeWatcher);
      settledWatched.values().forEach(Tree::closeWatcher);
      ahead.values().forEach(Ahead::abandon);
    } finally {
      lock.unlock();
    }
    synchronized (scanners) {
      scanners.values().forEach(Scanner::close);
    }
  }
}
