package io.wpsync.core.manifest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Three-way merge of manifests, path by path: replays the change {@code base -> ours} onto
 * {@code theirs} (a later state of the same tree), the way a local change captured on one pod is
 * rebased onto a release committed meanwhile. Pure: no I/O.
 *
 * <p>For each path, with b, o, t its entry in base, ours and theirs (or absent):
 * <ul>
 *   <li>o equals b (ours did not touch it): t wins;</li>
 *   <li>t equals b (only ours changed it): o wins;</li>
 *   <li>o equals t (both made the same change, e.g. the same plugin auto-update on every pod): o;</li>
 *   <li>otherwise the path is a <b>conflict</b>: {@link Prefer#NONE} reports it (the result then
 *       carries t there, for display only), {@link Prefer#OURS} or {@link Prefer#THEIRS} settle it.</li>
 * </ul>
 * "Equal" compares type, mode, size, digest and symlink target ({@link ManifestEntry#sameContent}).
 * A directory that must stay because something below it stays is kept (from ours, theirs or base,
 * else created with mode 0755). A merge whose result is not a valid tree (e.g. ours turned a
 * directory into a file while theirs added a file under it) reports that path as a conflict too.
 *
 * <pre>{@code
 * ManifestMerge.Result r = ManifestMerge.rebase(base, captured, committed, ManifestMerge.Prefer.NONE);
 * if (r.clean()) publish(r.merged());
 * else recordConflict(r.conflicts());
 * }</pre>
 */
public final class ManifestMerge {
  /** How a conflicting path is settled. */
  public enum Prefer {
    /** Report conflicts; nothing is settled. */
    NONE,
    /** The change being replayed wins. */
    OURS,
    /** The later state wins. */
    THEIRS
  }

  /**
   * The outcome.
   *
   * @param merged the merged tree; with {@link Prefer#NONE} and conflicts it holds theirs at the
   *     conflicting paths (null if the tree itself is invalid)
   * @param conflicts paths both sides changed differently, sorted (empty when clean)
   * @param applied paths where ours was taken over theirs (its effective change), sorted
   * @param overlapping paths both sides changed identically, sorted
   */
  public record Result(Manifest merged, List<String> conflicts, List<String> applied, List<String> overlapping) {
    public Result {
      conflicts = List.copyOf(conflicts);
      applied = List.copyOf(applied);
      overlapping = List.copyOf(overlapping);
    }

    /** True if no path conflicted. */
    public boolean clean() {
      return conflicts.isEmpty();
    }
  }

  private ManifestMerge() {}

  /**
   * Replays {@code base -> ours} onto {@code theirs}.
   *
   * @throws IllegalArgumentException if the three manifests do not share one piece size
   */
  public static Result rebase(Manifest base, Manifest ours, Manifest theirs, Prefer prefer) {
    Objects.requireNonNull(prefer, "prefer");
    if (base.size() > 0 && base.pieceSize() != theirs.pieceSize()
        || ours.size() > 0 && ours.pieceSize() != theirs.pieceSize()) {
      throw new IllegalArgumentException(String.format("cannot merge manifests of piece sizes %d, %d and %d",
          base.pieceSize(), ours.pieceSize(), theirs.pieceSize()));
    }
    if (base.equals(theirs)) {
      return fastForward(base, ours); // nothing committed since the base (the usual capture)
    }
    TreeSet<String> paths = new TreeSet<>(Manifest.PATH_ORDER);
    for (Manifest m : List.of(base, ours, theirs)) {
      for (ManifestEntry e : m.entries()) {
        paths.add(e.path());
      }
    }
    Map<String, ManifestEntry> result = new TreeMap<>(Manifest.PATH_ORDER);
    List<String> conflicts = new ArrayList<>();
    List<String> applied = new ArrayList<>();
    List<String> overlapping = new ArrayList<>();
    for (String p : paths) {
      ManifestEntry b = base.entry(p).orElse(null);
      ManifestEntry o = ours.entry(p).orElse(null);
      ManifestEntry t = theirs.entry(p).orElse(null);
      ManifestEntry chosen;
      if (same(o, b)) {
        chosen = t;
      } else if (same(t, b)) {
        chosen = o;
        applied.add(p);
      } else if (same(o, t)) {
        chosen = o;
        overlapping.add(p);
      } else {
        switch (prefer) {
          case OURS -> {
            chosen = o;
            applied.add(p);
          }
          case THEIRS -> chosen = t;
          default -> {
            chosen = t;
            conflicts.add(p);
          }
        }
      }
      if (chosen != null) {
        result.put(p, chosen);
      }
    }
    keepParents(result, ours, theirs, base);
    try {
      return new Result(Manifest.of(theirs.pieceSize(), new ArrayList<>(result.values())), conflicts, applied,
          overlapping);
    } catch (UnsafePathException e) {
      List<String> all = new ArrayList<>(conflicts);
      if (!all.contains(e.path())) {
        all.add(e.path());
      }
      Collections.sort(all);
      return new Result(null, all, applied, overlapping);
    }
  }

  /** Adds every missing ancestor directory of a kept entry. */
  private static void keepParents(Map<String, ManifestEntry> result, Manifest ours, Manifest theirs, Manifest base) {
    List<String> missing = new ArrayList<>();
    for (String p : result.keySet()) {
      for (String a : PathRules.ancestorsOf(p)) {
        if (!result.containsKey(a)) {
          missing.add(a);
        }
      }
    }
    for (String a : missing) {
      if (result.containsKey(a)) {
        continue;
      }
      ManifestEntry dir = null;
      for (Manifest m : List.of(ours, theirs, base)) {
        ManifestEntry e = m.entry(a).orElse(null);
        if (e != null && e.isDirectory()) {
          dir = e;
          break;
        }
      }
      result.put(a, dir != null ? dir : ManifestEntry.directory(a, 0755));
    }
  }

  /**
   * {@code theirs == base}: every path is either untouched by ours (theirs = base = ours there) or
   * only ours changed it, so the result is ours itself; one merge pass finds what it applied.
   */
  private static Result fastForward(Manifest base, Manifest ours) {
    ManifestDiff d = ManifestDiff.between(base, ours);
    List<String> applied = new ArrayList<>();
    d.added().forEach(e -> applied.add(e.path()));
    d.removed().forEach(e -> applied.add(e.path()));
    d.changed().forEach(c -> applied.add(c.path()));
    d.modeChanged().forEach(c -> applied.add(c.path()));
    applied.sort(Manifest.PATH_ORDER);
    return new Result(ours, List.of(), applied, List.of());
  }

  private static boolean same(ManifestEntry x, ManifestEntry y) {
    if (x == null || y == null) {
      return x == y;
    }
    return x.sameContent(y);
  }
}
