package io.wpsync.faults.bed;

/** Reads samples out of a Prometheus text exposition. */
public final class Prometheus {
  private Prometheus() {}

  /**
   * Sum of the values of every sample line that starts with {@code sampleStart} (a metric name, or a
   * name with the opening of its label set, e.g. {@code wpsync_fetch_bytes_total{source="peer"}),
   * followed by a space or a label set. 0 when none.
   */
  public static double sum(String exposition, String sampleStart) {
    double total = 0;
    for (String line : exposition.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(sampleStart)) {
        continue;
      }
      char next = line.length() > sampleStart.length() ? line.charAt(sampleStart.length()) : ' ';
      if (!sampleStart.endsWith("{") && !sampleStart.endsWith(",") && !sampleStart.endsWith("\"")
          && next != ' ' && next != '{') {
        continue; // a longer metric name
      }
      int close = line.lastIndexOf('}');
      String rest = (close >= 0 ? line.substring(close + 1) : line.substring(line.indexOf(' ') + 1)).strip();
      try {
        total += Double.parseDouble(rest.split("\\s+")[0]);
      } catch (NumberFormatException ignored) {
        // not a sample
      }
    }
    return total;
  }
}
