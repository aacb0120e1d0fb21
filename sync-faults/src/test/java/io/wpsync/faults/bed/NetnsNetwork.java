package io.wpsync.faults.bed;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private network of hosts on one machine: a bridge in a namespace of its own ({@code
 * wpf-<pid>-br}) and one namespace per host ({@code wpf-<pid>-<n>}) joined to it by a veth pair,
 * addressed from {@code 10.77.0.0/24}. Nothing is created in, or routed to, the root namespace:
 * the test JVM reaches the hosts through an observer host and a Unix socket ({@link Tunnels}).
 *
 * <p>Link faults live in the switch, i.e. in an nftables {@code bridge} table in the bridge's
 * namespace, so they behave like a cut or a bad cable: packets vanish silently and TCP times out.
 * (A drop rule in a host's own OUTPUT chain would instead fail {@code connect()} at once with
 * EPERM, which no real network does.) Per host: {@link #cut} drops every packet to or from it,
 * {@link #lossy} drops a share of the packets it sends ({@code numgen random mod 100 < N}; this
 * kernel has no netem), {@link #shape} caps its link both ways with {@code tbf} on both veth ends.
 * ARP and the observer's traffic always pass, so a partitioned host can still be probed, as the
 * kubelet probes a pod on its own node. {@link #cutBetween} cuts one pair of hosts only.
 *
 * <p>{@link #close} kills every process left in the namespaces and deletes them; {@link
 * #removeStale} deletes namespaces of earlier runs whose JVM is gone.
 */
public final class NetnsNetwork implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NetnsNetwork.class);
  static final String PREFIX = "wpf-";
  private static final Pattern RUN_NS = Pattern.compile("wpf-(\\d+)-\\S+");
  private static final String SUBNET = "10.77.0.";
  private static final int FIRST_HOST = 10;

  private final String runId;
  private final String bridgeNs;
  private final Map<String, Host> hosts = new LinkedHashMap<>();
  private final TreeSet<String> cut = new TreeSet<>();
  private final TreeSet<String> cutPairs = new TreeSet<>();
  private final Map<String, Integer> loss = new LinkedHashMap<>();
  private Host observer;
  private boolean closed;

  private NetnsNetwork(String runId) {
    this.runId = runId;
    this.bridgeNs = runId + "-br";
  }

  /** {@code wpf-<pid of this JVM>}: every name of this run starts with it. */
  public static String runIdOfThisJvm() {
    return PREFIX + ProcessHandle.current().pid();
  }

  /**
   * Why this machine cannot run the suite (not root, a tool missing, {@code ip netns add} refused),
   * or empty if it can. Creates and deletes one namespace to find out.
   */
  public static Optional<String> unavailableReason() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return Optional.of("needs root (ip netns, tc, nft, mount); running as " + System.getProperty("user.name"));
    }
    for (String tool : List.of("ip", "tc", "nft", "mount", "umount")) {
      try {
        Cmd.Result r = Cmd.attempt("sh", "-c", "command -v " + tool);
        if (!r.ok()) {
          return Optional.of("'" + tool + "' is not installed (apt-get install iproute2 nftables util-linux)");
        }
      } catch (IOException e) {
        return Optional.of("cannot run sh: " + e.getMessage());
      }
    }
    String probe = runIdOfThisJvm() + "-probe";
    try {
      Cmd.Result add = Cmd.attempt("ip", "netns", "add", probe);
      if (!add.ok()) {
        return Optional.of("'ip netns add' failed (no CAP_NET_ADMIN / CAP_SYS_ADMIN?): " + add.output().strip());
      }
      Cmd.Result nft = Cmd.exec("table bridge wpfprobe {}\n", java.time.Duration.ofSeconds(10),
          "ip", "netns", "exec", probe, "nft", "-f", "-");
      if (!nft.ok()) {
        return Optional.of("nftables bridge tables unavailable: " + nft.output().strip());
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("cannot probe network namespaces: " + e.getMessage());
    } finally {
      try {
        Cmd.attempt("ip", "netns", "del", probe);
      } catch (IOException ignored) {
        // nothing was created
      }
    }
  }

  /**
   * Deletes the namespaces of earlier runs ({@code wpf-<pid>-*}) whose JVM no longer runs, killing
   * what still runs in them. Namespaces of a live run are left alone.
   *
   * @return how many namespaces were removed
   */
  public static int removeStale() throws IOException {
    int removed = 0;
    for (String line : Cmd.run("ip", "netns", "list").split("\n")) {
      String name = line.strip().split("\\s+")[0];
      Matcher m = RUN_NS.matcher(name);
      if (!m.matches() || ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false)) {
        continue;
      }
      killAll(name);
      if (Cmd.attempt("ip", "netns", "del", name).ok()) {
        removed++;
      }
    }
    if (removed > 0) {
      LOG.info("removed {} stale namespaces of earlier runs", removed);
    }
    return removed;
  }

  /** Creates the bridge and the observer host (the test JVM's way in). */
  public static NetnsNetwork create() throws IOException {
    NetnsNetwork n = new NetnsNetwork(runIdOfThisJvm());
    try {
      Cmd.run("ip", "netns", "add", n.bridgeNs);
      n.inBridge("ip", "link", "add", "br0", "type", "bridge");
      n.inBridge("ip", "link", "set", "br0", "up");
      n.inBridge("ip", "link", "set", "lo", "up");
      n.observer = n.addHost("observer");
      n.applyFilter();
    } catch (IOException | RuntimeException e) {
      n.close();
      throw e;
    }
    return n;
  }

  public String runId() {
    return runId;
  }

  public Host observer() {
    return observer;
  }

  public Host host(String name) {
    Host h = hosts.get(name);
    if (h == null) {
      throw new IllegalArgumentException("no host " + name + "; hosts: " + hosts.keySet());
    }
    return h;
  }

  public List<Host> hosts() {
    return List.copyOf(hosts.values());
  }

  /** Adds a host: a namespace with {@code eth0} on the bridge and the next free address. */
  public synchronized Host addHost(String name) throws IOException {
    if (hosts.containsKey(name)) {
      throw new IllegalArgumentException("host " + name + " exists");
    }
    int n = hosts.size();
    if (FIRST_HOST + n > 250) {
      throw new IllegalStateException("too many hosts");
    }
    Host h = new Host(name, runId + "-" + n, SUBNET + (FIRST_HOST + n), "v" + n);
    Cmd.run("ip", "netns", "add", h.ns());
    hosts.put(name, h);
    inBridge("ip", "link", "add", h.bridgePort(), "type", "veth", "peer", "name", "eth0", "netns", h.ns());
    inBridge("ip", "link", "set", h.bridgePort(), "master", "br0");
    inBridge("ip", "link", "set", h.bridgePort(), "up");
    Cmd.run("ip", "-n", h.ns(), "link", "set", "lo", "up");
    Cmd.run("ip", "-n", h.ns(), "addr", "add", h.ip() + "/24", "dev", "eth0");
    Cmd.run("ip", "-n", h.ns(), "link", "set", "eth0", "up");
    return h;
  }

  /**
   * Caps {@code h}'s link at {@code mbit} Mbit/s in each direction: {@code tbf} on its own {@code
   * eth0} (what it sends) and on its bridge port (what it receives).
   */
  public void shape(Host h, int mbit) throws IOException {
    if (mbit < 1 || mbit > 10_000) {
      throw new IllegalArgumentException("rate must be 1..10000 Mbit/s: " + mbit);
    }
    long burst = Math.max(131_072, (long) mbit * 1_000_000 / 8 / 100); // >= 10 ms of traffic, >= 2 GSO segments
    String[] tbf = {"root", "tbf", "rate", mbit + "mbit", "burst", Long.toString(burst), "latency", "200ms"};
    Cmd.run(concat(new String[] {"ip", "netns", "exec", h.ns(), "tc", "qdisc", "replace", "dev", "eth0"}, tbf));
    Cmd.run(concat(new String[] {"ip", "netns", "exec", bridgeNs, "tc", "qdisc", "replace", "dev", h.bridgePort()}, tbf));
  }

  /** Removes {@code h}'s rate cap. */
  public void unshape(Host h) throws IOException {
    Cmd.attempt("ip", "netns", "exec", h.ns(), "tc", "qdisc", "del", "dev", "eth0", "root");
    Cmd.attempt("ip", "netns", "exec", bridgeNs, "tc", "qdisc", "del", "dev", h.bridgePort(), "root");
  }

  /** Cuts {@code h} off: every packet to or from it is dropped in the switch (the observer excepted). */
  public synchronized void cut(Host h) throws IOException {
    cut.add(h.bridgePort());
    applyFilter();
  }

  /** Cuts the link between {@code a} and {@code b} only: each still reaches every other host. */
  public synchronized void cutBetween(Host a, Host b) throws IOException {
    cutPairs.add(a.bridgePort() + " " + b.bridgePort());
    applyFilter();
  }

  /** Drops {@code percent}% of the packets {@code h} sends (0 removes the loss). */
  public synchronized void lossy(Host h, int percent) throws IOException {
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("loss must be 0..100 %: " + percent);
    }
    if (percent == 0) {
      loss.remove(h.bridgePort());
    } else {
      loss.put(h.bridgePort(), percent);
    }
    applyFilter();
  }

  /** Restores {@code h}'s link: no cut, no loss (rate caps stay; see {@link #unshape}). */
  public synchronized void heal(Host h) throws IOException {
    cut.remove(h.bridgePort());
    loss.remove(h.bridgePort());
    cutPairs.removeIf(p -> java.util.Arrays.asList(p.split(" ")).contains(h.bridgePort()));
    applyFilter();
  }

  /** Removes every link fault and rate cap. */
  public synchronized void healAll() throws IOException {
    cut.clear();
    cutPairs.clear();
    loss.clear();
    applyFilter();
    for (Host h : hosts.values()) {
      unshape(h);
    }
  }

  /** The switch's rules: rebuilt from the fault set and replaced in one atomic nft transaction. */
  private void applyFilter() throws IOException {
    StringBuilder rules = new StringBuilder();
    rules.append("add table bridge wpfault\ndelete table bridge wpfault\n");
    rules.append("table bridge wpfault {\n  chain forward_filter {\n");
    rules.append("    type filter hook forward priority 0; policy accept;\n");
    rules.append("    ether type arp accept\n");
    if (observer != null) {
      rules.append("    ip saddr ").append(observer.ip()).append(" accept\n");
      rules.append("    ip daddr ").append(observer.ip()).append(" accept\n");
    }
    for (String port : cut) {
      rules.append("    iifname \"").append(port).append("\" drop\n");
      rules.append("    oifname \"").append(port).append("\" drop\n");
    }
    for (String pair : cutPairs) {
      String[] p = pair.split(" ");
      rules.append("    iifname \"").append(p[0]).append("\" oifname \"").append(p[1]).append("\" drop\n");
      rules.append("    iifname \"").append(p[1]).append("\" oifname \"").append(p[0]).append("\" drop\n");
    }
    for (Map.Entry<String, Integer> e : loss.entrySet()) {
      rules.append("    iifname \"").append(e.getKey()).append("\" numgen random mod 100 < ")
          .append(e.getValue()).append(" drop\n");
    }
    rules.append("  }\n}\n");
    Cmd.runWithInput(rules.toString(), "ip", "netns", "exec", bridgeNs, "nft", "-f", "-");
  }

  private void inBridge(String... args) throws IOException {
    Cmd.run(concat(new String[] {"ip", "netns", "exec", bridgeNs}, args));
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** SIGKILLs every process in namespace {@code ns} (bounded: a few rounds). */
  private static void killAll(String ns) throws IOException {
    for (int round = 0; round < 5; round++) {
      Cmd.Result r = Cmd.attempt("ip", "netns", "pids", ns);
      List<String> pids = new ArrayList<>();
      for (String p : r.output().split("\\s+")) {
        if (p.matches("\\d+")) {
          pids.add(p);
        }
      }
      if (!r.ok() || pids.isEmpty()) {
        return;
      }
      for (String p : pids) {
        ProcessHandle.of(Long.parseLong(p)).ifPresent(ProcessHandle::destroyForcibly);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Kills whatever still runs in the hosts and deletes every namespace of this network. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<String> all = new ArrayList<>();
    hosts.values().forEach(h -> all.add(h.ns()));
    all.add(bridgeNs);
    for (String ns : all) {
      try {
        killAll(ns);
        Cmd.attempt("ip", "netns", "del", ns);
      } catch (IOException e) {
        LOG.warn("cannot delete namespace {}: {}", ns, e.getMessage());
      }
    }
  }
}
