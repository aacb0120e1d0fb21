package io.wpsync.agent.capture;

import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.PathRules;
import io.wpsync.core.manifest.UnsafePathException;
import io.wpsync.core.scan.ScanRules;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which paths of a live tree are captured: the release scan rules ({@link ScanRules#defaults()}, what
 * the coordinator records in a release) minus the configured capture excludes and every linked path
 * ({@code uploads/} and the other {@code --link} names are never captured).
 *
 * <p>{@link #overlay} turns a scan of the live tree into the tree to propose: paths the capture does
 * not look at keep what the release had, so excluding a plugin's cache directory from capture never
 * deletes it from the fleet.
 */
public final class CaptureRules {
  private final ScanRules rules;

  private CaptureRules(ScanRules rules) {
    this.rules = rules;
  }

  /**
   * @param excludes extra globs (the capture excludes)
   * @param linkedNames the agent's linked paths ({@code --link NAME=PATH})
   */
  public static CaptureRules of(List<String> excludes, Collection<String> linkedNames) {
    Set<String> ex = new java.util.LinkedHashSet<>(ScanRules.DEFAULT_EXCLUDES);
    ex.addAll(excludes);
    for (String name : linkedNames) {
      ex.add(name + "/**"); // "dir/**" matches dir itself too
    }
    return new CaptureRules(ScanRules.of(ScanRules.DEFAULT_INCLUDES, new ArrayList<>(ex)));
  }

  /** The rules a capture scan (and the watcher) follows. */
  public ScanRules scanRules() {
    return rules;
  }

  /** True if a capture scan would record (or walk into) this entry's path. */
  public boolean covers(ManifestEntry e) {
    return e.isDirectory()
        ? rules.recordsDirectory(e.path()) || rules.descendsInto(e.path())
        : rules.recordsFile(e.path());
  }

  /**
   * The tree to propose: every {@code scanned} entry, plus the {@code release} entries the capture
   * does not cover (kept only while their parent directory still exists).
   *
   * @throws UnsafePathException if the combination is not a valid tree
   */
  public Manifest overlay(Manifest release, Manifest scanned) throws UnsafePathException {
    List<ManifestEntry> out = overlayEntries(release, scanned.entries());
    int pieceSize = release.size() > 0 ? release.pieceSize() : scanned.pieceSize();
    if (out.size() == scanned.size() && pieceSize == scanned.pieceSize()) {
      return scanned; // nothing kept from the release: the scan is the tree
    }
    return Manifest.of(pieceSize, out);
  }

  /**
   * Like {@link #overlay(Manifest, Manifest)} for entries from {@link
   * io.wpsync.core.scan.Scanner#scanEntries}: returns {@code expected} itself, without building and
   * validating a new manifest, when the result holds exactly its entries (the common case when
   * checking a tree believed unchanged).
   */
  public Manifest overlay(Manifest release, List<ManifestEntry> scannedSorted, Manifest expected)
      throws UnsafePathException {
    List<ManifestEntry> out = overlayEntries(release, scannedSorted);
    out.sort(java.util.Comparator.comparing(ManifestEntry::path, Manifest.PATH_ORDER));
    if (expected != null && expected.pieceSize() == release.pieceSize() && out.equals(expected.entries())) {
      return expected;
    }
    return Manifest.of(release.pieceSize(), out);
  }

  private List<ManifestEntry> overlayEntries(Manifest release, List<ManifestEntry> scanned) {
    List<ManifestEntry> out = new ArrayList<>(scanned);
    Set<String> present = new HashSet<>();
    for (ManifestEntry e : scanned) {
      present.add(e.path());
    }
    for (ManifestEntry e : release.entries()) { // sorted: a parent comes before its children
      if (present.contains(e.path()) || covers(e)) { // the hash lookup first: globs only for the rest
        continue;
      }
      String parent = PathRules.parentOf(e.path());
      if (parent == null || present.contains(parent)) {
        out.add(e);
        present.add(e.path());
      }
    }
    return out;
  }
}
