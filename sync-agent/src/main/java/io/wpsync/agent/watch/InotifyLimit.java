package io.wpsync.agent.watch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The kernel's inotify watch limit ({@code /proc/sys/fs/inotify/max_user_watches}, shared by every
 * process of the user) and how to recognise that a registration hit it.
 */
public final class InotifyLimit {
  /** Where Linux publishes the per-user watch limit. */
  public static final Path MAX_USER_WATCHES = Path.of("/proc/sys/fs/inotify/max_user_watches");

  private InotifyLimit() {}

  /** The per-user watch limit, if this is Linux and it is readable. */
  public static OptionalLong maxUserWatches() {
    return read(MAX_USER_WATCHES);
  }

  static OptionalLong read(Path file) {
    try (var r = Files.newBufferedReader(file)) { // procfs reports size 0: read it as a stream
      String line = r.readLine();
      return line == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(line.strip()));
    } catch (IOException | NumberFormatException | SecurityException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * True if {@code e}, thrown by {@code Path.register}, means the watch (or instance) limit was
   * reached: the JDK reports ENOSPC from {@code inotify_add_watch} as "User limit of inotify watches
   * reached" (and EMFILE as "... instances reached ...").
   */
  public static boolean isLimit(IOException e) {
    String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
    return m.contains("inotify") && m.contains("limit") || m.contains("no space left on device");
  }

  /** The advice logged when the limit is reached. */
  public static String advice(long needed) {
    OptionalLong max = maxUserWatches();
    return String.format("the kernel's inotify watch limit (fs.inotify.max_user_watches = %s, shared by every "
        + "process of this user on the node) is too low for this tree (~%d directories); changes in unwatched "
        + "directories are found by periodic rescans instead. Raise it, e.g. sysctl -w fs.inotify.max_user_watches=%d",
        max.isPresent() ? Long.toString(max.getAsLong()) : "unknown", needed,
        Math.max(524_288, Long.highestOneBit(Math.max(1, needed)) * 8));
  }
}
