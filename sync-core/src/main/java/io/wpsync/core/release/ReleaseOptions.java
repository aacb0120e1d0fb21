package io.wpsync.core.release;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * How releases are materialized on this node: the {@link ReleaseMode}, the linked paths, and how
 * many files are placed in parallel.
 *
 * <p>Linked paths map a NAME inside every release to an absolute PATH outside it (for example
 * {@code uploads -> /shared/uploads}): each release gets a symlink {@code NAME -> PATH}. They are
 * the only links that leave a release; they are not manifest entries, and a manifest that has an
 * entry at or under a linked name is refused. A NAME is one or more '/'-separated segments of
 * {@code [A-Za-z0-9._-]} (not '.' or '..'); its parent directories, if any, must be directories of
 * the manifest.
 *
 * <pre>{@code
 * ReleaseOptions opts = ReleaseOptions.defaults()
 *     .withLinkedPaths(Map.of("uploads", Path.of("/shared/uploads")));
 * }</pre>
 */
public record ReleaseOptions(ReleaseMode mode, Map<String, Path> linkedPaths, int parallelism) {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,255}");

  public ReleaseOptions {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(linkedPaths, "linkedPaths");
    if (parallelism < 1 || parallelism > 64) {
      throw new IllegalArgumentException("parallelism must be in [1, 64], got " + parallelism);
    }
    Map<String, Path> sorted = new TreeMap<>();
    for (Map.Entry<String, Path> e : linkedPaths.entrySet()) {
      String name = checkLinkedName(e.getKey());
      Path target = Objects.requireNonNull(e.getValue(), () -> "linked path '" + name + "' has no target");
      String text = target.toString();
      if (!target.isAbsolute() || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
        throw new IllegalArgumentException(String.format(
            "linked path '%s' must point to an absolute path on one line, got '%s'", name, text));
      }
      sorted.put(name, target);
    }
    linkedPaths = Collections.unmodifiableMap(sorted);
  }

  /** READ_ONLY, no linked paths, 4 files placed in parallel. */
  public static ReleaseOptions defaults() {
    return new ReleaseOptions(ReleaseMode.READ_ONLY, Map.of(), 4);
  }

  public ReleaseOptions withMode(ReleaseMode newMode) {
    return new ReleaseOptions(newMode, linkedPaths, parallelism);
  }

  public ReleaseOptions withLinkedPaths(Map<String, Path> newLinkedPaths) {
    return new ReleaseOptions(mode, newLinkedPaths, parallelism);
  }

  public ReleaseOptions withParallelism(int newParallelism) {
    return new ReleaseOptions(mode, linkedPaths, newParallelism);
  }

  static String checkLinkedName(String name) {
    Objects.requireNonNull(name, "linked path name");
    for (String segment : name.split("/", -1)) {
      if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(String.format(
            "linked path name '%s' must be '/'-separated segments of [A-Za-z0-9._-], not '.' or '..'", name));
      }
    }
    return name;
  }
}
