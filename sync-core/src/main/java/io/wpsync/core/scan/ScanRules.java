package io.wpsync.core.scan;

import java.util.ArrayList;
import java.util.List;

/**
 * Which paths under a wp-content root a scan records: include and exclude globs relative to the
 * root (syntax: {@code *}, {@code ?}, {@code [..]}, {@code {a,b}}, and {@code **} for any number of
 * segments; {@code dir/**} also matches {@code dir} itself).
 *
 * <p>Guarantees:
 * <ul>
 *   <li>A file or symlink is recorded when it matches an include and no exclude.
 *   <li>An excluded directory excludes its whole subtree and is never walked.
 *   <li>A directory is walked only if some include can match below it (so with the defaults a
 *       top-level {@code ai1wm-backups/} is never read), and recorded when an include covers it and
 *       its subtree ({@code themes/**} records every directory under {@code themes}, empty ones too)
 *       or when it is the parent of a recorded entry.
 * </ul>
 *
 * <pre>{@code
 * ScanRules rules = ScanRules.of(List.of("plugins/**", "mu-plugins/**"), List.of("plugins/akismet/**"));
 * }</pre>
 */
public final class ScanRules {
  /** Code and translations, plus top-level drop-ins (object-cache.php, advanced-cache.php, db.php, ...). */
  public static final List<String> DEFAULT_INCLUDES =
      List.of("themes/**", "plugins/**", "mu-plugins/**", "languages/**", "*");
  /** Media, caches, upgrade scratch space, firewall logs and log files: per-node or too big. */
  public static final List<String> DEFAULT_EXCLUDES = List.of(
      "uploads/**", "cache/**", "upgrade/**", "upgrade-temp-backup/**", "wflogs/**", "**/*.log");

  private static final ScanRules DEFAULTS = of(DEFAULT_INCLUDES, DEFAULT_EXCLUDES);

  private final List<String> includeText;
  private final List<String> excludeText;
  private final GlobPattern[] includes;
  private final GlobPattern[] excludes;

  private ScanRules(List<String> includeText, List<String> excludeText) {
    this.includeText = List.copyOf(includeText);
    this.excludeText = List.copyOf(excludeText);
    this.includes = compile(this.includeText);
    this.excludes = compile(this.excludeText);
  }

  /** The wp-content defaults ({@link #DEFAULT_INCLUDES}, {@link #DEFAULT_EXCLUDES}). */
  public static ScanRules defaults() {
    return DEFAULTS;
  }

  /**
   * Rules from explicit pattern lists.
   *
   * @throws IllegalArgumentException if a pattern is malformed (the message names it)
   */
  public static ScanRules of(List<String> includes, List<String> excludes) {
    return new ScanRules(includes, excludes);
  }

  private static GlobPattern[] compile(List<String> patterns) {
    List<GlobPattern> out = new ArrayList<>(patterns.size());
    for (String p : patterns) {
      out.add(GlobPattern.compile(p));
    }
    return out.toArray(new GlobPattern[0]);
  }

  public List<String> includes() {
    return includeText;
  }

  public List<String> excludes() {
    return excludeText;
  }

  /** True if a file or symlink at {@code path} would be recorded. */
  public boolean recordsFile(String path) {
    Cursor c = cursorFor(path);
    return c != null && c.recordsFile();
  }

  /** True if a directory at {@code path} would be recorded even when empty. */
  public boolean recordsDirectory(String path) {
    Cursor c = cursorFor(path);
    return c != null && c.recordsDirectory();
  }

  /** True if a scan walks into a directory at {@code path}. */
  public boolean descendsInto(String path) {
    Cursor c = cursorFor(path);
    return c != null && c.descends();
  }

  /** The cursor at {@code path}, or null if an ancestor is excluded. */
  private Cursor cursorFor(String path) {
    Cursor c = root();
    String[] segments = path.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      c = c.child(segments[i]);
      if (i < segments.length - 1 && c.excluded()) {
        return null;
      }
    }
    return c;
  }

  /** The matching state at the root, for walkers that step one name at a time. */
  Cursor root() {
    long[] in = new long[includes.length];
    for (int i = 0; i < in.length; i++) {
      in[i] = includes[i].start();
    }
    long[] ex = new long[excludes.length];
    for (int i = 0; i < ex.length; i++) {
      ex[i] = excludes[i].start();
    }
    return new Cursor(in, ex);
  }

  @Override
  public String toString() {
    return "ScanRules[include=" + includeText + ", exclude=" + excludeText + "]";
  }

  /** The automaton states of every pattern after the path walked so far; immutable. */
  final class Cursor {
    private final long[] in;
    private final long[] ex;

    private Cursor(long[] in, long[] ex) {
      this.in = in;
      this.ex = ex;
    }

    /** The state for the entry {@code name} inside the current directory. */
    Cursor child(String name) {
      long[] nin = new long[in.length];
      for (int i = 0; i < in.length; i++) {
        nin[i] = in[i] == 0 ? 0 : includes[i].step(in[i], name);
      }
      long[] nex = new long[ex.length];
      for (int i = 0; i < ex.length; i++) {
        nex[i] = ex[i] == 0 ? 0 : excludes[i].step(ex[i], name);
      }
      return new Cursor(nin, nex);
    }

    boolean excluded() {
      for (int i = 0; i < ex.length; i++) {
        if (excludes[i].accepts(ex[i])) {
          return true;
        }
      }
      return false;
    }

    boolean recordsFile() {
      if (excluded()) {
        return false;
      }
      for (int i = 0; i < in.length; i++) {
        if (includes[i].accepts(in[i])) {
          return true;
        }
      }
      return false;
    }

    boolean descends() {
      if (excluded()) {
        return false;
      }
      for (int i = 0; i < in.length; i++) {
        if (includes[i].reachesBelow(in[i])) {
          return true;
        }
      }
      return false;
    }

    boolean recordsDirectory() {
      if (excluded()) {
        return false;
      }
      for (int i = 0; i < in.length; i++) {
        if (includes[i].accepts(in[i]) && includes[i].reachesBelow(in[i])) {
          return true;
        }
      }
      return false;
    }
  }
}
