package io.wpsync.coordinator.release;

/**
 * What the author says about a new release.
 *
 * @param author who made it (free text, may be null)
 * @param message what changed (may be null)
 * @param base the parent release id; null means the committed release at creation time
 */
public record ReleaseDraft(String author, String message, String base) {
  /** Longest author or message kept (znodes are small). */
  public static final int MAX_TEXT = 2000;

  public ReleaseDraft {
    author = clip(author);
    message = clip(message);
    base = base == null || base.isBlank() ? null : base.strip();
  }

  private static String clip(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    String t = s.strip();
    return t.length() <= MAX_TEXT ? t : t.substring(0, MAX_TEXT);
  }
}
