package io.wpsync.core.manifest;

import io.wpsync.core.hash.Digest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What changes between two manifests, path by path, in manifest order.
 *
 * <ul>
 *   <li>{@code added}: paths only in the new manifest;
 *   <li>{@code removed}: paths only in the old one;
 *   <li>{@code changed}: paths in both whose type, size, digest or symlink target differ (their
 *       mode may differ too);
 *   <li>{@code modeChanged}: paths in both with the same content and only other permission bits.
 * </ul>
 *
 * A path appears in at most one list. {@link Summary#bytesToTransfer} counts each new file object
 * (a digest the old manifest does not have) once, since content already present is reused by
 * digest, not downloaded again (renames and copies cost nothing).
 *
 * <pre>{@code
 * ManifestDiff d = ManifestDiff.between(live, candidate);
 * if (d.isEmpty()) { ... }
 * }</pre>
 */
public final class ManifestDiff {

  /** One path present in both manifests, before and after. */
  public record Change(ManifestEntry before, ManifestEntry after) {
    public Change {
      Objects.requireNonNull(before, "before");
      Objects.requireNonNull(after, "after");
      if (!before.path().equals(after.path())) {
        throw new IllegalArgumentException("a change keeps its path: " + before.path() + " vs " + after.path());
      }
    }

    public String path() {
      return after.path();
    }

    /** True if the entry changed kind (e.g. a file became a symlink). */
    public boolean typeChanged() {
      return before.type() != after.type();
    }
  }

  /** Counts and the download cost of a diff. */
  public record Summary(int added, int changed, int removed, int modeChanged, int objectsToTransfer,
      long bytesToTransfer) { }

  private final List<ManifestEntry> added;
  private final List<Change> changed;
  private final List<ManifestEntry> removed;
  private final List<Change> modeChanged;
  private final Map<Digest, Long> newObjects;

  private ManifestDiff(List<ManifestEntry> added, List<Change> changed, List<ManifestEntry> removed,
      List<Change> modeChanged, Manifest before) {
    this.added = List.copyOf(added);
    this.changed = List.copyOf(changed);
    this.removed = List.copyOf(removed);
    this.modeChanged = List.copyOf(modeChanged);
    Map<Digest, Long> objects = new LinkedHashMap<>();
    for (ManifestEntry e : added) {
      addFile(e, objects);
    }
    for (Change c : changed) {
      addFile(c.after(), objects);
    }
    if (!objects.isEmpty()) { // usually a few: one pass over the old tree, no set of all its objects
      for (ManifestEntry e : before.entries()) {
        if (e.isFile()) {
          objects.remove(e.digest());
        }
      }
    }
    this.newObjects = Collections.unmodifiableMap(objects);
  }

  /** The diff that turns {@code before} into {@code after}. */
  public static ManifestDiff between(Manifest before, Manifest after) {
    List<ManifestEntry> added = new ArrayList<>();
    List<Change> changed = new ArrayList<>();
    List<ManifestEntry> removed = new ArrayList<>();
    List<Change> modeChanged = new ArrayList<>();
    List<ManifestEntry> a = before.entries();
    List<ManifestEntry> b = after.entries();
    int i = 0;
    int j = 0;
    while (i < a.size() || j < b.size()) { // both are sorted by PATH_ORDER: one merge pass
      if (i < a.size() && j < b.size() && a.get(i) == b.get(j)) {
        i++; // entries are interned: the same object is the same path and content, nothing to compare
        j++;
        continue;
      }
      int cmp = i >= a.size() ? 1 : j >= b.size() ? -1
          : Manifest.PATH_ORDER.compare(a.get(i).path(), b.get(j).path());
      if (cmp < 0) {
        removed.add(a.get(i++));
      } else if (cmp > 0) {
        added.add(b.get(j++));
      } else {
        ManifestEntry x = a.get(i++);
        ManifestEntry y = b.get(j++);
        if (!sameData(x, y)) {
          changed.add(new Change(x, y));
        } else if (x.mode() != y.mode()) {
          modeChanged.add(new Change(x, y));
        }
      }
    }
    return new ManifestDiff(added, changed, removed, modeChanged, before);
  }

  private static boolean sameData(ManifestEntry x, ManifestEntry y) {
    return x.type() == y.type()
        && x.size() == y.size()
        && Objects.equals(x.digest(), y.digest())
        && Objects.equals(x.target(), y.target());
  }

  public boolean isEmpty() {
    return added.isEmpty() && changed.isEmpty() && removed.isEmpty() && modeChanged.isEmpty();
  }

  /** Paths only in the new manifest. */
  public List<ManifestEntry> added() {
    return added;
  }

  /** Paths whose type, size, digest or target changed. */
  public List<Change> changed() {
    return changed;
  }

  /** Paths only in the old manifest. */
  public List<ManifestEntry> removed() {
    return removed;
  }

  /** Paths whose permission bits alone changed. */
  public List<Change> modeChanged() {
    return modeChanged;
  }

  /**
   * The file objects the new tree needs that the old one lacks: digest to size, one entry per
   * digest, in manifest order.
   */
  public Map<Digest, Long> newObjects() {
    return newObjects;
  }

  private static void addFile(ManifestEntry e, Map<Digest, Long> out) {
    if (e.isFile()) {
      out.putIfAbsent(e.digest(), e.size());
    }
  }

  /** Counts, and what must be downloaded when the old tree's objects are present locally. */
  public Summary summary() {
    long bytes = 0;
    for (long size : newObjects.values()) {
      bytes += size;
    }
    return new Summary(added.size(), changed.size(), removed.size(), modeChanged.size(), newObjects.size(), bytes);
  }

  @Override
  public String toString() {
    Summary s = summary();
    return String.format("ManifestDiff[+%d ~%d -%d mode %d, %d objects / %d bytes to transfer]",
        s.added(), s.changed(), s.removed(), s.modeChanged(), s.objectsToTransfer(), s.bytesToTransfer());
  }
}
