package io.wpsync.core.release;

import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestDiff;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.PathRules;
import io.wpsync.core.store.ContentStore;
import io.wpsync.core.store.Durable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a release directory retention would delete (a <em>spare</em>) into a new release (LIVE or
 * READ_ONLY, the spare's own mode) by
 * applying only the difference, instead of building 20,000 files anew and deleting 20,000 others:
 * the cost of a small change becomes the size of the change.
 *
 * <p>Guarantees (those of {@link ReleaseMaterializer}): the spare stops being a release at once (it
 * is renamed to a staging name before anything changes, and its record is removed), the new
 * release appears complete or not at all (record written durably, then one rename), and a failure
 * leaves only a staging directory, removed then or at the next start. No file is ever modified in
 * place: live releases share inodes, so every added, changed or re-moded file is a new file (a
 * hard link from {@code reuse} or a copy of the store object) renamed over the old path; only
 * directories, which are never shared, are changed in place. Every new file (when copied) and every
 * directory whose entries changed is fsynced before the record is written; the rest was durable
 * already. The caller guarantees that nothing uses the spare (not current, not staged, nothing
 * uncaptured in it) and passes what it actually holds ({@code spareHolds}, e.g. from a rescan),
 * not only its manifest.
 *
 * <pre>{@code
 * Optional<ReleaseRecord> r = recycler.recycle("r0000000007", rescanned, "r0000000031", manifest, reuse);
 * if (r.isEmpty()) materializer.materialize("r0000000031", manifest, reuse); // not recyclable
 * }</pre>
 */
public final class ReleaseRecycler {
  private static final Logger log = LoggerFactory.getLogger(ReleaseRecycler.class);

  private final ReleaseLayout layout;
  private final ContentStore store;
  private final ReleaseOptions options;
  private final Clock clock;
  private final ObjectPlacer placer = new ObjectPlacer();

  public ReleaseRecycler(ReleaseLayout layout, ContentStore store, ReleaseOptions options, Clock clock) {
    this.layout = Objects.requireNonNull(layout, "layout");
    this.store = Objects.requireNonNull(store, "store");
    this.options = Objects.requireNonNull(options, "options");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Makes release {@code id} (holding {@code manifest}) out of release {@code spareId}.
   *
   * @return the new record, or empty if the spare cannot be recycled (not a complete release of this
   *     recycler's mode with the same linked paths, or {@code id} exists already); nothing was changed then
   * @throws io.wpsync.core.store.NoSuchObjectException if a new file is neither reusable nor stored
   *     (the spare is gone then: it was no longer a release from the first step)
   */
  public Optional<ReleaseRecord> recycle(String spareId, Manifest spareHolds, String id, Manifest manifest,
      ReleaseMaterializer.Reuse reuse) throws IOException {
    return recycle(spareId, spareHolds, null, id, manifest, reuse);
  }

  /**
   * Like {@link #recycle(String, Manifest, String, Manifest, ReleaseMaterializer.Reuse)}, told what
   * else the spare holds: {@code unlisted}, the relative paths a rescan saw but {@code spareHolds}
   * does not describe (null: unknown). Only when that names something besides the linked paths is
   * the whole directory tree listed again to delete what the manifest does not hold.
   */
  public Optional<ReleaseRecord> recycle(String spareId, Manifest spareHolds, List<String> unlisted, String id,
      Manifest manifest, ReleaseMaterializer.Reuse reuse) throws IOException {
    ReleaseLayout.checkId(spareId);
    ReleaseLayout.checkId(id);
    Objects.requireNonNull(reuse, "reuse");
    if (spareId.equals(id) || Files.exists(layout.releaseDir(id), LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    Optional<ReleaseRecord> spare = layout.isComplete(spareId) ? layout.record(spareId) : Optional.empty();
    if (spare.isEmpty() || spare.get().mode() != options.mode()
        || !spare.get().linkedPaths().equals(options.linkedPaths())) {
      return Optional.empty();
    }
    for (String name : options.linkedPaths().keySet()) {
      if (manifest.entry(name).isPresent()) {
        throw new IllegalArgumentException("linked path '" + name + "' collides with the manifest entry '" + name + "'");
      }
    }
    long start = System.nanoTime();
    Path staging = layout.releasesDir().resolve(ReleaseLayout.STAGING_PREFIX + id + "-" + ReleaseLayout.randomSuffix());
    Files.move(layout.releaseDir(spareId), staging, StandardCopyOption.ATOMIC_MOVE);
    Files.deleteIfExists(layout.recordFile(spareId));
    Files.deleteIfExists(layout.leftFile(spareId));
    boolean recordWritten = false;
    boolean published = false;
    try {
      int changed = apply(staging, spareHolds, manifest, reuse, mayHoldMore(unlisted));
      ReleaseRecord record = new ReleaseRecord(id, manifest.id(), options.mode(), clock.instant(), options.linkedPaths());
      Durable.writeAtomically(layout.recordFile(id), record.encode(), layout.metaDir(), true);
      recordWritten = true;
      Files.move(staging, layout.releaseDir(id), StandardCopyOption.ATOMIC_MOVE);
      published = true;
      Durable.forceDirectory(layout.releasesDir());
      log.info("release {} recycled from {} ({} of {} entries changed) in {} ms", id, spareId, changed, manifest.size(),
          (System.nanoTime() - start) / 1_000_000);
      return Optional.of(record);
    } finally {
      if (!published) {
        try {
          if (recordWritten) {
            Files.deleteIfExists(layout.recordFile(id));
          }
          Trees.deleteTree(staging);
        } catch (IOException e) {
          log.warn("could not clean up after failing to recycle {} into {} (removed at next startup): {}", spareId, id,
              e.toString());
        }
      }
    }
  }

  /** Applies {@code have -> want} to the tree under {@code root}; returns how many paths changed. */
  private boolean mayHoldMore(List<String> unlisted) {
    if (unlisted == null) {
      return true;
    }
    for (String path : unlisted) {
      if (!options.linkedPaths().containsKey(path)) {
        return true;
      }
    }
    return false;
  }

  private int apply(Path root, Manifest have, Manifest want, ReleaseMaterializer.Reuse reuse, boolean prune)
      throws IOException {
    ManifestDiff d = ManifestDiff.between(have, want);
    Opener opener = new Opener(root, want);
    Set<Path> touchedDirs = new LinkedHashSet<>();
    List<Path> copies = new ArrayList<>();
    List<ManifestEntry> removed = new ArrayList<>(d.removed());
    Collections.reverse(removed); // children before parents
    for (ManifestEntry e : removed) {
      delete(root, e.path(), touchedDirs, opener);
    }
    List<ManifestEntry> put = new ArrayList<>(d.added());
    for (ManifestDiff.Change c : d.changed()) {
      if (c.typeChanged()) {
        delete(root, c.path(), touchedDirs, opener);
      }
      put.add(c.after());
    }
    for (ManifestDiff.Change c : d.modeChanged()) {
      put.add(c.after()); // a file's inode is shared: a new file, never a chmod
    }
    put.sort(java.util.Comparator.comparing(ManifestEntry::path, Manifest.PATH_ORDER));
    List<ManifestEntry> dirs = new ArrayList<>();
    for (ManifestEntry e : put) {
      Path target = root.resolve(e.path());
      touchedDirs.add(target.getParent());
      opener.open(target.getParent());
      switch (e.type()) {
        case DIRECTORY -> {
          if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(target, PosixFilePermissions.asFileAttribute(Modes.permissions(0700)));
            touchedDirs.add(target);
          }
          dirs.add(e);
        }
        case SYMLINK -> replace(target, t -> Files.createSymbolicLink(t, Path.of(e.target())));
        case FILE -> {
          Path same = reuse.fileFor(e);
          boolean[] copied = new boolean[1];
          replace(target, t -> copied[0] = placer.placeFile(e, t, same, store, options.mode()));
          if (copied[0]) {
            copies.add(target);
          }
        }
      }
    }
    int pruned = 0;
    if (prune) { // something besides the manifest and the linked paths was seen: list every directory
      Map<String, ManifestEntry> wanted = new HashMap<>(want.size() * 2);
      for (ManifestEntry e : want.entries()) {
        wanted.put(e.path(), e); // one hash lookup per listed name below, not a binary search
      }
      pruned = prune(root, "", wanted, touchedDirs, opener);
    }
    for (ManifestEntry e : dirs) { // after every write into them
      Path dir = root.resolve(e.path());
      Files.setPosixFilePermissions(dir, Modes.permissions(options.mode().directoryMode(e.mode())));
      touchedDirs.add(dir);
    }
    opener.close();
    for (Path p : copies) {
      Durable.force(p);
    }
    touchedDirs.add(root);
    for (Path dir : touchedDirs) {
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        Durable.forceDirectory(dir);
      }
    }
    return removed.size() + put.size() + pruned;
  }

  /**
   * Deletes whatever the directory {@code rel} holds beyond {@code want} and the linked paths: files
   * WordPress wrote where the capture does not look (caches, logs) must not survive into another
   * release. Lists directories only; recurses into the manifest's directories.
   */
  private int prune(Path root, String rel, Map<String, ManifestEntry> want, Set<Path> touchedDirs, Opener opener)
      throws IOException {
    Path dir = rel.isEmpty() ? root : root.resolve(rel);
    int n = 0;
    List<String> subdirs = new ArrayList<>();
    // names only (no Path per entry): this lists every directory of a 20,000-file tree per change
    String[] names = dir.toFile().list();
    if (names == null) {
      throw new IOException("cannot list " + dir + " (not a directory, or not readable)");
    }
    for (String name : names) {
      String child = rel.isEmpty() ? name : rel + "/" + name;
      ManifestEntry e = want.get(child);
      if (e != null) {
        if (e.isDirectory()) {
          subdirs.add(child);
        }
      } else if (!options.linkedPaths().containsKey(child)) {
        Path p = dir.resolve(name);
        opener.open(dir);
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Trees.deleteTree(p);
        } else {
          Files.delete(p);
        }
        touchedDirs.add(dir);
        n++;
      }
    }
    for (String sub : subdirs) {
      n += prune(root, sub, want, touchedDirs, opener);
    }
    return n;
  }

  /**
   * READ_ONLY releases have no write bit on their directories (0555): a directory this change writes
   * into is made owner-writable first, and every one opened gets its release mode back at the end
   * ({@link #close}). LIVE directories are writable already: nothing to do.
   */
  private final class Opener {
    private final Path root;
    private final Manifest want;
    private final Set<Path> opened = new LinkedHashSet<>();

    Opener(Path root, Manifest want) {
      this.root = root;
      this.want = want;
    }

    void open(Path dir) throws IOException {
      if (options.mode() != ReleaseMode.READ_ONLY || !opened.add(dir)) {
        return;
      }
      Set<java.nio.file.attribute.PosixFilePermission> perms =
          Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
      if (perms.add(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE)) {
        Files.setPosixFilePermissions(dir, perms);
      }
    }

    void close() throws IOException {
      for (Path dir : opened) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          continue; // removed by this change
        }
        String rel = root.relativize(dir).toString();
        Optional<ManifestEntry> e = rel.isEmpty() ? Optional.empty() : want.entry(rel);
        int mode = rel.isEmpty() ? options.mode().rootMode() : options.mode().directoryMode(e.map(ManifestEntry::mode)
            .orElse(0755));
        Files.setPosixFilePermissions(dir, Modes.permissions(mode));
      }
    }
  }

  private interface Creator {
    void create(Path temp) throws IOException;
  }

  /** Creates the new entry under a temporary name next to {@code target}, then renames it over. */
  private static void replace(Path target, Creator creator) throws IOException {
    Path temp = target.resolveSibling(".wpsync-new-" + ReleaseLayout.randomSuffix());
    try {
      creator.create(temp);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void delete(Path root, String rel, Set<Path> touchedDirs, Opener opener) throws IOException {
    Path p = root.resolve(rel);
    String parentRel = PathRules.parentOf(rel);
    Path parentDir = parentRel == null ? root : root.resolve(parentRel);
    if (Files.isDirectory(parentDir, LinkOption.NOFOLLOW_LINKS)) {
      opener.open(parentDir);
    }
    try {
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        Trees.deleteTree(p);
      } else {
        Files.delete(p);
      }
    } catch (NoSuchFileException e) {
      return; // already gone (inside a removed directory)
    }
    String parent = PathRules.parentOf(rel);
    touchedDirs.add(parent == null ? root : root.resolve(parent));
  }
}
