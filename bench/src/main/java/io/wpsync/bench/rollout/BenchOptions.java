package io.wpsync.bench.rollout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rollout benchmark's options, validated. Flags are {@code --name value}; {@code --compare} and
 * {@code --keep} take no value.
 *
 * @param agents N agent processes
 * @param rollouts M measured rollouts per mode
 * @param warmup rollouts run first and not measured (JIT, page cache)
 * @param files files in the generated tree; {@code bytes} its total size
 * @param pollRps status requests per second during the rollouts (0: none)
 * @param compare run every mode side by side: without polling and with {@code pollRps}, interleaved
 * @param pollThreads threads issuing the status requests (in-flight cap)
 * @param waitPollMillis how often the client asks whether every agent switched
 * @param timeout the whole run is stopped (and every process with it) after this
 */
record BenchOptions(int agents, int rollouts, int warmup, int files, long bytes, int pollRps, boolean compare,
    int pollThreads, int waitPollMillis, Path dir, Path jar, Duration timeout, String agentJvm, String coordinatorJvm) {

  private static final Set<String> FLAGS = Set.of("compare");

  BenchOptions {
    check(agents >= 1 && agents <= 50, "--agents must be 1..50, got " + agents);
    check(rollouts >= 1 && rollouts <= 1000, "--rollouts must be 1..1000, got " + rollouts);
    check(warmup >= 0 && warmup <= 100, "--warmup must be 0..100, got " + warmup);
    check(files >= 100, "--files must be at least 100, got " + files);
    check(pollRps >= 0 && pollRps <= 5000, "--poll-rps must be 0..5000, got " + pollRps);
    check(!compare || pollRps > 0, "--compare needs --poll-rps R > 0 (it runs without polling and at R side by side)");
    check(pollThreads >= 1 && pollThreads <= 256, "--poll-threads must be 1..256, got " + pollThreads);
    check(waitPollMillis >= 1 && waitPollMillis <= 1000, "--wait-poll-ms must be 1..1000, got " + waitPollMillis);
    check(dir != null, "--dir is required");
    check(jar != null, "--jar (the wpsync jar the daemons run from) is required");
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  static final String USAGE = """
      usage: RolloutBench --dir DIR --jar WPSYNC_JAR [options]
        --agents N           agent processes (default 10)
        --rollouts M         measured rollouts per mode (default 30)
        --warmup W           unmeasured rollouts first (default 3)
        --files F            files in the generated tree (default 3000)
        --bytes B            total bytes of the tree (default 67108864)
        --poll-rps R         status polling (GET /api/v1/rollouts/{id} and /api/v1/agents, read token) at R req/s (default 0)
        --compare            run without polling and with --poll-rps side by side (interleaved) and print the slowdown
        --poll-threads T     threads issuing status requests, i.e. the most in flight (default 64)
        --wait-poll-ms P     how often the client checks for 'all switched' (default 20)
        --timeout-minutes T  stop everything after T minutes (default 30)
        --agent-jvm OPTS     JVM options of each agent (default "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1")
        --coordinator-jvm O  JVM options of the coordinator (default "-Xmx512m -XX:+UseSerialGC")
      """;

  static BenchOptions parse(String[] args) {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option, got '" + args[i] + "'");
      }
      String name = args[i].substring(2);
      if (FLAGS.contains(name)) {
        o.put(name, "true");
      } else if (i + 1 < args.length) {
        o.put(name, args[++i]);
      } else {
        throw new IllegalArgumentException("--" + name + " needs a value");
      }
    }
    List<String> known = List.of("agents", "rollouts", "warmup", "files", "bytes", "poll-rps", "compare", "poll-threads",
        "wait-poll-ms", "dir", "jar", "timeout-minutes", "agent-jvm", "coordinator-jvm");
    for (String k : o.keySet()) {
      if (!known.contains(k)) {
        throw new IllegalArgumentException("unknown option --" + k);
      }
    }
    return new BenchOptions(
        Integer.parseInt(o.getOrDefault("agents", "10")),
        Integer.parseInt(o.getOrDefault("rollouts", "30")),
        Integer.parseInt(o.getOrDefault("warmup", "3")),
        Integer.parseInt(o.getOrDefault("files", "3000")),
        Long.parseLong(o.getOrDefault("bytes", String.valueOf(64L << 20))),
        Integer.parseInt(o.getOrDefault("poll-rps", "0")),
        Boolean.parseBoolean(o.getOrDefault("compare", "false")),
        Integer.parseInt(o.getOrDefault("poll-threads", "64")),
        Integer.parseInt(o.getOrDefault("wait-poll-ms", "20")),
        o.containsKey("dir") ? Path.of(o.get("dir")).toAbsolutePath() : null,
        o.containsKey("jar") ? Path.of(o.get("jar")).toAbsolutePath() : null,
        Duration.ofMinutes(Long.parseLong(o.getOrDefault("timeout-minutes", "30"))),
        o.getOrDefault("agent-jvm", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"),
        o.getOrDefault("coordinator-jvm", "-Xmx512m -XX:+UseSerialGC"));
  }

  /** The polling rates to measure, in the order of the first block: 0 first. */
  List<Integer> modes() {
    return compare ? List.of(0, pollRps) : List.of(pollRps);
  }
}
