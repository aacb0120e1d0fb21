package io.wpsync.coordinator.release;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestDiff;
import io.wpsync.core.manifest.ManifestEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * A release with its place in the history (is it committed?) and what changed since its parent.
 *
 * @param contents what the manifest holds, or null when it is not in this coordinator's store
 * @param diff the changes from {@code parent}, or null when there is no parent or when a manifest is
 *     not in this coordinator's store ({@code diffNote} says which)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReleaseDetails(
    String id, String manifestId, long manifestBytes, String parent, String author, String message,
    long createdAt, long totalBytes, int fileCount, int copies, boolean committed, Contents contents, Diff diff,
    String diffNote) {

  /** The manifest summary: entries by type, distinct objects, bytes, piece size. */
  public record Contents(int files, int directories, int symlinks, int objects, long totalBytes, int pieceSize) {
    public static Contents of(Manifest m) {
      int dirs = 0;
      int links = 0;
      for (ManifestEntry e : m.entries()) {
        if (e.isDirectory()) {
          dirs++;
        } else if (e.isSymlink()) {
          links++;
        }
      }
      return new Contents(m.fileCount(), dirs, links, m.uniqueObjects().size(), m.totalBytes(), m.pieceSize());
    }
  }

  /** Paths listed per kind of change in a diff, at most. */
  public static final int MAX_PATHS = 1000;

  /** Changes between two releases, with at most {@link #MAX_PATHS} paths per list. */
  public record Diff(String from, ManifestDiff.Summary summary, List<String> added, List<String> changed,
      List<String> removed, List<String> modeChanged, boolean truncated) {

    public static Diff of(String from, ManifestDiff d) {
      boolean[] cut = {false};
      return new Diff(from, d.summary(),
          paths(d.added().stream().map(ManifestEntry::path).toList(), cut),
          paths(d.changed().stream().map(ManifestDiff.Change::path).toList(), cut),
          paths(d.removed().stream().map(ManifestEntry::path).toList(), cut),
          paths(d.modeChanged().stream().map(ManifestDiff.Change::path).toList(), cut), cut[0]);
    }

    private static List<String> paths(List<String> all, boolean[] cut) {
      if (all.size() <= MAX_PATHS) {
        return all;
      }
      cut[0] = true;
      return new ArrayList<>(all.subList(0, MAX_PATHS));
    }
  }

  public static ReleaseDetails of(ReleaseInfo r, boolean committed, Contents contents, Diff diff, String diffNote) {
    return new ReleaseDetails(r.id(), r.manifestId(), r.manifestBytes(), r.parent(), r.author(), r.message(),
        r.createdAt(), r.totalBytes(), r.fileCount(), r.copies(), committed, contents, diff, diffNote);
  }
}
