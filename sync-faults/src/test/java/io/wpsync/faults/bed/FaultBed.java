package io.wpsync.faults.bed;

import com.fasterxml.jackson.databind.JsonNode;
import io.wpsync.core.cluster.RolloutInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole wpsync cluster as real processes on a private network: a 3-server ZooKeeper ensemble,
 * two coordinators and N agents, each on its own host ({@link NetnsNetwork}), started from the
 * wpsync jar with lean JVM flags. Tests inject faults through {@link #network()}, the daemons'
 * processes and {@link #mountTmpfs}; {@link #restore()} undoes every fault and brings the cluster
 * back to "everyone up, on the committed release, ready" before the next test; {@link #close()}
 * (also run by a JVM shutdown hook, and by a {@link Reaper} process if the JVM is SIGKILLed) kills
 * every process, unmounts and deletes every namespace.
 *
 * <pre>
 *   observer 10.77.0.10   relay for the test JVM (never faulted)
 *   zk-1..3  10.77.0.11-13  coord-1..2  .14-15  agent-1..N  .16-
 * </pre>
 */
public final class FaultBed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FaultBed.class);
  /** Session timeout of every daemon: failover and agent-death detection happen within it. */
  public static final Duration SESSION = Duration.ofSeconds(4);
  /** Agents' behind grace G (and strict ZooKeeper-loss grace). */
  public static final Duration GRACE = Duration.ofSeconds(3);
  /** Default prepare deadline of rollouts started by the tests. */
  public static final int DEADLINE_SECONDS = 90;
  /** The coordinators' {@code --max-upload}, in MiB. */
  public static final int MAX_UPLOAD_MIB = 24;
  private static final Duration START = Duration.ofSeconds(120);
  private static final Pattern TMPFS_SOURCE = Pattern.compile("wpf-(\\d+)-tmpfs");

  private final Path dir;
  private final Path jar;
  private final String token;
  private final NetnsNetwork network;
  private final Tunnels tunnels;
  private final ZkEnsemble zk;
  private final List<Daemon> coordinators = new ArrayList<>();
  private final List<Daemon> agents = new ArrayList<>();
  private final ClusterView view;
  private final AdminApi admin;
  private final CurrentSampler sampler;
  private final Recovery recovery;
  private final Set<String> everCommitted = new LinkedHashSet<>();
  private final List<Path> mounts = new ArrayList<>();
  private final List<AutoCloseable> extras = new ArrayList<>();
  private final AtomicInteger versions = new AtomicInteger();
  private final Thread hook = new Thread(this::close, "fault-bed-cleanup");
  private volatile boolean closed;

  private FaultBed(Path dir, Path jar, String token, NetnsNetwork network, Tunnels tunnels, ZkEnsemble zk,
      ClusterView view) {
    this.dir = dir;
    this.jar = jar;
    this.token = token;
    this.network = network;
    this.tunnels = tunnels;
    this.zk = zk;
    this.view = view;
    this.admin = new AdminApi(() -> List.copyOf(coordinators), token);
    this.sampler = new CurrentSampler(this::samplerTargets);
    this.recovery = new Recovery(dir.getParent().resolve("recovery.tsv"), network.runId());
  }

  /**
   * Builds the bed under {@code out/<run id>}: removes leftovers of dead runs, starts every
   * process, rolls out a first release and waits until every agent serves it.
   */
  public static FaultBed start(Path out, Path builtJar, int agentCount) throws Exception {
    if (!Files.isRegularFile(builtJar)) {
      throw new IllegalStateException("the wpsync jar is missing at " + builtJar
          + ": build it first (mvn -pl sync-cli -am package -DskipTests)");
    }
    removeStaleMounts();
    NetnsNetwork.removeStale();
    String runId = NetnsNetwork.runIdOfThisJvm();
    Files.createDirectories(out);
    try (var old = Files.list(out)) {
      for (Path p : old.filter(FaultBed::isDeadRun).toList()) {
        deleteTree(p);
      }
    }
    Path dir = out.resolve(runId);
    Files.createDirectories(dir.resolve("logs"));
    Path jar = Files.copy(builtJar, dir.resolve("wpsync.jar"), StandardCopyOption.REPLACE_EXISTING);
    SecureRandom random = new SecureRandom();
    byte[] secret = new byte[48];
    random.nextBytes(secret);
    Path secretFile = Files.writeString(dir.resolve("cluster-secret"), Base64.getEncoder().encodeToString(secret) + "\n");
    byte[] t = new byte[24];
    random.nextBytes(t);
    String token = HexFormat.of().formatHex(t);
    Path tokenFile = Files.writeString(dir.resolve("api-tokens"), "admin " + token + "\n");
    Path uploads = Files.createDirectories(dir.resolve("shared/uploads"));

    NetnsNetwork network = NetnsNetwork.create();
    Reaper.start(runId, dir);
    FaultBed bed = null;
    Tunnels tunnels = null;
    ZkEnsemble zk = null;
    try {
      List<Host> zkHosts = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        zkHosts.add(network.addHost("zk-" + i));
      }
      tunnels = Tunnels.start(network.observer(), dir);
      zk = new ZkEnsemble(jar, dir, zkHosts, tunnels);
      zk.startAll();
      ClusterView view = new ClusterView(zk.localConnectString());
      bed = new FaultBed(dir, jar, token, network, tunnels, zk, view);
      Runtime.getRuntime().addShutdownHook(bed.hook);
      for (int i = 1; i <= 2; i++) {
        String id = "coord-" + i;
        Host h = network.addHost(id);
        Path home = dir.resolve(id);
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("--id", id);
        flags.put("--data", home.resolve("data").toString());
        flags.put("--http", h.ip() + ":" + Daemon.Kind.COORDINATOR.httpPort);
        flags.put("--p2p", h.ip() + ":" + Daemon.Kind.COORDINATOR.p2pPort);
        flags.put("--zk", zk.connectString());
        flags.put("--token-file", tokenFile.toString());
        flags.put("--secret-file", secretFile.toString());
        flags.put("--session-timeout", SESSION.toSeconds() + "s");
        flags.put("--rollout-deadline", DEADLINE_SECONDS + "s");
        flags.put("--copy-wait", "30s");
        flags.put("--max-upload", MAX_UPLOAD_MIB + "m");
        bed.coordinators.add(new Daemon(id, Daemon.Kind.COORDINATOR, h, home, jar, dir.resolve("logs"), tunnels, flags));
      }
      for (int i = 1; i <= agentCount; i++) {
        String id = "agent-" + i;
        Host h = network.addHost(id);
        Path home = dir.resolve(id);
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("--id", id);
        flags.put("--data", home.resolve("data").toString());
        flags.put("--root", home.resolve("root").toString());
        flags.put("--http", h.ip() + ":" + Daemon.Kind.AGENT.httpPort);
        flags.put("--p2p", h.ip() + ":" + Daemon.Kind.AGENT.p2pPort);
        flags.put("--zk", zk.connectString());
        flags.put("--secret-file", secretFile.toString());
        flags.put("--token-file", tokenFile.toString());
        flags.put("--session-timeout", SESSION.toSeconds() + "s");
        flags.put("--behind-grace", GRACE.toSeconds() + "s");
        flags.put("--zk-loss-policy", "serve");
        flags.put("--link", "uploads=" + uploads);
        bed.agents.add(new Daemon(id, Daemon.Kind.AGENT, h, home, jar, dir.resolve("logs"), tunnels, flags));
      }
      zk.awaitQuorum(START);
      for (Daemon d : bed.all()) {
        d.start();
      }
      for (Daemon d : bed.all()) {
        d.awaitHealthy(START);
      }
      String first = bed.publish(0, 0);
      bed.rolloutAndAwait(first);
      bed.awaitConverged(Duration.ofSeconds(60));
      return bed;
    } catch (Exception | Error e) {
      if (bed != null) {
        bed.close();
      } else {
        if (zk != null) {
          zk.close();
        }
        if (tunnels != null) {
          tunnels.close();
        }
        network.close();
      }
      throw e;
    }
  }

  // ------------------------------------------------------------------ parts

  public Path dir() {
    return dir;
  }

  public NetnsNetwork network() {
    return network;
  }

  public Tunnels tunnels() {
    return tunnels;
  }

  public ZkEnsemble zk() {
    return zk;
  }

  public ClusterView view() {
    return view;
  }

  public AdminApi admin() {
    return admin;
  }

  public Recovery recovery() {
    return recovery;
  }

  public CurrentSampler sampler() {
    return sampler;
  }

  public Path jar() {
    return jar;
  }

  public Path secretFile() {
    return dir.resolve("cluster-secret");
  }

  public String token() {
    return token;
  }

  public List<Daemon> coordinators() {
    return List.copyOf(coordinators);
  }

  public List<Daemon> agents() {
    return List.copyOf(agents);
  }

  public Daemon agent(int oneBased) {
    return agents.get(oneBased - 1);
  }

  public Daemon coordinator(int oneBased) {
    return coordinators.get(oneBased - 1);
  }

  public List<Daemon> all() {
    List<Daemon> all = new ArrayList<>(coordinators);
    all.addAll(agents);
    return all;
  }

  /** Something the next {@link #restore()} closes (a bad peer, a helper process). */
  public synchronized <T extends AutoCloseable> T closeOnRestore(T c) {
    extras.add(c);
    return c;
  }

  private List<CurrentSampler.Target> samplerTargets() {
    List<CurrentSampler.Target> out = new ArrayList<>();
    for (Daemon a : agents) {
      out.add(new CurrentSampler.Target(a.id(), a.rootDir()));
    }
    return out;
  }

  /** The coordinator that leads now (it bumped {@code /epoch} last and runs). */
  public Daemon leader() throws Exception {
    String id = view.epoch().orElseThrow(() -> new IllegalStateException("no leader epoch")).leaderId();
    return coordinators.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
  }

  /** Waits until a running coordinator leads (per {@code /api/v1/status}) and returns it. */
  public Daemon awaitLeader(Duration timeout) throws Exception {
    Daemon[] found = new Daemon[1];
    Await.until("a running leader coordinator", timeout, Duration.ofMillis(100), () -> {
      for (Daemon c : coordinators) {
        if (c.isAlive()) {
          RawHttp.Response r = RawHttp.get(c.http(), "/api/v1/status", token, Duration.ofSeconds(3));
          if (r.status() == 200 && new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body())
              .path("leader").asBoolean()) {
            found[0] = c;
            return true;
          }
        }
      }
      return false;
    }, () -> "epoch " + view.epoch().orElse(null));
    return found[0];
  }

  // ------------------------------------------------------------------ releases and rollouts

  /**
   * Publishes a new release through the REST API: the theme plus {@code files} files of {@code
   * fileBytes} new random bytes each. Returns its id.
   */
  public String publish(int files, int fileBytes) throws IOException {
    return publish(files, fileBytes, 0);
  }

  /** As {@link #publish(int, int)}, plus one file of {@code largeBytes} (several pieces when > 4 MiB). */
  public String publish(int files, int fileBytes, int largeBytes) throws IOException {
    String version = "1." + versions.getAndIncrement();
    Path tar = ReleaseTrees.tar(dir.resolve("bundles/" + version + ".tar"), version, files, fileBytes, largeBytes);
    String id = admin.createRelease(tar, "faults " + version);
    Files.deleteIfExists(tar);
    LOG.info("published {} ({} files of {} bytes)", id, files, fileBytes);
    return id;
  }

  public String startRollout(String releaseId) throws IOException {
    return admin.startRollout(releaseId, DEADLINE_SECONDS);
  }

  /** A host for something besides the cluster (a bad peer), created on first use and kept. */
  public synchronized Host extraHost(String name) throws IOException {
    return network.hosts().stream().anyMatch(h -> h.name().equals(name)) ? network.host(name) : network.addHost(name);
  }

  /** Restarts {@code d} (SIGTERM, then start) with {@code overrides}, and waits until it is healthy. */
  public void restartWith(Daemon d, Map<String, String> overrides) throws Exception {
    d.stop();
    d.start(overrides);
    d.awaitHealthy(START);
  }

  /** Waits (bounded) until the rollout is decided and returns its record. */
  public RolloutInfo awaitDecided(String rolloutId, Duration timeout) throws Exception {
    RolloutInfo[] r = new RolloutInfo[1];
    Await.until("rollout " + rolloutId + " decided", timeout, Duration.ofMillis(100), () -> {
      r[0] = view.rollout(rolloutId).orElse(null);
      return r[0] != null && r[0].state().isFinal();
    }, () -> String.valueOf(view.rollout(rolloutId).orElse(null)) + " reports " + view.reports(rolloutId));
    noteCommitted();
    return r[0];
  }

  /** Starts a rollout of {@code releaseId}, waits until it is decided and every agent converged. */
  public RolloutInfo rolloutAndAwait(String releaseId) throws Exception {
    String id = startRollout(releaseId);
    RolloutInfo r = awaitDecided(id, Duration.ofSeconds(DEADLINE_SECONDS + 30));
    if (r.state() != io.wpsync.core.cluster.RolloutState.COMMITTED) {
      throw new AssertionError("rollout " + id + " of " + releaseId + " was " + r.state() + ": " + r.reason());
    }
    awaitConverged(Duration.ofSeconds(60));
    return r;
  }

  /** Remembers every release a COMMITTED rollout record names (the history the invariants keep). */
  public synchronized Set<String> noteCommitted() throws Exception {
    for (RolloutInfo r : view.rollouts().values()) {
      if (r.state() == io.wpsync.core.cluster.RolloutState.COMMITTED) {
        everCommitted.add(r.target());
      }
    }
    view.committed().ifPresent(c -> everCommitted.add(c.releaseId()));
    return Set.copyOf(everCommitted);
  }

  public synchronized Set<String> everCommitted() {
    return Set.copyOf(everCommitted);
  }

  /** Whether {@code agent} serves {@code releaseId}, is ready and connected (per its /status). */
  public boolean onRelease(Daemon agent, String releaseId) {
    try {
      JsonNode s = agent.status();
      return releaseId.equals(s.path("current").asText(null)) && s.path("ready").asBoolean()
          && s.path("zkConnected").asBoolean();
    } catch (IOException e) {
      return false;
    }
  }

  /** Waits until every agent serves the committed release and is ready; returns the time it took. */
  public long awaitConverged(Duration timeout) throws Exception {
    return Await.until("every agent on the committed release and ready", timeout, Duration.ofMillis(100), () -> {
      String committed = view.committedId();
      if (committed == null) {
        return false;
      }
      for (Daemon a : agents) {
        if (!onRelease(a, committed)) {
          return false;
        }
      }
      return true;
    }, this::describeAgents);
  }

  /** One line per agent: current, committed, state, readiness, last error. */
  public String describeAgents() {
    StringBuilder sb = new StringBuilder();
    for (Daemon a : agents) {
      sb.append("\n  ").append(a.id()).append(": ");
      try {
        JsonNode s = a.status();
        sb.append("current=").append(s.path("current").asText()).append(" committed=")
            .append(s.path("committed").asText()).append(" state=").append(s.path("state").asText())
            .append(" ready=").append(s.path("ready").asBoolean()).append(" (").append(s.path("readyReason").asText())
            .append(") zk=").append(s.path("zkConnected").asBoolean());
        if (!s.path("lastError").isMissingNode() && !s.path("lastError").isNull()) {
          sb.append(" lastError=").append(s.path("lastError").asText());
        }
      } catch (IOException e) {
        sb.append(a.isAlive() ? "not answering: " + e.getMessage() : "not running");
      }
    }
    return sb.toString();
  }

  // ------------------------------------------------------------------ faults that need cleaning up

  /**
   * Mounts a tmpfs of {@code bytes} at {@code at} (created if needed), in the root mount namespace
   * under the run directory: processes started afterwards see it (ip netns exec copies the mount
   * table). {@link #restore()} and {@link #close()} unmount it.
   */
  public synchronized Path mountTmpfs(Path at, long bytes) throws IOException {
    if (!at.startsWith(dir)) {
      throw new IllegalArgumentException("mount points must be inside the run directory " + dir);
    }
    Files.createDirectories(at);
    Cmd.run("mount", "-t", "tmpfs", "-o", "size=" + Math.max(1, bytes / 1024) + "k,mode=0755",
        NetnsNetwork.runIdOfThisJvm() + "-tmpfs", at.toString());
    mounts.add(at);
    return at;
  }

  private synchronized void unmountAll() {
    for (int i = mounts.size() - 1; i >= 0; i--) {
      Path m = mounts.get(i);
      try {
        if (!Cmd.attempt("umount", m.toString()).ok()) {
          Cmd.attempt("umount", "-l", m.toString());
        }
      } catch (IOException e) {
        LOG.warn("cannot unmount {}: {}", m, e.getMessage());
      }
    }
    mounts.clear();
  }

  /** Unmounts tmpfs mounts left by runs whose JVM is gone (found by their source name). */
  static void removeStaleMounts() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
      String[] f = line.split(" ");
      Matcher m = TMPFS_SOURCE.matcher(f[0]);
      if (f.length > 1 && m.matches()
          && !ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false)) {
        Cmd.attempt("umount", "-l", f[1].replace("\\040", " "));
      }
    }
  }

  /**
   * Undoes every fault: closes bad peers, heals every link and removes rate caps, restarts dead
   * ZooKeeper servers, dead daemons and daemons running with non-default flags, aborts a rollout
   * left running, and waits until every agent serves the committed release and is ready.
   */
  public void restore() throws Exception {
    List<AutoCloseable> toClose;
    synchronized (this) {
      toClose = new ArrayList<>(extras);
      extras.clear();
    }
    for (AutoCloseable c : toClose) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing {}: {}", c, e.toString());
      }
    }
    network.healAll();
    for (int i = 0; i < zk.size(); i++) {
      zk.start(i);
    }
    for (Daemon d : all()) {
      if (d.isAlive() && d.hasOverrides()) {
        d.stop();
      }
    }
    unmountAll();
    List<Daemon> started = new ArrayList<>();
    for (Daemon d : all()) {
      if (!d.isAlive()) {
        d.start();
        started.add(d);
      }
    }
    zk.awaitQuorum(START);
    for (Daemon d : started) {
      d.awaitHealthy(START);
    }
    awaitLeader(Duration.ofSeconds(60));
    Optional<String> active = view.activeRollout();
    if (active.isPresent()) {
      LOG.info("restore: aborting rollout {} left running", active.get());
      admin.abort(active.get());
      awaitDecided(active.get(), Duration.ofSeconds(30));
    }
    awaitConverged(Duration.ofSeconds(90));
    noteCommitted();
  }

  /** The last lines of every daemon's log. */
  public String logTails(int lines) {
    StringBuilder sb = new StringBuilder();
    for (Daemon d : all()) {
      sb.append("\n---- ").append(d.id()).append(" (").append(d.isAlive() ? "running" : "stopped").append(")\n")
          .append(d.logTail(lines));
    }
    return sb.append('\n').append(zk.logTails()).toString();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: we are the hook
    }
    sampler.close();
    for (AutoCloseable c : extras) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
    for (Daemon d : all()) {
      d.kill();
    }
    zk.close();
    view.close();
    tunnels.close();
    unmountAll();
    network.close();
    LOG.info("fault bed {} removed; logs kept in {}", network.runId(), dir.resolve("logs"));
  }

  /** Whether {@code p} is the output directory of a run ({@code wpf-<pid>}) whose JVM is gone. */
  private static boolean isDeadRun(Path p) {
    Matcher m = Pattern.compile("wpf-(\\d+)").matcher(p.getFileName().toString());
    return m.matches() && !ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false);
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        q.toFile().setWritable(true);
        Files.deleteIfExists(q);
      }
    }
  }
}
