package io.wpsync.core.scan;

import io.wpsync.core.manifest.UnsafePathException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * How this JVM decodes file names, and the check that a decoded name is the real one.
 *
 * <p>The JDK decodes file names with {@code sun.jnu.encoding}, which comes from the locale at
 * start-up and cannot be overridden with {@code -Dsun.jnu.encoding} on JDK 17. Under UTF-8 a name
 * that is not valid UTF-8 on disk decodes with U+FFFD replacement characters; under ASCII (LANG
 * unset, {@code C}, {@code POSIX}) every non-ASCII name does. Either way the decoded name does not
 * reach the file, so any name containing U+FFFD is refused. Any other encoding (e.g. ISO-8859-1)
 * would decode UTF-8 names into different, valid-looking text, so scanning refuses to run at all.
 * Run the JVM with {@code LC_ALL=C.UTF-8} (or {@code LANG=C.UTF-8}).
 */
final class FileNames {
  static final char REPLACEMENT = '\uFFFD';

  private FileNames() {}

  static Charset jnuCharset() {
    String name = System.getProperty("sun.jnu.encoding", "UTF-8");
    try {
      return Charset.forName(name);
    } catch (RuntimeException e) {
      return StandardCharsets.US_ASCII;
    }
  }

  /** Throws {@link IllegalStateException} if names cannot be decoded faithfully or checked. */
  static void checkJvmEncoding() {
    Charset cs = jnuCharset();
    if (!cs.equals(StandardCharsets.UTF_8) && !cs.equals(StandardCharsets.US_ASCII)) {
      throw new IllegalStateException("this JVM decodes file names as " + cs
          + ", which would silently misread UTF-8 names; start it with LC_ALL=C.UTF-8");
    }
  }

  /** Throws if {@code name} (a file name or symlink target found on disk) was not decoded faithfully. */
  static void checkDecoded(String relPath, String what, String text) throws UnsafePathException {
    if (text.indexOf(REPLACEMENT) < 0) {
      return;
    }
    String reason = what + " is not valid UTF-8 on disk (it decodes with U+FFFD); rename it";
    if (!jnuCharset().equals(StandardCharsets.UTF_8)) {
      reason = what + " has non-ASCII bytes but this JVM decodes file names as " + jnuCharset()
          + "; start it with LC_ALL=C.UTF-8";
    }
    throw new UnsafePathException(relPath, reason);
  }
}
