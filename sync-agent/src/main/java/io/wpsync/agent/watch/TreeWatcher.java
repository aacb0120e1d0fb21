package io.wpsync.agent.watch;

import io.wpsync.core.scan.ScanRules;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a live tree with the platform's file watcher (inotify on Linux) and reports changes to
 * the paths a scan would record.
 *
 * <p>Guarantees: every directory the {@link ScanRules} walk into is watched, including directories
 * created later (registered as their creation is seen, with everything already inside them);
 * excluded directories ({@code uploads/}, caches) and symlinks (linked paths) are never watched or
 * followed. Each event on a path the rules could record calls {@link Listener#changed}; an event
 * queue overflow calls {@link Listener#overflow} (the caller rescans). When a directory cannot be
 * watched because the kernel's watch limit (or the configured {@code maxWatches}) is reached, the
 * watcher logs it once with the fix, counts it in {@link #coverage()}, and calls {@link
 * Listener#incomplete} so the caller relies on periodic rescans for the unwatched part; it never
 * silently misses changes. Events are delivered on the watcher's own thread.
 *
 * <pre>{@code
 * TreeWatcher w = new TreeWatcher(liveDir, rules, Integer.MAX_VALUE, listener, "r0000000007").start();
 * if (!w.coverage().complete()) { ... rescan more often ... }
 * }</pre>
 */
public final class TreeWatcher implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(TreeWatcher.class);

  /** What a watcher reports. Called on the watcher thread: keep it short. */
  public interface Listener {
    /** {@code path} (relative to the root, "" for the root) was created, modified or deleted. */
    void changed(String path);

    /** Events were lost: rescan everything. */
    void overflow();

    /** A directory could not be watched ({@code reason} says why): changes there need rescans. */
    void incomplete(String path, String reason);
  }

  private final Path root;
  private final ScanRules rules;
  private final int maxWatches;
  private final Listener listener;
  private final String label;
  private final Map<WatchKey, String> keys = new ConcurrentHashMap<>();
  private final AtomicInteger unwatched = new AtomicInteger();
  private final AtomicLong overflows = new AtomicLong();
  private final AtomicBoolean limitLogged = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile String unwatchedReason;
  private WatchService service;
  private Thread thread;

  /**
   * @param root the tree to watch (a real directory, e.g. {@code releases/<id>})
   * @param maxWatches at most this many directories get a watch (the kernel limit applies too)
   * @param label names the watcher thread and log lines (e.g. the release id)
   */
  public TreeWatcher(Path root, ScanRules rules, int maxWatches, Listener listener, String label) {
    this.root = Objects.requireNonNull(root, "root");
    this.rules = Objects.requireNonNull(rules, "rules");
    if (maxWatches < 1) {
      throw new IllegalArgumentException("maxWatches must be at least 1, got " + maxWatches);
    }
    this.maxWatches = maxWatches;
    this.listener = Objects.requireNonNull(listener, "listener");
    this.label = Objects.requireNonNull(label, "label");
  }

  /** Registers the tree and starts delivering events; returns once every directory is registered. */
  public TreeWatcher start() throws IOException {
    return start(null);
  }

  /**
   * Like {@link #start()}, but registers the root and {@code knownDirectories} (relative paths,
   * e.g. the directory entries of the manifest a fresh release was just built from) instead of
   * walking the tree: no {@code lstat} of every file. Only for a tree known to hold exactly those
   * directories; directories created later are found through their parent's events as usual.
   */
  public synchronized TreeWatcher start(java.util.Collection<String> knownDirectories) throws IOException {
    if (service != null) {
      throw new IllegalStateException("watcher of " + root + " already started");
    }
    try {
      service = FileSystems.getDefault().newWatchService();
    } catch (IOException e) {
      // no inotify instance left: nothing is watched, rescans cover everything
      unwatchedReason = "no file watcher available: " + e.getMessage();
      unwatched.incrementAndGet();
      LOG.warn("{}: cannot watch {} ({}); relying on periodic rescans", label, root, e.getMessage());
      listener.incomplete("", unwatchedReason);
      return this;
    }
    if (knownDirectories == null) {
      registerTree(root, "");
    } else {
      register(root, "");
      for (String rel : knownDirectories) {
        if (rules.descendsInto(rel)) {
          register(root.resolve(rel), rel);
        }
      }
    }
    thread = new Thread(this::run, "wpsync-watch-" + label);
    thread.setDaemon(true);
    thread.start();
    LOG.debug("{}: watching {} directories of {} ({} unwatched)", label, keys.size(), root, unwatched.get());
    return this;
  }

  public Path root() {
    return root;
  }

  /** How much of the tree is watched now. */
  public WatchCoverage coverage() {
    return new WatchCoverage(keys.size(), unwatched.get(), overflows.get(), unwatchedReason);
  }

  private void registerTree(Path dir, String rel) {
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
          String r = relative(rel, dir, d);
          if (!r.isEmpty() && !rules.descendsInto(r)) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          register(d, r);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          LOG.debug("{}: cannot visit {}: {}", label, file, e.toString());
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      LOG.debug("{}: cannot walk {}: {}", label, dir, e.toString());
    }
  }

  private static String relative(String baseRel, Path base, Path p) {
    String sub = base.relativize(p).toString();
    if (baseRel.isEmpty()) {
      return sub;
    }
    return sub.isEmpty() ? baseRel : baseRel + "/" + sub;
  }

  private void register(Path dir, String rel) {
    if (closed.get()) {
      return;
    }
    if (keys.size() >= maxWatches) {
      unwatched(rel, "the configured maximum of " + maxWatches + " watched directories is reached", false);
      return;
    }
    try {
      WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
          StandardWatchEventKinds.ENTRY_MODIFY);
      keys.put(key, rel);
    } catch (NoSuchFileException e) {
      // vanished meanwhile: its parent's event reports it
    } catch (IOException e) {
      if (InotifyLimit.isLimit(e)) {
        unwatched(rel, e.getMessage(), true);
      } else if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        unwatched(rel, e.toString(), false);
      }
    } catch (java.nio.file.ClosedWatchServiceException e) {
      // closing
    }
  }

  private void unwatched(String rel, String reason, boolean kernelLimit) {
    unwatched.incrementAndGet();
    unwatchedReason = reason;
    if (limitLogged.compareAndSet(false, true)) {
      LOG.warn("{}: cannot watch {} ({}): {}", label, rel.isEmpty() ? "the root" : rel, reason, kernelLimit
          ? InotifyLimit.advice(keys.size() + unwatched.get())
          : "changes in unwatched directories are found by periodic rescans instead");
    }
    listener.incomplete(rel, reason);
  }

  private void run() {
    while (!closed.get()) {
      WatchKey key;
      try {
        key = service.take();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
      String rel = keys.get(key);
      for (WatchEvent<?> event : key.pollEvents()) {
        try {
          handle(key, rel, event);
        } catch (RuntimeException e) {
          LOG.warn("{}: event {} failed: {}", label, event.kind(), e.toString());
        }
      }
      if (!key.reset()) {
        keys.remove(key); // the directory is gone
      }
    }
  }

  private void handle(WatchKey key, String rel, WatchEvent<?> event) {
    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
      overflows.incrementAndGet();
      LOG.info("{}: file events were lost (queue overflow); rescanning", label);
      listener.overflow();
      return;
    }
    if (rel == null) {
      return; // a key removed meanwhile
    }
    Path name = (Path) event.context();
    String childRel = rel.isEmpty() ? name.toString() : rel + "/" + name;
    Path child = ((Path) key.watchable()).resolve(name);
    if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE && rules.descendsInto(childRel)
        && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
      registerTree(child, childRel);
    }
    if (rules.recordsFile(childRel) || rules.descendsInto(childRel) || rules.recordsDirectory(childRel)) {
      listener.changed(childRel);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (this) {
      if (service != null) {
        try {
          service.close();
        } catch (IOException e) {
          LOG.debug("{}: closing the watch service: {}", label, e.toString());
        }
      }
      if (thread != null) {
        try {
          thread.join(2_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
