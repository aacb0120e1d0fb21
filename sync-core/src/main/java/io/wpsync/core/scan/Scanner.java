package io.wpsync.core.scan;

import io.wpsync.core.hash.FileDigests;
import io.wpsync.core.hash.FileHasher;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.UnsafePathException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a directory tree into a validated {@link Manifest}.
 *
 * <p>Guarantees: symlinks are recorded with their target and never followed (the root itself may
 * be a symlink: it is resolved once); sockets, fifos and devices are skipped with a warning; every
 * recorded digest matches the file as it was between two identical {@code lstat}s around the read
 * (a file that keeps changing is re-read a bounded number of times, then the scan fails with
 * {@link FileChangedDuringScanException}); unchanged files are served from the {@link ScanCache}
 * without reading their contents; names that are not valid UTF-8 fail with {@link
 * UnsafePathException}, as does anything {@link Manifest#of} refuses (e.g. a symlink leaving the
 * tree). Subtrees are walked and files hashed (largest first) on the executor, so a scan uses
 * every core; {@link #scan} waits for those tasks, so do not call it from a thread of a bounded
 * executor it uses. A scanner is safe for concurrent use.
 *
 * <pre>{@code
 * try (Scanner scanner = Scanner.builder().rules(ScanRules.defaults()).build()) {
 *   Manifest m = scanner.scan(Path.of("/var/www/wp-content"));
 * }
 * }</pre>
 */
public final class Scanner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Scanner.class);

  private final ScanRules rules;
  private final int pieceSize;
  private final FileHasher hasher;
  private final ScanCache cache;
  private final Executor executor;
  private final ExecutorService ownedPool;
  private final int maxAttempts;
  private volatile Previous previous;

  private final LongAdder scans = new LongAdder();
  private final LongAdder hashed = new LongAdder();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder skipped = new LongAdder();

  private Scanner(Builder b) {
    FileNames.checkJvmEncoding();
    this.rules = b.rules;
    this.pieceSize = b.pieceSize;
    this.hasher = b.hasher != null ? b.hasher : new FileHasher(b.pieceSize, b.bufferSize, b.listener);
    if (hasher.pieceSize() != pieceSize) {
      throw new IllegalArgumentException("hasher piece size " + hasher.pieceSize() + " != " + pieceSize);
    }
    this.cache = b.cache != null ? b.cache : new ScanCache();
    this.maxAttempts = b.maxAttempts;
    if (b.executor != null) {
      this.executor = b.executor;
      this.ownedPool = null;
    } else {
      AtomicInteger n = new AtomicInteger();
      this.ownedPool = Executors.newFixedThreadPool(b.threads, r -> {
        Thread t = new Thread(r, "wpsync-hash-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      this.executor = ownedPool;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Scans the tree under {@code root}.
   *
   * @throws UnsafePathException if a name on disk or the resulting manifest breaks the path rules
   * @throws FileChangedDuringScanException if a file kept changing while it was read
   * @throws IOException if the tree cannot be read
   */
  public Manifest scan(Path root) throws IOException, UnsafePathException {
    Walked w = walk(root);
    Manifest m = validated(w.base(), w.entries());
    scans.increment();
    return m;
  }

  /**
   * The entries under {@code root}, sorted by {@link Manifest#PATH_ORDER} but not validated as a
   * tree: for a caller that compares them with a manifest it already holds and builds (and so
   * validates) a new one only if they differ. Hashes what the cache does not know, like {@link #scan}.
   *
   * @throws UnsafePathException if a name on disk breaks the path rules
   * @throws FileChangedDuringScanException if a file kept changing while it was read
   * @throws IOException if the tree cannot be read
   */
  public List<ManifestEntry> scanEntries(Path root) throws IOException, UnsafePathException {
    return list(root).entries();
  }

  /**
   * What is on disk under {@code root}: the recorded entries as {@link #scanEntries} gives them, and
   * the relative paths of what the walk saw but did not record (excluded or outside every rule,
   * special files, directories holding nothing recorded; an excluded directory is listed, not
   * entered). A caller that must leave nothing but a manifest's entries (release recycling) needs to
   * look further only if that second list says there is something.
   */
  public Listing list(Path root) throws IOException, UnsafePathException {
    Walked w = walk(root);
    w.entries().sort(Comparator.comparing(ManifestEntry::path, Manifest.PATH_ORDER));
    scans.increment();
    return new Listing(w.entries(), List.copyOf(w.unrecorded()));
  }

  /** Entries recorded (sorted, not validated), and relative paths seen but not recorded. */
  public record Listing(List<ManifestEntry> entries, List<String> unrecorded) { }

  private record Walked(Path base, List<ManifestEntry> entries, List<String> unrecorded) { }

  private Walked walk(Path root) throws IOException, UnsafePathException {
    Path base = root.toRealPath();
    if (!Files.isDirectory(base)) {
      throw new NotDirectoryException(root.toString());
    }
    long started = System.nanoTime();
    TreeWalk.Result walk = new TreeWalk(rules, cache, pieceSize, executor).walk(base);
    hits.add(walk.hits);
    misses.add(walk.misses);
    skipped.add(walk.skipped);
    long walked = System.nanoTime();
    List<ManifestEntry> entries = walk.entries;
    hashAll(walk.pending, entries);
    if (log.isDebugEnabled()) {
      log.debug("scanned {}: {} entries walked in {} ms ({} cached), {} files hashed in {} ms",
          base, entries.size(), (walked - started) / 1_000_000, walk.hits, walk.pending.size(),
          (System.nanoTime() - walked) / 1_000_000);
    }
    return new Walked(base, entries, walk.unrecorded);
  }

  /**
   * The manifest of {@code entries}: the previous scan's, already validated, when the tree under
   * the same root came out identical (the common rescan), else a new {@link Manifest#of}.
   */
  private Manifest validated(Path base, List<ManifestEntry> entries) throws UnsafePathException {
    entries.sort(Comparator.comparing(ManifestEntry::path, Manifest.PATH_ORDER)); // near-linear: walk order
    Previous prev = previous;
    if (prev != null && prev.base().equals(base) && prev.manifest().entries().equals(entries)) {
      return prev.manifest();
    }
    Manifest m = Manifest.of(pieceSize, entries);
    previous = new Previous(base, m);
    return m;
  }

  /** The last manifest built, and the root it describes. */
  private record Previous(Path base, Manifest manifest) { }

  /**
   * Hashes the pending files in parallel, largest first, and puts each entry in its slot; then
   * drops the slots left empty (directories not recorded, files that vanished).
   */
  private void hashAll(List<TreeWalk.Pending> pending, List<ManifestEntry> entries) throws IOException {
    List<TreeWalk.Pending> bySize = new ArrayList<>(pending);
    bySize.sort(Comparator.comparingLong((TreeWalk.Pending p) -> p.stamp().size()).reversed());
    AtomicBoolean failed = new AtomicBoolean();
    List<CompletableFuture<ManifestEntry>> futures = new ArrayList<>(bySize.size());
    for (TreeWalk.Pending p : bySize) {
      futures.add(CompletableFuture.supplyAsync(() -> {
        if (failed.get()) {
          return null;
        }
        try {
          return hashStable(p);
        } catch (IOException e) {
          failed.set(true);
          throw new CompletionException(e);
        } catch (RuntimeException | Error e) {
          failed.set(true);
          throw e;
        }
      }, executor));
    }
    Throwable first = null; // every task is waited for, so none touches the tree after we return
    for (int i = 0; i < futures.size(); i++) {
      try {
        entries.set(bySize.get(i).slot(), futures.get(i).join());
      } catch (CompletionException e) {
        if (first == null) {
          first = e.getCause() != null ? e.getCause() : e;
        }
      }
    }
    if (first instanceof IOException io) {
      throw io;
    } else if (first instanceof RuntimeException re) {
      throw re;
    } else if (first instanceof Error err) {
      throw err;
    } else if (first != null) {
      throw new IllegalStateException(first);
    }
    entries.removeIf(Objects::isNull);
  }

  /**
   * Hashes one file until two {@code lstat}s around a full read agree, at most {@code maxAttempts}
   * times. Returns null if the file vanished.
   */
  private ManifestEntry hashStable(TreeWalk.Pending p) throws IOException {
    FileStamp before = p.stamp();
    String reason = null;
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        retries.increment();
      }
      Instant started = cache.now();
      FileDigests d;
      FileStamp after;
      try {
        d = hasher.hash(p.path());
        hashed.increment();
        after = FileStamp.read(p.path());
      } catch (NoSuchFileException e) {
        log.debug("'{}' vanished while being hashed", p.rel());
        return null;
      }
      if (after.equals(before) && d.size() == before.size()) {
        cache.store(p.rel(), pieceSize, after, d, started);
        return ManifestEntry.file(p.rel(), after.permissions(), d.size(), d.digest(), d.pieces());
      }
      if (!after.isRegularFile()) {
        throw new FileChangedDuringScanException(p.rel(), "it became a " + after.typeName());
      }
      reason = describeChange(before, after, d.size());
      if (attempt < maxAttempts) {
        log.info("'{}' changed while being hashed ({}), reading it again", p.rel(), reason);
      }
      before = after;
    }
    throw new FileChangedDuringScanException(p.rel(), maxAttempts + " reads in a row saw it change (last: " + reason + ")");
  }

  private static String describeChange(FileStamp before, FileStamp after, long bytesRead) {
    List<String> what = new ArrayList<>();
    if (before.size() != after.size() || bytesRead != before.size()) {
      what.add("size " + before.size() + " -> " + after.size() + ", read " + bytesRead + " bytes");
    }
    if (before.mtimeNanos() != after.mtimeNanos()) {
      what.add("mtime changed");
    }
    if (before.ctimeNanos() != after.ctimeNanos()) {
      what.add("ctime changed");
    }
    if (before.ino() != after.ino() || before.dev() != after.dev()) {
      what.add("replaced by another inode");
    }
    if (before.mode() != after.mode()) {
      what.add(String.format("mode %o -> %o", before.permissions(), after.permissions()));
    }
    return String.join(", ", what);
  }

  /** Counters since this scanner was built. */
  public ScanStats stats() {
    return new ScanStats(scans.sum(), hashed.sum(), hasher.bytesHashed(), hits.sum(), misses.sum(),
        retries.sum(), skipped.sum());
  }

  public ScanCache cache() {
    return cache;
  }

  public FileHasher hasher() {
    return hasher;
  }

  public ScanRules rules() {
    return rules;
  }

  public int pieceSize() {
    return pieceSize;
  }

  /** Stops the scanner's own hashing pool, if it made one; an injected executor is left alone. */
  @Override
  public void close() {
    if (ownedPool != null) {
      ownedPool.shutdownNow();
    }
  }

  /** Options for a {@link Scanner}; every one has a sensible default. */
  public static final class Builder {
    private ScanRules rules = ScanRules.defaults();
    private int pieceSize = Manifest.DEFAULT_PIECE_SIZE;
    private int bufferSize = FileHasher.DEFAULT_BUFFER_SIZE;
    private FileHasher.ReadListener listener;
    private FileHasher hasher;
    private ScanCache cache;
    private Executor executor;
    private int threads = Runtime.getRuntime().availableProcessors();
    private int maxAttempts = 3;

    private Builder() {}

    public Builder rules(ScanRules rules) {
      this.rules = Objects.requireNonNull(rules, "rules");
      return this;
    }

    public Builder pieceSize(int pieceSize) {
      if (pieceSize < Manifest.MIN_PIECE_SIZE || pieceSize > Manifest.MAX_PIECE_SIZE) {
        throw new IllegalArgumentException(String.format("piece size %d outside [%d, %d]",
            pieceSize, Manifest.MIN_PIECE_SIZE, Manifest.MAX_PIECE_SIZE));
      }
      this.pieceSize = pieceSize;
      return this;
    }

    /** Read buffer per hashing thread (default {@link FileHasher#DEFAULT_BUFFER_SIZE}). */
    public Builder bufferSize(int bufferSize) {
      this.bufferSize = bufferSize;
      return this;
    }

    /** Called after every buffer read (progress, or tests that change a file mid-read). */
    public Builder readListener(FileHasher.ReadListener listener) {
      this.listener = listener;
      return this;
    }

    /** A shared hasher (its piece size must match); overrides buffer size and listener. */
    public Builder hasher(FileHasher hasher) {
      this.hasher = hasher;
      return this;
    }

    /** A cache to share between scanners or keep across them (default: a new one). */
    public Builder cache(ScanCache cache) {
      this.cache = cache;
      return this;
    }

    /** Runs hashing on {@code executor}, which the caller owns and shuts down. */
    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    /** Size of the scanner's own hashing pool when no executor is given (default: cores). */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads " + threads + " < 1");
      }
      this.threads = threads;
      return this;
    }

    /** How many reads of a changing file before giving up (default 3). */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts " + maxAttempts + " < 1");
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Scanner build() {
      return new Scanner(this);
    }
  }
}
