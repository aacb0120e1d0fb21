package io.wpsync.bench.rollout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Measured values (thread-safe to add) and their nearest-rank percentiles: {@code p(50)} is the
 * smallest value with at least half of the values at or below it, {@code p(100)} the maximum. An
 * empty set answers NaN.
 */
final class Samples {
  private final List<Double> values = new ArrayList<>();

  synchronized void add(double v) {
    values.add(v);
  }

  /** Adds every value of {@code other} (a snapshot of it). */
  void addAll(Samples other) {
    Samples snapshot = other.copy();
    synchronized (this) {
      values.addAll(snapshot.values);
    }
  }

  synchronized int size() {
    return values.size();
  }

  synchronized Samples copy() {
    Samples s = new Samples();
    s.values.addAll(values);
    return s;
  }

  /** Nearest-rank percentile, {@code 0 < q <= 100}. */
  synchronized double p(double q) {
    if (q <= 0 || q > 100) {
      throw new IllegalArgumentException("percentile must be in (0, 100], got " + q);
    }
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(q / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  synchronized double mean() {
    return values.isEmpty() ? Double.NaN : values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }

  double max() {
    return p(100);
  }

  /** {@code p50 / p95 / max} in whole milliseconds (values are milliseconds). */
  String summary() {
    return String.format(Locale.ROOT, "p50 %6.0f   p95 %6.0f   max %6.0f   (n=%d)", p(50), p(95), max(), size());
  }
}
