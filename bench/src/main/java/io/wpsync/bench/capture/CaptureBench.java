package io.wpsync.bench.capture;

import io.wpsync.agent.AgentConfig;
import io.wpsync.agent.AgentDaemon;
import io.wpsync.agent.AgentMode;
import io.wpsync.agent.HostPort;
import io.wpsync.agent.capture.CaptureSettings;
import io.wpsync.bench.TreeGenerator;
import io.wpsync.coordinator.CoordinatorConfig;
import io.wpsync.coordinator.CoordinatorDaemon;
import io.wpsync.coordinator.proposal.CapturePolicy;
import io.wpsync.coordinator.release.ReleaseDraft;
import io.wpsync.coordinator.rollout.RolloutRequest;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.ProposalInfo;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Local change capture latency: N live agents (in this JVM, each with its own store, release root,
 * file watcher, peer server and ZooKeeper session) and one coordinator (embedded ZooKeeper, capture
 * policy auto), every agent holding the same generated wp-content tree as a LIVE release on disk.
 * Then, M times: write one small PHP file into one agent's {@code current} (agents in turn) and
 * measure until every agent's {@code current} holds it (each agent's file polled every 2 ms). Per
 * change it also reports where the time went, from the proposal and rollout records: write ->
 * proposal recorded (quiet period, rescan, object transfer), -> commit (merge, publish, two-phase
 * prepare), -> last agent switched.
 *
 * <p>Usage: {@code java -cp wpsync-bench.jar io.wpsync.bench.capture.CaptureBench TREE WORK [agents]
 * [changes] [warmup] [pauseMillis]}. TREE is a generated tree (made if missing: FILES, BYTES, SEED
 * env), WORK an empty directory on disk. Prints one {@code key=value} line per figure.
 */
public final class CaptureBench {
  private static final Duration WAIT = Duration.ofMinutes(10);
  private static final String CAPTURE_TOKEN = hex(24);

  private CaptureBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: CaptureBench TREE WORK [agents=10] [changes=50] [warmup=3] [pauseMillis=500]");
      System.exit(2);
    }
    Path tree = Path.of(args[0]);
    Path work = Path.of(args[1]);
    int agents = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int changes = args.length > 3 ? Integer.parseInt(args[3]) : 50;
    int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    long pause = args.length > 5 ? Long.parseLong(args[5]) : 500;
    if (!Files.isDirectory(tree)) {
      long files = Long.parseLong(System.getenv().getOrDefault("FILES", "20000"));
      long bytes = Long.parseLong(System.getenv().getOrDefault("BYTES", "1073741824"));
      long seed = Long.parseLong(System.getenv().getOrDefault("SEED", "42"));
      log("generating %s (%d files, %d bytes, seed %d)", tree, files, bytes, seed);
      new TreeGenerator(files, bytes, seed).generate(tree, 2);
    }
    Files.createDirectories(work);
    try (Cluster c = new Cluster(work, agents)) {
      c.start(tree);
      run(c, changes, warmup, pause);
    }
  }

  // ------------------------------------------------------------------ the cluster

  /** The coordinator and the agents, all in this JVM. */
  static final class Cluster implements AutoCloseable {
    final Path work;
    final int n;
    CoordinatorDaemon coordinator;
    final List<AgentDaemon> agents = new ArrayList<>();

    Cluster(Path work, int n) {
      this.work = work;
      this.n = n;
    }

    void start(Path tree) throws Exception {
      long t0 = System.nanoTime();
      Path secret = Files.writeString(work.resolve("secret"), hex(32) + "\n");
      Path tokens = Files.writeString(work.resolve("tokens"), "capture " + CAPTURE_TOKEN + "\nadmin " + hex(24) + "\n");
      Path captureToken = Files.writeString(work.resolve("capture-token"), CAPTURE_TOKEN + "\n");
      coordinator = CoordinatorDaemon.start(CoordinatorConfig.of("coord", work.resolve("coord"), null)
          .withEmbeddedZk(0)
          .withHttp(new HostPort("127.0.0.1", 0))
          .withP2p(new HostPort("127.0.0.1", 0))
          .withSecretFile(secret)
          .withTokenFile(tokens)
          .withCopyWait(Duration.ofSeconds(1))
          .withRolloutDeadline(Duration.ofMinutes(10))
          .withCapturePolicy(CapturePolicy.AUTO));
      await("the coordinator to lead", coordinator::isLeader);
      for (int i = 1; i <= n; i++) {
        String id = String.format(Locale.ROOT, "agent-%02d", i);
        agents.add(AgentDaemon.start(AgentConfig.of(id, work.resolve(id).resolve("data"),
                work.resolve(id).resolve("root"), coordinator.zkConnect())
            .withSecretFile(secret)
            .withMode(AgentMode.LIVE)
            .withCapture(CaptureSettings.defaults().withTokenFile(captureToken))));
      }
      await("every agent in ZooKeeper", () -> agents.stream().allMatch(a -> a.status().zkConnected()));
      log("cluster up in %.1f s; publishing %s as the base release", secs(t0), tree);
      long t1 = System.nanoTime();
      ReleaseInfo r1 = coordinator.releases().create(tree, new ReleaseDraft("bench", "base tree", null));
      log("release %s: %d files, %d bytes, scanned and stored in %.1f s", r1.id(), r1.fileCount(), r1.totalBytes(),
          secs(t1));
      long t2 = System.nanoTime();
      var started = coordinator.rollouts().start(new RolloutRequest(r1.id(), Duration.ofMinutes(30),
          FailurePolicy.abort(), false));
      await("the base rollout", () -> coordinator.rollouts().status(started.id()).state().isFinal());
      for (AgentDaemon a : agents) {
        await(a.id() + " on " + r1.id(), () -> r1.id().equals(current(a)));
      }
      log("base release on all %d agents (live copies) in %.1f s", n, secs(t2));
      long t3 = System.nanoTime();
      for (AgentDaemon a : agents) { // the first rescan of each live tree fills its scan cache
        await(a.id() + "'s first rescan", () -> a.capture().orElseThrow().status().captures() >= 1);
      }
      log("first rescan of every live tree (scan caches filled) in %.1f s", secs(t3));
    }

    @Override
    public void close() {
      for (AgentDaemon a : agents) {
        a.close();
      }
      if (coordinator != null) {
        coordinator.close();
      }
    }
  }

  // ------------------------------------------------------------------ the measurement

  /** One measured change. */
  record Sample(int index, String agent, long totalMs, long captureMs, long publishMs, long prepareMs, long switchMs,
      String release) {
    long commitMs() {
      return publishMs < 0 || prepareMs < 0 ? -1 : publishMs + prepareMs;
    }
  }

  static void run(Cluster c, int changes, int warmup, long pause) throws Exception {
    List<Sample> samples = new ArrayList<>();
    var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpuStart = 0;
    long wallStart = 0;
    for (int i = 0; i < warmup + changes; i++) {
      if (i == warmup) {
        cpuStart = os.getProcessCpuTime();
        wallStart = System.nanoTime();
      }
      AgentDaemon writer = c.agents.get(i % c.agents.size());
      String rel = "plugins/plugin-000/bench-change-" + i + ".php";
      String content = "<?php // change " + i + " written on " + writer.id() + "\n";
      Path live = writer.config().rootDir().resolve("current");
      long wall = System.currentTimeMillis();
      long t0 = System.nanoTime();
      Files.writeString(live.resolve(rel), content, StandardCharsets.UTF_8);
      long done = waitEverywhere(c, rel, content);
      long total = (done - t0) / 1_000_000;
      Sample s = breakdown(c, i, writer.id(), total, wall);
      if (i >= warmup) {
        samples.add(s);
      }
      System.out.printf(Locale.ROOT, "change %3d%s on %s: %5d ms (capture %d, commit %d = publish %d + prepare %d, "
          + "switch %d) -> %s%n", i, i < warmup ? " (warm-up)" : "", writer.id(), total, s.captureMs(), s.commitMs(),
          s.publishMs(), s.prepareMs(), s.switchMs(), s.release());
      Thread.sleep(pause);
    }
    long cpuMs = (os.getProcessCpuTime() - cpuStart) / 1_000_000;
    long wallMs = (System.nanoTime() - wallStart) / 1_000_000;
    report(c, samples);
    // the whole JVM (every agent and the coordinator): what one change costs in CPU, all nodes together
    System.out.printf(Locale.ROOT, "capture_cpu cpu_ms_per_change=%d cpu_ms_per_change_per_agent=%d busy_cores=%.2f of %d%n",
        cpuMs / changes, cpuMs / changes / c.n, (double) cpuMs / Math.max(1, wallMs),
        Runtime.getRuntime().availableProcessors());
  }

  /** Nanotime when every agent's current holds {@code rel} with {@code content}. */
  static long waitEverywhere(Cluster c, String rel, String content) throws Exception {
    boolean[] seen = new boolean[c.agents.size()];
    int left = seen.length;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (left > 0) {
      for (int a = 0; a < seen.length; a++) {
        if (!seen[a] && content.equals(readOrNull(c.agents.get(a).config().rootDir().resolve("current").resolve(rel)))) {
          seen[a] = true;
          left--;
        }
      }
      if (left == 0) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(rel + " did not reach every agent within " + WAIT.toMinutes() + " min");
      }
      Thread.sleep(2);
    }
    return System.nanoTime();
  }

  /** Where the time went, from the records: the newest proposal and its rollout. */
  static Sample breakdown(Cluster c, int i, String agent, long total, long wall) throws Exception {
    Optional<ProposalInfo> p = c.coordinator.proposals().list().stream()
        .filter(x -> x.agentId().equals(agent) && x.createdAt() >= wall).reduce((a, b) -> b);
    if (p.isEmpty() || p.get().rolloutId() == null) {
      return new Sample(i, agent, total, -1, -1, -1, -1, "?");
    }
    RolloutInfo r = c.coordinator.rollouts().recent(5).stream().filter(x -> x.id().equals(p.get().rolloutId()))
        .findFirst().orElse(null);
    long capture = p.get().createdAt() - wall;
    long publish = r == null ? -1 : r.createdAt() - p.get().createdAt();
    long prepare = r == null ? -1 : r.decidedAt() - r.createdAt();
    long sw = r == null ? -1 : total - capture - publish - prepare;
    return new Sample(i, agent, total, capture, publish, prepare, sw, p.get().release());
  }

  static void report(Cluster c, List<Sample> samples) {
    long[] total = samples.stream().mapToLong(Sample::totalMs).sorted().toArray();
    long[] capture = samples.stream().mapToLong(Sample::captureMs).filter(v -> v >= 0).sorted().toArray();
    long[] commit = samples.stream().mapToLong(Sample::commitMs).filter(v -> v >= 0).sorted().toArray();
    long[] publish = samples.stream().mapToLong(Sample::publishMs).filter(v -> v >= 0).sorted().toArray();
    long[] prepare = samples.stream().mapToLong(Sample::prepareMs).filter(v -> v >= 0).sorted().toArray();
    long[] sw = samples.stream().mapToLong(Sample::switchMs).filter(v -> v >= 0).sorted().toArray();
    long releases;
    try {
      releases = c.coordinator.releases().list().size();
    } catch (Exception e) {
      releases = -1;
    }
    System.out.printf(Locale.ROOT, "capture_bench agents=%d changes=%d releases=%d p50_ms=%d p90_ms=%d p99_ms=%d max_ms=%d "
            + "mean_ms=%.0f%n", c.n, samples.size(), releases, pct(total, 50), pct(total, 90), pct(total, 99),
        total[total.length - 1], mean(total));
    System.out.printf(Locale.ROOT, "capture_phases write_to_proposal_p50_ms=%d p99_ms=%d proposal_to_commit_p50_ms=%d "
            + "p99_ms=%d commit_to_all_switched_p50_ms=%d p99_ms=%d%n", pct(capture, 50), pct(capture, 99),
        pct(commit, 50), pct(commit, 99), pct(sw, 50), pct(sw, 99));
    System.out.printf(Locale.ROOT, "capture_commit proposal_to_rollout_p50_ms=%d p99_ms=%d rollout_to_commit_p50_ms=%d "
        + "p99_ms=%d%n", pct(publish, 50), pct(publish, 99), pct(prepare, 50), pct(prepare, 99));
    StringBuilder all = new StringBuilder();
    for (long v : total) {
      all.append(v).append(' ');
    }
    System.out.println("capture_samples_ms " + all.toString().strip());
  }

  /** Nearest-rank percentile of a sorted array (p99 of 50 samples is the largest). */
  static long pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return -1;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  static double mean(long[] v) {
    double s = 0;
    for (long x : v) {
      s += x;
    }
    return v.length == 0 ? 0 : s / v.length;
  }

  // ------------------------------------------------------------------ helpers

  interface Check {
    boolean ok() throws Exception;
  }

  static void await(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  static String current(AgentDaemon a) throws IOException {
    Path link = a.config().rootDir().resolve("current");
    return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link).getFileName().toString() : null;
  }

  private static String readOrNull(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  private static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  static void log(String fmt, Object... args) {
    System.err.printf(Locale.ROOT, "[capture-bench %tT] %s%n", System.currentTimeMillis(), String.format(Locale.ROOT, fmt,
        args));
  }
}
