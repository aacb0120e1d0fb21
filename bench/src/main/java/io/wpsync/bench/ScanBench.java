package io.wpsync.bench;

import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.scan.ScanStats;
import io.wpsync.core.scan.Scanner;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scan benchmark harness, driven by {@code bench/scan.sh} (each mode is one JVM process):
 *
 * <pre>
 * generate DIR [--files N] [--bytes B] [--seed S]   write the deterministic test tree
 * cold DIR [--threads T] [--buffer BYTES]             one full-hash scan with an empty cache
 * warm DIR [--repeat R] [--warmup W]                  one scan to fill the cache, W untimed rescans
 *                                                     (JIT warm-up, as in a long-running agent), R timed
 * </pre>
 *
 * Prints {@code key=value} lines on stdout for the script to read.
 */
public final class ScanBench {
  private ScanBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: ScanBench generate|cold|warm DIR [options]");
      System.exit(2);
    }
    Path dir = Path.of(args[1]);
    Map<String, String> opts = options(Arrays.copyOfRange(args, 2, args.length));
    switch (args[0]) {
      case "generate" -> generate(dir, opts);
      case "cold" -> cold(dir, opts);
      case "warm" -> warm(dir, opts);
      default -> {
        System.err.println("unknown mode " + args[0]);
        System.exit(2);
      }
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value, got " + args[i]);
      }
      out.put(args[i].substring(2), args[i + 1]);
    }
    return out;
  }

  private static long opt(Map<String, String> opts, String name, long def) {
    return opts.containsKey(name) ? Long.parseLong(opts.get(name)) : def;
  }

  private static void generate(Path dir, Map<String, String> opts) throws Exception {
    long started = System.nanoTime();
    TreeGenerator.Summary s = new TreeGenerator(opt(opts, "files", 20_000), opt(opts, "bytes", 1L << 30),
        opt(opts, "seed", 42)).generate(dir, Runtime.getRuntime().availableProcessors());
    System.out.printf(Locale.ROOT, "generated_files=%d%ngenerated_bytes=%d%ngenerate_seconds=%.3f%n",
        s.files(), s.bytes(), (System.nanoTime() - started) / 1e9);
  }

  private static Scanner.Builder scanner(Map<String, String> opts) {
    Scanner.Builder b = Scanner.builder();
    if (opts.containsKey("threads")) {
      b.threads(Integer.parseInt(opts.get("threads")));
    }
    if (opts.containsKey("buffer")) {
      b.bufferSize(Integer.parseInt(opts.get("buffer")));
    }
    return b;
  }

  private static void cold(Path dir, Map<String, String> opts) throws Exception {
    try (Scanner scanner = scanner(opts).build()) {
      long started = System.nanoTime();
      Manifest m = scanner.scan(dir);
      double seconds = (System.nanoTime() - started) / 1e9;
      ScanStats st = scanner.stats();
      System.out.printf(Locale.ROOT, "cold_scan_seconds=%.4f%nfiles=%d%nbytes=%d%nfiles_hashed=%d%nbytes_hashed=%d%nid=%s%n",
          seconds, m.fileCount(), m.totalBytes(), st.filesHashed(), st.bytesHashed(), m.id());
    }
  }

  private static void warm(Path dir, Map<String, String> opts) throws Exception {
    int repeat = (int) opt(opts, "repeat", 5);
    int warmup = (int) opt(opts, "warmup", 5);
    try (Scanner scanner = scanner(opts).build()) {
      Manifest first = scanner.scan(dir);
      for (int i = 0; i < warmup; i++) {
        scanner.scan(dir);
      }
      long bytesAfterFirst = scanner.stats().bytesHashed();
      List<Double> times = new ArrayList<>();
      List<Double> cpu = new ArrayList<>();
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      for (int i = 0; i < repeat; i++) {
        long cpuStarted = os.getProcessCpuTime();
        long started = System.nanoTime();
        Manifest again = scanner.scan(dir);
        times.add((System.nanoTime() - started) / 1e9);
        cpu.add((os.getProcessCpuTime() - cpuStarted) / 1e9);
        if (!again.id().equals(first.id())) {
          throw new IllegalStateException("the tree changed during the benchmark: " + first.id() + " -> " + again.id());
        }
      }
      ScanStats st = scanner.stats();
      System.out.printf(Locale.ROOT,
          "warm_scan_seconds=%.4f%nwarm_cpu_seconds=%.4f%nwarm_runs=%s%nrescan_bytes_read=%d%ncache_hits=%d%ncache_misses=%d%n",
          median(times), median(cpu), times, st.bytesHashed() - bytesAfterFirst, st.cacheHits(), st.cacheMisses());
    }
  }
}
