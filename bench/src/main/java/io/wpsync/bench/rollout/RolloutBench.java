package io.wpsync.bench.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import io.wpsync.bench.TreeGenerator;
import io.wpsync.cli.admin.AdminClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Rollout latency benchmark, driven by {@code bench/rollout.sh}: a real cluster of processes (one
 * coordinator with an embedded ZooKeeper, N agents; {@link BenchCluster}), a base release of a
 * generated wp-content tree, then M rollouts of a one-file change. Each rollout: edit one file,
 * upload the tree as a new release ({@code POST /api/v1/releases}, not timed), {@code POST
 * /api/v1/rollouts}, then poll {@code GET /api/v1/rollouts/{id}} until every participant reported
 * SWITCHED. With {@code --poll-rps R} a {@link StatusPoller} loads the coordinator with status
 * requests during each rollout; {@code --compare} measures both modes in one run, interleaved
 * (0, R, R, 0, ...) so drift hits both alike, and prints the slowdown.
 *
 * <p>Human-readable figures go to stdout, progress to stderr; the last lines are machine-readable:
 * {@code rollout agents=N rollouts=M latency_p50_ms=… latency_p99_ms=… skew_p50_ms=… skew_max_ms=…
 * poll_rps=R} per mode (the unloaded one last), preceded in compare mode by {@code
 * rollout_polling …} with the slowdown ratios. Every process is stopped on exit, also on failure,
 * on SIGTERM and after {@code --timeout-minutes}.
 */
public final class RolloutBench {
  /** Goal of issue 5's load check: polling slows a rollout by at most 10%. */
  static final double SLOWDOWN_GOAL = 1.10;
  private static final Duration ROLLOUT_TIMEOUT = Duration.ofMinutes(5);
  private static final long POLL_LEAD_IN_MS = 300;

  private final BenchOptions o;
  private final BenchCluster cluster;
  private final PrintStream out = System.out;
  private final Map<String, double[]> prepareTimers = new HashMap<>();
  /** Measured rollouts in order: {poll rps, client ms, records ms}. */
  private final List<double[]> sequence = new ArrayList<>();
  private volatile String currentRollout;
  private Path source;
  private Path edited;
  private int edits;
  private String loadBefore = "?";
  private String loadAfter = "?";

  private RolloutBench(BenchOptions o, BenchCluster cluster) {
    this.o = o;
    this.cluster = cluster;
  }

  public static void main(String[] args) {
    BenchOptions o;
    try {
      o = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("RolloutBench: " + e.getMessage());
      System.err.print(BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    BenchCluster cluster;
    try {
      cluster = new BenchCluster(o.dir().resolve("cluster"), o.jar());
    } catch (IOException e) {
      System.err.println("RolloutBench: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "stop-cluster"));
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(o.timeout().toMillis());
        System.err.println("RolloutBench: timed out after " + o.timeout().toMinutes() + " min; stopping every process");
        System.exit(3); // the shutdown hook stops the cluster
      } catch (InterruptedException ignored) {
        // finished in time
      }
    }, "watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    int code = 0;
    try {
      new RolloutBench(o, cluster).run();
    } catch (Exception e) {
      System.err.println("RolloutBench failed: " + e);
      System.err.println("(daemon logs are in " + cluster.logs() + ")");
      code = 1;
    } finally {
      cluster.close();
      watchdog.interrupt();
    }
    System.exit(code);
  }

  private static void log(String fmt, Object... args) {
    System.err.printf(Locale.ROOT, "[rollout-bench %tT] " + fmt + "%n", prepend(System.currentTimeMillis(), args));
  }

  private static Object[] prepend(Object first, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private void run() throws Exception {
    source = o.dir().resolve("source");
    log("generating a tree of %d files, %d bytes in %s", o.files(), o.bytes(), source);
    if (Files.exists(source)) {
      throw new IOException(source + " exists: give an empty --dir");
    }
    var summary = new TreeGenerator(o.files(), o.bytes(), 42).generate(source, 2);
    edited = fileToEdit(source);
    log("starting the coordinator (embedded ZooKeeper) and %d agent processes", o.agents());
    cluster.startCoordinator(o.coordinatorJvm());
    cluster.startAgents(o.agents(), o.agentJvm());
    log("cluster up: coordinator %s, agents %s (pids %s)", cluster.coordinatorUrl(), cluster.agentUrls().keySet(),
        cluster.pids());

    AdminClient admin = cluster.admin();
    AdminClient reader = new AdminClient(cluster.coordinatorUrl(), cluster.readToken());
    StatusPoller poller = o.pollRps() > 0
        ? new StatusPoller(cluster.coordinatorUrl(), cluster.readToken(), o.pollRps(), o.pollThreads(), () -> currentRollout)
        : null;
    try {
      long t = System.nanoTime();
      String base = admin.createRelease(source, "base tree", "bench", p -> true).path("id").asText();
      log("base release %s created in %d ms; rolling it out", base, (System.nanoTime() - t) / 1_000_000);
      rollout(admin, reader, base, null, null);

      loadBefore = loadAverage();
      List<Integer> schedule = schedule();
      Map<Integer, ModeFigures> figures = new LinkedHashMap<>();
      o.modes().forEach(m -> figures.put(m, new ModeFigures(m)));
      for (int i = 0; i < o.warmup() + schedule.size(); i++) {
        boolean warm = i < o.warmup();
        int rps = warm ? o.modes().get(i % o.modes().size()) : schedule.get(i - o.warmup());
        String release = newRelease(admin);
        ModeFigures f = warm ? null : figures.get(rps);
        double[] ms = rollout(admin, reader, release, rps > 0 ? poller : null, f);
        if (!warm) {
          sequence.add(new double[] {rps, ms[0], ms[1]});
        }
        log("%s %d/%d (polling %d req/s): client %.0f ms, records %.0f ms", warm ? "warm-up" : "rollout",
            warm ? i + 1 : i - o.warmup() + 1, warm ? o.warmup() : schedule.size(), rps, ms[0], ms[1]);
      }
      loadAfter = loadAverage();
      report(summary, figures);
    } finally {
      if (poller != null) {
        poller.shutdown();
      }
    }
  }

  /** The 1, 5 and 15 minute load averages (other work on the machine skews every figure). */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** Modes of the measured rollouts: M of each, interleaved 0, R, R, 0, 0, R, ... in compare mode. */
  private List<Integer> schedule() {
    List<Integer> s = new ArrayList<>();
    if (!o.compare()) {
      for (int i = 0; i < o.rollouts(); i++) {
        s.add(o.pollRps());
      }
      return s;
    }
    int[] abba = {0, 1, 1, 0};
    for (int i = 0; i < 2 * o.rollouts(); i++) {
      s.add(o.modes().get(abba[i % 4]));
    }
    return s;
  }

  private static Path fileToEdit(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root.resolve("plugins"))) {
      return walk.filter(p -> p.toString().endsWith(".php") && Files.isRegularFile(p)).sorted().findFirst()
          .orElseThrow(() -> new IOException("the generated tree has no .php file under plugins/"));
    }
  }

  /** Changes one file (appends a line) and uploads the tree as a new release. */
  private String newRelease(AdminClient admin) throws Exception {
    edits++;
    Files.writeString(edited, "<?php // bench change " + edits + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    JsonNode r = admin.createRelease(source, "bench change " + edits, "bench", p -> true);
    return r.path("id").asText();
  }

  /**
   * One rollout of {@code release}: start it, wait until every participant switched; measured into
   * {@code f} unless null, with {@code poller} running during it unless null.
   */
  private double[] rollout(AdminClient admin, AdminClient reader, String release, StatusPoller poller, ModeFigures f)
      throws Exception {
    if (poller != null) {
      poller.start();
      Thread.sleep(POLL_LEAD_IN_MS); // the coordinator is under load before the rollout starts
    }
    long t0 = System.nanoTime();
    JsonNode started = admin.startRollout(release, (int) ROLLOUT_TIMEOUT.toSeconds());
    String id = started.path("id").asText();
    currentRollout = id;
    JsonNode s = awaitAllSwitched(reader, id, t0);
    long clientNanos = System.nanoTime() - t0;
    StatusPoller.Stats polled = poller != null ? poller.stop() : null;
    List<Double> agentPrepares = scrapePrepareTimers();
    long created = s.path("createdAt").asLong();
    long decided = s.path("decidedAt").asLong();
    long first = s.path("firstSwitchAt").asLong();
    long last = s.path("lastSwitchAt").asLong();
    double[] latency = {clientNanos / 1e6, last - created};
    if (f == null) {
      return latency;
    }
    f.clientLatency.add(clientNanos / 1e6);
    f.recordLatency.add(last - created);
    f.preparePhase.add(decided - created);
    f.commitToSwitched.add(last - decided);
    f.skew.add(s.path("switchSkewMillis").asLong(last - first));
    for (double ms : agentPrepares) {
      f.agentPrepare.add(ms);
    }
    if (polled != null) {
      f.addPoll(polled);
    }
    return latency;
  }

  private JsonNode awaitAllSwitched(AdminClient reader, String id, long t0) throws Exception {
    long end = t0 + ROLLOUT_TIMEOUT.toNanos();
    while (System.nanoTime() < end) {
      JsonNode s = reader.rollout(id);
      String state = s.path("state").asText();
      if (state.equals("ABORTED")) {
        throw new IllegalStateException("rollout " + id + " aborted: " + s.path("reason").asText());
      }
      if (state.equals("COMMITTED") && s.path("switched").asInt() >= s.path("participants").size()) {
        return s;
      }
      Thread.sleep(o.waitPollMillis());
    }
    throw new IllegalStateException("rollout " + id + " did not finish within " + ROLLOUT_TIMEOUT.toMinutes() + " min");
  }

  /**
   * The median, over consecutive blocks of four measured rollouts (0, R, R, 0 or any order), of
   * mean(client latency with polling) / mean(without) within the block: neighbours share the
   * machine's conditions, so slow drift and load from other work cancel out. NaN without a full block.
   */
  static double pairedSlowdown(List<double[]> sequence) {
    Samples ratios = new Samples();
    for (int b = 0; b + 4 <= sequence.size(); b += 4) {
      double base = 0;
      double load = 0;
      int nb = 0;
      int nl = 0;
      for (double[] r : sequence.subList(b, b + 4)) {
        if (r[0] == 0) {
          base += r[1];
          nb++;
        } else {
          load += r[1];
          nl++;
        }
      }
      if (nb > 0 && nl > 0) {
        ratios.add((load / nl) / (base / nb));
      }
    }
    return ratios.size() == 0 ? Double.NaN : ratios.p(50);
  }

  /**
   * Reads every agent's {@code wpsync_agent_prepare_duration_seconds} timer (outcome prepared) and
   * returns, per agent that prepared once since the last call, that prepare's duration in ms.
   */
  private List<Double> scrapePrepareTimers() throws IOException, InterruptedException {
    List<Double> out = new ArrayList<>();
    for (var e : cluster.agentUrls().entrySet()) {
      double[] now = prepareTimer(cluster.get(e.getValue() + "/metrics"));
      double[] before = prepareTimers.put(e.getKey(), now);
      if (before != null && now[0] - before[0] == 1) {
        out.add((now[1] - before[1]) * 1000);
      }
    }
    return out;
  }

  /** {count, sum seconds} of the prepared-outcome prepare timer in a Prometheus exposition. */
  static double[] prepareTimer(String exposition) {
    double count = 0;
    double sum = 0;
    for (String line : exposition.split("\n")) {
      if (!line.contains("outcome=\"prepared\"")) {
        continue;
      }
      String value = line.substring(line.lastIndexOf(' ') + 1);
      if (line.startsWith("wpsync_agent_prepare_duration_seconds_count{")) {
        count = Double.parseDouble(value);
      } else if (line.startsWith("wpsync_agent_prepare_duration_seconds_sum{")) {
        sum = Double.parseDouble(value);
      }
    }
    return new double[] {count, sum};
  }

  private void report(TreeGenerator.Summary tree, Map<Integer, ModeFigures> figures) {
    out.printf(Locale.ROOT, "%nRollout benchmark: %d agent processes + 1 coordinator (embedded ZooKeeper) on %d cores; "
            + "tree %d files, %.1f MiB; each release changes one file; %d measured rollouts per mode after %d warm-up%s%n",
        o.agents(), Runtime.getRuntime().availableProcessors(), tree.files(), tree.bytes() / 1048576.0, o.rollouts(),
        o.warmup(), o.compare() ? " (modes interleaved 0,R,R,0,...)" : "");
    out.printf(Locale.ROOT, "The client checks for 'all switched' every %d ms (GET /api/v1/rollouts/{id}), in every mode.%n",
        o.waitPollMillis());
    out.printf(Locale.ROOT, "Load average (1/5/15 min) before the measured rollouts: %s; after: %s%n", loadBefore, loadAfter);
    for (ModeFigures f : figures.values()) {
      f.print(out, f.pollRps == 0 ? "== without status polling" : "== with status polling at " + f.pollRps + " req/s");
    }
    out.println();
    if (o.compare()) {
      ModeFigures base = figures.get(0);
      ModeFigures load = figures.get(o.pollRps());
      double p50 = load.clientLatency.p(50) / base.clientLatency.p(50);
      double mean = load.clientLatency.mean() / base.clientLatency.mean();
      double rec = load.recordLatency.p(50) / base.recordLatency.p(50);
      double paired = pairedSlowdown(sequence);
      out.printf(Locale.ROOT, "Slowdown with %d req/s of status polling (achieved %.1f): client p50 x%.3f, client mean x%.3f, "
          + "records p50 x%.3f, paired (median over 0,R,R,0 blocks of the client latency) x%.3f (goal <= x%.2f on p50: %s)%n",
          o.pollRps(), load.achievedRps(), p50, mean, rec, paired, SLOWDOWN_GOAL, p50 <= SLOWDOWN_GOAL ? "met" : "MISSED");
      out.printf(Locale.ROOT, "rollout_polling poll_rps=%d achieved_rps=%.1f poll_errors=%d slowdown_p50=%.3f slowdown_mean=%.3f "
              + "slowdown_records_p50=%.3f slowdown_paired=%.3f goal=%.2f verdict=%s%n", o.pollRps(), load.achievedRps(),
          load.pollErrors, p50, mean, rec, paired, SLOWDOWN_GOAL, p50 <= SLOWDOWN_GOAL ? "met" : "missed");
      out.println(load.line(o.agents()));
      out.println(base.line(o.agents()));
    } else {
      out.println(figures.values().iterator().next().line(o.agents()));
    }
    out.flush();
  }
}
