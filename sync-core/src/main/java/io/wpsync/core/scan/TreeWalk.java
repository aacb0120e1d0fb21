package io.wpsync.core.scan;

import io.wpsync.core.hash.FileDigests;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.PathRules;
import io.wpsync.core.manifest.UnsafePathException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One walk of a tree: lists every directory a rule reaches, takes one {@code lstat} per entry a rule
 * reaches, records directories and symlinks, takes file digests from the {@link ScanCache} and
 * collects the files that still need hashing. Never follows a symlink.
 *
 * <p>The top {@value #FANOUT_DEPTH} levels (e.g. {@code plugins/}) are listed on the calling thread;
 * each directory below them (e.g. {@code plugins/akismet}) is walked as one task on the executor,
 * so a warm rescan uses every core. Whether an upper directory is recorded ("it is the parent of
 * something recorded") is decided once all its subtrees are done.
 */
final class TreeWalk {
  private static final Logger log = LoggerFactory.getLogger(TreeWalk.class);
  static final int FANOUT_DEPTH = 2;

  /** A regular file whose digest is not cached; {@code slot} is its place in {@link Result#entries}. */
  record Pending(String rel, Path path, FileStamp stamp, int slot) {
    Pending shifted(int offset) {
      return new Pending(rel, path, stamp, slot + offset);
    }
  }

  /**
   * What a walk, or one subtree of it, found. {@code entries} is in path order, with null slots
   * for directories not recorded and for files still to hash (see {@link Pending#slot}).
   */
  static final class Result {
    final List<ManifestEntry> entries = new ArrayList<>();
    final List<Pending> pending = new ArrayList<>();
    /** Names seen on disk but not recorded (excluded, out of every rule, special files, empty of records). */
    final List<String> unrecorded = new ArrayList<>();
    long hits;
    long misses;
    long skipped;
    boolean recorded;

    void add(Result other) {
      int offset = entries.size();
      entries.addAll(other.entries);
      for (Pending p : other.pending) {
        pending.add(p.shifted(offset));
      }
      unrecorded.addAll(other.unrecorded);
      hits += other.hits;
      misses += other.misses;
      skipped += other.skipped;
    }
  }

  /** A directory above the fan-out depth; recorded if {@code asDir} or anything below it is. */
  private static final class Upper {
    final String rel;
    final int permissions;
    final Upper parent;
    boolean recorded;

    Upper(String rel, int permissions, Upper parent) {
      this.rel = rel;
      this.permissions = permissions;
      this.parent = parent;
    }

    void markRecorded() {
      for (Upper u = this; u != null && !u.recorded; u = u.parent) {
        u.recorded = true;
      }
    }
  }

  private final ScanRules rules;
  private final ScanCache cache;
  private final int pieceSize;
  private final Executor executor;

  TreeWalk(ScanRules rules, ScanCache cache, int pieceSize, Executor executor) {
    this.rules = rules;
    this.cache = cache;
    this.pieceSize = pieceSize;
    this.executor = executor;
  }

  /** Walks the tree under {@code base} (a real directory path). */
  Result walk(Path base) throws IOException, UnsafePathException {
    Result top = new Result();
    Upper root = new Upper("", 0, null);
    List<Upper> uppers = new ArrayList<>();
    List<CompletableFuture<Result>> tasks = new ArrayList<>();
    List<Upper> taskParents = new ArrayList<>();
    Throwable failure = null;
    try {
      walkUpper(base, "", rules.root(), 0, root, top, uppers, tasks, taskParents);
    } catch (IOException | UnsafePathException | RuntimeException e) {
      failure = e;
    }
    for (int i = 0; i < tasks.size(); i++) { // wait for every task, so none runs after we return
      try {
        Result r = tasks.get(i).join();
        top.add(r);
        if (r.recorded) {
          taskParents.get(i).markRecorded();
        }
      } catch (CompletionException e) {
        failure = failure != null ? failure : e.getCause();
      }
    }
    if (failure != null) {
      throw rethrow(failure);
    }
    for (Upper u : uppers) {
      if (u.recorded) {
        top.entries.add(ManifestEntry.directory(u.rel, u.permissions));
      } else {
        top.unrecorded.add(u.rel);
      }
    }
    return top;
  }

  private static IOException rethrow(Throwable t) throws UnsafePathException {
    if (t instanceof UnsafePathException u) {
      throw u;
    } else if (t instanceof IOException io) {
      return io;
    } else if (t instanceof RuntimeException re) {
      throw re;
    } else if (t instanceof Error err) {
      throw err;
    }
    throw new IllegalStateException(t);
  }

  /** Lists a directory above the fan-out depth on the calling thread; forks the ones at it. */
  private void walkUpper(Path dir, String prefix, ScanRules.Cursor cursor, int depth, Upper self, Result out,
      List<Upper> uppers, List<CompletableFuture<Result>> tasks, List<Upper> taskParents)
      throws IOException, UnsafePathException {
    forEachEntry(dir, prefix, cursor, out, (p, rel, c, stamp, descend, asDir, slot) -> {
      if (depth + 1 >= FANOUT_DEPTH) {
        tasks.add(CompletableFuture.supplyAsync(() -> subtree(p, rel, c, stamp, descend, asDir), executor));
        taskParents.add(self);
        return;
      }
      Upper u = new Upper(rel, stamp.permissions(), self);
      uppers.add(u);
      if (asDir) {
        u.markRecorded();
      }
      if (descend) {
        walkUpper(p, rel, c, depth + 1, u, out, uppers, tasks, taskParents);
      }
    }, self::markRecorded);
  }

  /** One fan-out task: walks the subtree at {@code dir} sequentially. */
  private Result subtree(Path dir, String rel, ScanRules.Cursor cursor, FileStamp stamp, boolean descend,
      boolean asDir) {
    Result r = new Result();
    try {
      r.entries.add(null); // the directory's own slot, so the task's entries come out in path order
      boolean below = descend && walkBelow(dir, rel, cursor, r);
      if (below || asDir) {
        r.entries.set(0, ManifestEntry.directory(rel, stamp.permissions()));
        r.recorded = true;
      } else {
        r.unrecorded.add(rel);
      }
      return r;
    } catch (IOException e) {
      throw new CompletionException(e);
    } catch (UnsafePathException e) {
      throw new CompletionException(e);
    }
  }

  /** Walks below the fan-out depth; returns whether anything under {@code dir} was recorded. */
  private boolean walkBelow(Path dir, String prefix, ScanRules.Cursor cursor, Result out)
      throws IOException, UnsafePathException {
    boolean[] recorded = {false};
    forEachEntry(dir, prefix, cursor, out, (p, rel, c, stamp, descend, asDir, slot) -> {
      boolean below = descend && walkBelow(p, rel, c, out);
      if (below || asDir) {
        out.entries.set(slot, ManifestEntry.directory(rel, stamp.permissions()));
        recorded[0] = true;
      } else {
        out.unrecorded.add(rel);
      }
    }, () -> recorded[0] = true);
    return recorded[0];
  }

  /** What to do with a subdirectory a rule reaches. */
  @FunctionalInterface
  private interface DirectoryVisitor {
    void visit(Path p, String rel, ScanRules.Cursor c, FileStamp stamp, boolean descend, boolean asDir, int slot)
        throws IOException, UnsafePathException;
  }

  /**
   * Lists {@code dir}: records its files and symlinks into {@code out} (calling {@code onRecord}),
   * skips special files, and hands each subdirectory a rule reaches to {@code directories} with
   * the slot of {@code out.entries} reserved for the directory's own entry.
   */
  private void forEachEntry(Path dir, String prefix, ScanRules.Cursor cursor, Result out,
      DirectoryVisitor directories, Runnable onRecord) throws IOException, UnsafePathException {
    DirectoryStream<Path> stream;
    try {
      stream = Files.newDirectoryStream(dir);
    } catch (NoSuchFileException e) {
      log.debug("directory '{}' vanished during the scan", prefix);
      return;
    }
    List<Child> children = new ArrayList<>();
    try (stream) {
      for (Path p : stream) {
        String name = p.getFileName().toString();
        ScanRules.Cursor c = cursor.child(name);
        boolean asFile = c.recordsFile();
        boolean descend = c.descends();
        boolean asDir = c.recordsDirectory();
        String rel = prefix.isEmpty() ? name : prefix + "/" + name;
        if (!asFile && !descend && !asDir) {
          out.unrecorded.add(rel);
          continue; // excluded, or no rule reaches it: not even an lstat
        }
        FileStamp stamp;
        try {
          stamp = FileStamp.read(p);
        } catch (NoSuchFileException e) {
          log.debug("'{}' vanished during the scan", rel);
          continue;
        }
        if (stamp.isDirectory() ? !descend && !asDir : !asFile) {
          out.unrecorded.add(rel);
          continue;
        }
        FileNames.checkDecoded(rel, "file name", name);
        children.add(new Child(p, name, rel, c, stamp, descend, asDir));
      }
    } catch (UncheckedIOException e) { // DirectoryStream iteration wraps read errors
      throw e.getCause();
    }
    // Path order, so the manifest's final sort finds one long run: a directory's own entry sorts
    // as "name" but its contents as "name/", after siblings such as "name-2.php".
    List<Item> items = new ArrayList<>(children.size() + 8);
    for (int i = 0; i < children.size(); i++) {
      Child ch = children.get(i);
      if (ch.stamp().isDirectory()) {
        items.add(new Item(ch.name(), i, true));
        items.add(new Item(ch.name() + "/", i, false));
      } else {
        items.add(new Item(ch.name(), i, false));
      }
    }
    items.sort(Item.PATH_ORDER);
    int[] slots = new int[children.size()];
    for (Item item : items) {
      Child ch = children.get(item.index());
      FileStamp stamp = ch.stamp();
      if (item.directorySlot()) {
        slots[item.index()] = out.entries.size();
        out.entries.add(null); // the directory's own entry, filled if it is recorded
      } else if (stamp.isDirectory()) {
        directories.visit(ch.path(), ch.rel(), ch.cursor(), stamp, ch.descend(), ch.asDir(), slots[item.index()]);
      } else if (stamp.isRegularFile()) {
        FileDigests cached = cache.lookup(ch.rel(), pieceSize, stamp);
        if (cached != null) {
          out.hits++;
          out.entries.add(ManifestEntry.file(ch.rel(), stamp.permissions(), cached.size(), cached.digest(),
              cached.pieces()));
        } else {
          out.misses++;
          out.pending.add(new Pending(ch.rel(), ch.path(), stamp, out.entries.size()));
          out.entries.add(null); // filled in once hashed
        }
        onRecord.run();
      } else if (stamp.isSymlink()) {
        String target = Files.readSymbolicLink(ch.path()).toString();
        FileNames.checkDecoded(ch.rel(), "symlink target", target);
        out.entries.add(ManifestEntry.symlink(ch.rel(), target));
        onRecord.run();
      } else {
        out.skipped++;
        out.unrecorded.add(ch.rel());
        log.warn("skipping {} '{}': only files, directories and symlinks are synced", stamp.typeName(), ch.rel());
      }
    }
  }

  /** A child (by index) in emission order: a file, a directory's own entry, or its contents. */
  private record Item(String key, int index, boolean directorySlot) {
    static final Comparator<Item> PATH_ORDER = (a, b) -> PathRules.compareUtf8(a.key(), b.key());
  }

  /** One listed entry a rule reaches, with its stamp. */
  private record Child(Path path, String name, String rel, ScanRules.Cursor cursor, FileStamp stamp,
      boolean descend, boolean asDir) { }
}
