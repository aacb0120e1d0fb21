package io.wpsync.core.release;

import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.PathRules;
import io.wpsync.core.store.ContentStore;
import io.wpsync.core.store.Durable;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds {@code releases/<id>} from a {@link Manifest} and the objects of a {@link ContentStore}.
 *
 * <p>Guarantee: a release directory is complete or absent. The tree is built in
 * {@code releases/.staging-<id>-<random>} (never a valid id, so never seen as a release):
 * directories, then files and symlinks (placed in parallel), then the linked paths; then every
 * copied file is fsynced, directories get their modes and are fsynced; then the {@link ReleaseRecord} is
 * written durably and the staging directory renamed to {@code releases/<id>} (and
 * {@code releases/} fsynced). Any failure removes the staging directory and the record.
 *
 * <p>Files: see {@link ReleaseMode} (hard links to the store's 0444 objects in READ_ONLY, copies in
 * LIVE or when a link cannot give the manifest's mode). Symlinks get their manifest target
 * verbatim; linked paths (see {@link ReleaseOptions}) get a symlink to their absolute path.
 *
 * <p>Materializing an id that already exists with the same manifest, mode and linked paths is a
 * no-op returning the existing record; with anything else it fails. Thread-safe: materializations
 * by one instance run one at a time (each places files in parallel).
 *
 * <pre>{@code
 * ReleaseMaterializer m = new ReleaseMaterializer(layout, store, ReleaseOptions.defaults(), Clock.systemUTC());
 * ReleaseRecord r = m.materialize("r42", manifest);
 * releaseSwitch.switchTo("r42");
 * }</pre>
 */
public final class ReleaseMaterializer {
  private static final Logger log = LoggerFactory.getLogger(ReleaseMaterializer.class);
  /** Threads that fsync at once: the journal commits their fsyncs together. */
  private static final int FSYNC_THREADS = 16;

  private final ReleaseLayout layout;
  private final ContentStore store;
  private final ReleaseOptions options;
  private final Clock clock;
  private final ObjectPlacer placer = new ObjectPlacer();
  /** One materialization at a time per instance (each is parallel inside). */
  private final Object lock = new Object();

  public ReleaseMaterializer(ReleaseLayout layout, ContentStore store, ReleaseOptions options, Clock clock) {
    this.layout = Objects.requireNonNull(layout, "layout");
    this.store = Objects.requireNonNull(store, "store");
    this.options = Objects.requireNonNull(options, "options");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public ReleaseOptions options() {
    return options;
  }

  /**
   * Materializes {@code manifest} as release {@code id}.
   *
   * @throws IllegalArgumentException if the id is invalid or a linked path collides with the
   *     manifest (nothing is written)
   * @throws io.wpsync.core.store.NoSuchObjectException if the store lacks an object of the manifest
   * @throws FileAlreadyExistsException if {@code id} exists with other content
   */
  public ReleaseRecord materialize(String id, Manifest manifest) throws IOException {
    return materialize(id, manifest, Reuse.NONE);
  }

  /**
   * Where a file with exactly an entry's content and mode already exists on this file system, for
   * example in the release {@code current} points to. In {@link ReleaseMode#LIVE} the materializer
   * hard-links such a file instead of copying the object (a 20,000-file release that differs from
   * the current one in a few files then costs links, not copies); it never links a store object.
   * The caller guarantees the returned file holds that content durably; a file that vanished or
   * cannot be linked is copied from the store instead. Releases built this way share inodes with
   * their source, so a write into one shows in the other: only for trees WordPress writes through
   * one path at a time, whose writes are captured (see docs/local-changes.md).
   */
  @FunctionalInterface
  public interface Reuse {
    /** Nothing is reused: every file comes from the store. */
    Reuse NONE = e -> null;

    /** A file holding exactly {@code e}'s content and mode, or null. */
    Path fileFor(ManifestEntry e);
  }

  /**
   * Materializes {@code manifest} as release {@code id}, hard-linking files {@code reuse} names
   * instead of copying their objects when the mode is {@link ReleaseMode#LIVE} (ignored otherwise).
   *
   * @throws IllegalArgumentException if the id is invalid or a linked path collides with the
   *     manifest (nothing is written)
   * @throws io.wpsync.core.store.NoSuchObjectException if the store lacks an object the manifest
   *     needs and {@code reuse} offers no file for
   * @throws FileAlreadyExistsException if {@code id} exists with other content
   */
  public ReleaseRecord materialize(String id, Manifest manifest, Reuse reuse) throws IOException {
    Objects.requireNonNull(reuse, "reuse");
    ReleaseLayout.checkId(id);
    Objects.requireNonNull(manifest, "manifest");
    checkLinkedPaths(manifest);
    layout.create();
    synchronized (lock) {
      Optional<ReleaseRecord> existing = existing(id, manifest);
      if (existing.isPresent()) {
        return existing.get();
      }
      long start = System.nanoTime();
      Path staging = layout.releasesDir().resolve(ReleaseLayout.STAGING_PREFIX + id + "-" + ReleaseLayout.randomSuffix());
      Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(Modes.permissions(0700)));
      boolean recordWritten = false;
      boolean published = false;
      try {
        int copies = build(staging, manifest, options.mode() == ReleaseMode.LIVE ? reuse : Reuse.NONE);
        ReleaseRecord record = new ReleaseRecord(id, manifest.id(), options.mode(), clock.instant(), options.linkedPaths());
        Durable.writeAtomically(layout.recordFile(id), record.encode(), layout.metaDir(), true);
        recordWritten = true;
        Files.move(staging, layout.releaseDir(id), StandardCopyOption.ATOMIC_MOVE);
        published = true;
        Durable.forceDirectory(layout.releasesDir());
        log.info("materialized release {} ({}, {} entries, {} files copied) in {} ms",
            id, options.mode(), manifest.size(), copies, (System.nanoTime() - start) / 1_000_000);
        return record;
      } finally {
        if (!published) {
          try {
            if (recordWritten) {
              Files.deleteIfExists(layout.recordFile(id));
            }
            Trees.deleteTree(staging);
          } catch (IOException e) {
            log.warn("could not clean up after failing to materialize {} (removed at next startup): {}", id, e.toString());
          }
        }
      }
    }
  }

  /** Refuses linked names that are, or contain, manifest entries, or whose parent is not a manifest directory. */
  private void checkLinkedPaths(Manifest manifest) {
    for (String name : options.linkedPaths().keySet()) {
      if (manifest.entry(name).isPresent()) {
        throw new IllegalArgumentException(String.format(
            "linked path '%s' collides with the manifest entry '%s' (a %s); remove it from the tree or the linked paths",
            name, name, manifest.entry(name).get().type().name().toLowerCase()));
      }
      String prefix = name + "/";
      for (ManifestEntry e : manifest.entries()) {
        if (e.path().startsWith(prefix)) {
          throw new IllegalArgumentException(String.format(
              "linked path '%s' collides with the manifest entry '%s' under it; remove it from the tree or the linked paths",
              name, e.path()));
        }
      }
      String parent = PathRules.parentOf(name);
      if (parent != null && !manifest.entry(parent).map(ManifestEntry::isDirectory).orElse(false)) {
        throw new IllegalArgumentException(String.format(
            "linked path '%s' needs '%s' to be a directory of the manifest", name, parent));
      }
    }
  }

  private Optional<ReleaseRecord> existing(String id, Manifest manifest) throws IOException {
    Path dir = layout.releaseDir(id);
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    Optional<ReleaseRecord> record = layout.record(id);
    if (record.isEmpty()) {
      throw new FileAlreadyExistsException(dir.toString(), null,
          "exists but is not a complete wpsync release (no record); remove it to materialize '" + id + "'");
    }
    ReleaseRecord r = record.get();
    if (!r.manifestId().equals(manifest.id()) || r.mode() != options.mode()
        || !r.linkedPaths().equals(options.linkedPaths())) {
      throw new FileAlreadyExistsException(dir.toString(), null, String.format(
          "release '%s' already exists with manifest %s (%s, links %s); asked for %s (%s, links %s)",
          id, r.manifestId(), r.mode(), r.linkedPaths(), manifest.id(), options.mode(), options.linkedPaths()));
    }
    return record;
  }

  /**
   * Builds the tree under {@code staging}; returns how many files were copied rather than linked.
   *
   * <p>Durability is done in bulk after placement, not file by file: the copies' data is fsynced
   * from many threads at once (the filesystem journal commits concurrent fsyncs together), then
   * every directory gets its mode and then an fsync (the first commits the journal for all the
   * entries and mode changes, so the rest are cheap). Interleaving chmod and fsync per directory
   * would cost one journal commit per directory.
   */
  private int build(Path staging, Manifest manifest, Reuse reuse) throws IOException {
    List<ManifestEntry> directories = new ArrayList<>();
    List<ManifestEntry> others = new ArrayList<>();
    for (ManifestEntry e : manifest.entries()) {
      if (e.isDirectory()) {
        // entries are sorted, so a parent is always created before its children
        Files.createDirectory(staging.resolve(e.path()), PosixFilePermissions.asFileAttribute(Modes.permissions(0700)));
        directories.add(e);
      } else {
        others.add(e);
      }
    }
    Queue<Path> copied = new ConcurrentLinkedQueue<>();
    Parallel.forEach(others, options.parallelism(), "materialize", e -> place(staging, e, copied, reuse));
    for (Map.Entry<String, Path> link : options.linkedPaths().entrySet()) {
      Files.createSymbolicLink(staging.resolve(link.getKey()), link.getValue());
    }
    long placed = System.nanoTime();
    Parallel.forEach(new ArrayList<>(copied), FSYNC_THREADS, "fsync", Durable::force);
    ReleaseMode mode = options.mode();
    List<Path> dirs = new ArrayList<>(directories.size());
    for (ManifestEntry d : directories) {
      Path p = staging.resolve(d.path());
      Files.setPosixFilePermissions(p, Modes.permissions(mode.directoryMode(d.mode())));
      dirs.add(p);
    }
    Files.setPosixFilePermissions(staging, Modes.permissions(mode.rootMode()));
    dirs.add(staging);
    Parallel.forEach(dirs, FSYNC_THREADS, "fsync", Durable::forceDirectory);
    log.debug("{}: placed {} entries, then fsynced {} copies and {} directories in {} ms",
        staging, others.size(), copied.size(), dirs.size(), (System.nanoTime() - placed) / 1_000_000);
    return copied.size();
  }

  private void place(Path staging, ManifestEntry e, Queue<Path> copied, Reuse reuse) throws IOException {
    Path target = staging.resolve(e.path());
    if (e.isSymlink()) {
      Files.createSymbolicLink(target, Path.of(e.target()));
      return;
    }
    if (placer.placeFile(e, target, reuse.fileFor(e), store, options.mode())) {
      copied.add(target);
    }
  }
}
