package io.wpsync.cli.admin;

import java.util.Locale;

/** Human-readable sizes and ages for CLI output. */
final class Sizes {
  private Sizes() {}

  /** {@code 512 B}, {@code 1.5 KiB}, {@code 12.3 MiB}, {@code 1.0 GiB}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
  }

  /** {@code 3s ago}, {@code 2m ago}, {@code never} (for 0). */
  static String ago(long epochMillis, long now) {
    if (epochMillis <= 0) {
      return "never";
    }
    long s = Math.max(0, (now - epochMillis) / 1000);
    if (s < 120) {
      return s + "s ago";
    }
    if (s < 7200) {
      return s / 60 + "m ago";
    }
    return s / 3600 + "h ago";
  }
}
