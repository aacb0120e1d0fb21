package io.wpsync.coordinator.release;

/**
 * What the author says about a new release.
 *
 * @param author who made it (free text, may be null)
 * @param message what changed (may be null)
 * @param base the parent release id; null means the committed release at creation time
 * @param allowStaleBase accept an explicit {@code base} that is neither the committed release nor
 *     built on it (by default that is refused: the new release would undo what was committed since)
 */
public record ReleaseDraft(String author, String message, String base, boolean allowStaleBase) {
  /** Longest author or message kept (znodes are small). */
  public static final int MAX_TEXT = 2000;

  public ReleaseDraft {
    author = clip(author);
    message = clip(message);
    base = base == null || base.isBlank() ? null : base.strip();
  }

  /** A draft that refuses a stale base. */
  public ReleaseDraft(String author, String message, String base) {
    this(author, message, base, false);
  }

  /** The same draft with another message. */
  public ReleaseDraft withMessage(String m) {
    return new ReleaseDraft(author, m, base, allowStaleBase);
  }

  private static String clip(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    String t = s.strip();
    return t.length() <= MAX_TEXT ? t : t.substring(0, MAX_TEXT);
  }
}
