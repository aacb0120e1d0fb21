package io.wpsync.core.manifest;

import java.text.Normalizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The path-safety rules every manifest and bundle entry must pass before anything is written.
 *
 * <p>A path is relative and '/'-separated, has no empty, '.' or '..' segment, no NUL, is valid
 * Unicode (so it encodes to UTF-8), and at most {@value #MAX_PATH_BYTES} bytes with segments of at
 * most {@value #MAX_SEGMENT_BYTES}. Within one tree: every parent is a directory entry (nothing hides
 * under a symlink or a file), no two paths are equal after Unicode NFC normalization, and every
 * symlink target, resolved through the tree's own symlinks, stays inside the tree.
 */
public final class PathRules {
  public static final int MAX_PATH_BYTES = 4096;
  public static final int MAX_SEGMENT_BYTES = 255;
  private static final int MAX_LINK_DEPTH = 40;

  private PathRules() {}

  /** Checks one path on its own (one pass over its characters, no allocation when it is valid). */
  public static void checkPath(String path) throws UnsafePathException {
    if (path.isEmpty()) {
      throw new UnsafePathException(path, "empty path");
    }
    if (path.charAt(0) == '/') {
      throw new UnsafePathException(path, "absolute paths are not allowed");
    }
    int length = path.length();
    int totalBytes = 0;
    int segmentStart = 0;
    int segmentBytes = 0;
    for (int i = 0; i <= length; i++) {
      char c = i < length ? path.charAt(i) : '/';
      if (c == '/') {
        checkSegment(path, segmentStart, i, segmentBytes);
        segmentStart = i + 1;
        segmentBytes = 0;
        continue;
      }
      int bytes;
      if (c == '\0') {
        throw new UnsafePathException(path, "contains a NUL character");
      } else if (c < 0x80) {
        bytes = 1;
      } else if (c < 0x800) {
        bytes = 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(path.charAt(i + 1))) {
        bytes = 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new UnsafePathException(path, "not valid UTF-8");
      } else {
        bytes = 3;
      }
      segmentBytes += bytes;
      totalBytes += bytes;
    }
    if (totalBytes > MAX_PATH_BYTES) {
      throw new UnsafePathException(path, "longer than " + MAX_PATH_BYTES + " bytes");
    }
  }

  private static void checkSegment(String path, int from, int to, int bytes) throws UnsafePathException {
    int n = to - from;
    if (n == 0) {
      throw new UnsafePathException(path, "empty segment (leading, trailing or double '/')");
    }
    if (n == 1 && path.charAt(from) == '.') {
      throw new UnsafePathException(path, "'.' segment");
    }
    if (n == 2 && path.charAt(from) == '.' && path.charAt(from + 1) == '.') {
      throw new UnsafePathException(path, "'..' segment escapes the tree");
    }
    if (bytes > MAX_SEGMENT_BYTES) {
      throw new UnsafePathException(path, "a segment is longer than " + MAX_SEGMENT_BYTES + " bytes");
    }
  }

  /** Checks a whole tree: each path, parents, collisions and symlink targets. */
  public static void validate(Collection<ManifestEntry> entries) throws UnsafePathException {
    Map<String, ManifestEntry> byPath = new HashMap<>(entries.size() * 2);
    List<String> nonAscii = new ArrayList<>();
    for (ManifestEntry e : entries) {
      checkPath(e.path());
      if (byPath.put(e.path(), e) != null) {
        throw new UnsafePathException(e.path(), "listed twice");
      }
      if (!isAscii(e.path())) {
        nonAscii.add(e.path());
      }
    }
    // an ASCII path is its own NFC form, so two paths can only collide if one is not ASCII: its
    // NFC form is either another listed path (ASCII or not) or that of another non-ASCII path
    Map<String, String> normalized = new HashMap<>(nonAscii.size() * 2);
    for (String path : nonAscii) {
      String key = Normalizer.normalize(path, Normalizer.Form.NFC);
      String other = normalized.put(key, path);
      if (other == null && !key.equals(path) && byPath.containsKey(key)) {
        other = key;
      }
      if (other != null) {
        throw new UnsafePathException(path,
            "collides with '" + UnsafePathException.printable(other) + "' after Unicode normalization");
      }
    }
    for (ManifestEntry e : entries) {
      String parent = parentOf(e.path());
      if (parent != null) {
        ManifestEntry p = byPath.get(parent);
        if (p == null) {
          throw new UnsafePathException(e.path(), "parent directory '" + parent + "' is not listed");
        }
        if (!p.isDirectory()) {
          throw new UnsafePathException(e.path(),
              "parent '" + parent + "' is a " + p.type().name().toLowerCase() + ", not a directory");
        }
      }
      if (e.isSymlink()) {
        checkLinkTarget(e.path(), e.target(), byPath);
      }
    }
  }

  /** Checks that symlink {@code path -> target} resolves inside the tree described by {@code byPath}. */
  public static void checkLinkTarget(String path, String target, Map<String, ManifestEntry> byPath)
      throws UnsafePathException {
    if (target.isEmpty()) {
      throw new UnsafePathException(path, "empty symlink target");
    }
    if (target.indexOf('\0') >= 0 || !isValidUnicode(target)) {
      throw new UnsafePathException(path, "symlink target is not valid UTF-8 text");
    }
    if (target.startsWith("/")) {
      throw new UnsafePathException(path, "symlink target '" + UnsafePathException.printable(target)
          + "' is absolute and leaves the tree");
    }
    Deque<String> dir = new ArrayDeque<>();
    String parent = parentOf(path);
    if (parent != null) {
      for (String s : parent.split("/")) {
        dir.addLast(s);
      }
    }
    resolve(path, target, dir, byPath, 0);
  }

  private static void resolve(String link, String target, Deque<String> dir,
      Map<String, ManifestEntry> byPath, int depth) throws UnsafePathException {
    if (depth > MAX_LINK_DEPTH) {
      throw new UnsafePathException(link, "symlink chain deeper than " + MAX_LINK_DEPTH + " (a loop?)");
    }
    if (target.startsWith("/")) {
      throw new UnsafePathException(link, "resolves through an absolute symlink target");
    }
    for (String s : target.split("/")) {
      if (s.isEmpty() || s.equals(".")) {
        continue;
      }
      if (s.equals("..")) {
        if (dir.isEmpty()) {
          throw new UnsafePathException(link, "symlink target '" + UnsafePathException.printable(target)
              + "' escapes the tree");
        }
        dir.removeLast();
        continue;
      }
      dir.addLast(s);
      ManifestEntry hop = byPath.get(String.join("/", dir));
      if (hop != null && hop.isSymlink()) {
        dir.removeLast();
        resolve(link, hop.target(), dir, byPath, depth + 1);
      }
    }
  }

  /** The parent of a relative path, or null at the top level. */
  public static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? null : path.substring(0, slash);
  }

  /** Every ancestor directory of {@code path}, outermost first. */
  public static List<String> ancestorsOf(String path) {
    List<String> out = new ArrayList<>();
    int i = path.indexOf('/');
    while (i >= 0) {
      out.add(path.substring(0, i));
      i = path.indexOf('/', i + 1);
    }
    return out;
  }

  /** True if every char is part of a valid code point (no lone surrogates). */
  public static boolean isValidUnicode(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Compares by UTF-8 bytes (unsigned), which is code point order. UTF-16 order differs from it
   * only where a surrogate meets a character at or above U+E000, so only the first differing pair
   * of chars needs fixing up.
   */
  public static int compareUtf8(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        if (x >= Character.MIN_SURROGATE && y >= Character.MIN_SURROGATE) {
          return Integer.compare(codePointRank(x), codePointRank(y));
        }
        return Integer.compare(x, y);
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  /** Moves surrogates above U+E000..U+FFFF, as their code points are. */
  private static int codePointRank(char c) {
    return Character.isSurrogate(c) ? c + 0x2000 : c - 0x800;
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }
}
