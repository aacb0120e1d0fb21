package io.wpsync.core.manifest;

/**
 * A manifest or bundle entry that would write outside the tree, hide under a link, collide with
 * another entry, or is otherwise not a safe relative path. Nothing has been written when this is
 * thrown.
 */
public class UnsafePathException extends Exception {
  private final String path;

  public UnsafePathException(String path, String reason) {
    super("unsafe path '" + printable(path) + "': " + reason);
    this.path = path;
  }

  /** The offending path, as given (may contain control characters). */
  public String path() {
    return path;
  }

  /** The path with control characters escaped, safe to print in a log or an HTTP reply. */
  public static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(cp -> {
      if (cp < 0x20 || cp == 0x7f) {
        b.append(String.format("\\x%02x", cp));
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.toString();
  }
}
