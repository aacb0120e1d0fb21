package io.wpsync.integrations;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * External programs the WordPress tests need (php, mariadbd, Debian's WordPress). Missing ones skip
 * the test with a message saying what to install, except in CI ({@code CI=true}), where .ci/run
 * installs them and a missing one is a failure.
 */
final class Tools {
  private Tools() {}

  static boolean ci() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** The executable {@code name} on PATH, or null. */
  static Path onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : (path + File.pathSeparator + "/usr/sbin" + File.pathSeparator + "/sbin").split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** The first of {@code names} on PATH; skips (or fails in CI) when none is. */
  static Path require(String why, String... names) {
    for (String n : names) {
      Path p = onPath(n);
      if (p != null) {
        return p;
      }
    }
    return missing(String.join(" or ", names) + " not found (" + why + ")");
  }

  /** A directory or file that must exist; skips (or fails in CI) when it does not. */
  static Path requireFile(Path p, String why) {
    return Files.exists(p) ? p : missing(p + " not found (" + why + ")");
  }

  private static Path missing(String what) {
    String msg = what + "; install with: apt-get install -y php-cli php-mysql php-zip php-xml php-mbstring mariadb-server wordpress";
    if (ci()) {
      throw new AssertionError("CI=true but " + msg + " (.ci/run installs these)");
    }
    Assumptions.abort("skipped: " + msg);
    return null;
  }
}
