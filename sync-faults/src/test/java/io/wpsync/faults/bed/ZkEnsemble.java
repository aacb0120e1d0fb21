package io.wpsync.faults.bed;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A real ZooKeeper ensemble: one {@code QuorumPeerMain} (the server classes shipped in the wpsync
 * jar) per host, each with its own {@code zoo.cfg}, {@code myid} and data directory. {@link
 * #kill(int)} is a SIGKILL; {@link #start(int)} restarts a server on its data. A short tick (500 ms)
 * keeps elections and session expiry quick enough for tests.
 */
public final class ZkEnsemble implements AutoCloseable {
  public static final int CLIENT_PORT = 2181;
  private static final int TICK_MS = 500;

  private final Path jar;
  private final Path dir;
  private final List<Host> hosts;
  private final Tunnels tunnels;
  private final NsProcess[] servers;

  public ZkEnsemble(Path jar, Path dir, List<Host> hosts, Tunnels tunnels) throws IOException {
    this.jar = jar;
    this.dir = dir;
    this.hosts = List.copyOf(hosts);
    this.tunnels = tunnels;
    this.servers = new NsProcess[hosts.size()];
    for (int i = 0; i < hosts.size(); i++) {
      writeConfig(i);
    }
  }

  private Path serverDir(int i) {
    return dir.resolve("zk-" + (i + 1));
  }

  private void writeConfig(int i) throws IOException {
    Path d = serverDir(i);
    Files.createDirectories(d.resolve("data"));
    Files.writeString(d.resolve("data/myid"), (i + 1) + "\n");
    StringBuilder cfg = new StringBuilder();
    cfg.append("tickTime=").append(TICK_MS).append('\n')
        .append("initLimit=20\nsyncLimit=4\n")
        .append("dataDir=").append(d.resolve("data")).append('\n')
        .append("clientPort=").append(CLIENT_PORT).append('\n')
        .append("clientPortAddress=").append(hosts.get(i).ip()).append('\n')
        .append("maxClientCnxns=200\n")
        .append("admin.enableServer=false\n")
        .append("4lw.commands.whitelist=srvr,ruok\n")
        .append("autopurge.purgeInterval=0\n");
    for (int j = 0; j < hosts.size(); j++) {
      cfg.append("server.").append(j + 1).append('=').append(hosts.get(j).ip()).append(":2888:3888\n");
    }
    Files.writeString(d.resolve("zoo.cfg"), cfg.toString());
  }

  /** The connect string the daemons use (addresses inside the test network). */
  public String connectString() {
    return hosts.stream().map(h -> h.ip() + ":" + CLIENT_PORT).collect(Collectors.joining(","));
  }

  /** The same ensemble as the test JVM reaches it (through the tunnels). */
  public String localConnectString() throws IOException {
    List<String> out = new ArrayList<>();
    for (Host h : hosts) {
      out.add(tunnels.localHostPort(h.ip(), CLIENT_PORT));
    }
    return String.join(",", out);
  }

  public int size() {
    return hosts.size();
  }

  public Host host(int i) {
    return hosts.get(i);
  }

  /** Starts server {@code i} (0-based) unless it runs. */
  public synchronized void start(int i) throws IOException {
    if (servers[i] != null && servers[i].isAlive()) {
      return;
    }
    Path d = serverDir(i);
    servers[i] = NsProcess.start("zk-" + (i + 1), hosts.get(i), NsProcess.java(
        List.of("-Dzookeeper.admin.enableServer=false", "-Dzookeeper.jmx.log4j.disable=true"),
        List.of("-cp", jar.toString(), "org.apache.zookeeper.server.quorum.QuorumPeerMain",
            d.resolve("zoo.cfg").toString())), dir.resolve("logs/zk-" + (i + 1) + ".log"), Map.of());
  }

  public void startAll() throws IOException {
    for (int i = 0; i < hosts.size(); i++) {
      start(i);
    }
  }

  /** SIGKILL of server {@code i}. */
  public synchronized void kill(int i) {
    if (servers[i] != null) {
      servers[i].kill();
    }
  }

  public synchronized boolean isRunning(int i) {
    return servers[i] != null && servers[i].isAlive();
  }

  /** The server's role from the {@code srvr} four-letter command ("leader", "follower"), if it answers one. */
  public Optional<String> mode(int i) {
    try (Socket s = new Socket()) {
      InetSocketAddress a = tunnels.local(hosts.get(i).ip(), CLIENT_PORT);
      s.connect(a, 2_000);
      s.setSoTimeout(2_000);
      OutputStream out = s.getOutputStream();
      out.write("srvr".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String text = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
      for (String line : text.split("\n")) {
        if (line.startsWith("Mode: ")) {
          return Optional.of(line.substring(6).strip());
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Index of the quorum leader, if one answers as leader. */
  public Optional<Integer> leader() {
    for (int i = 0; i < hosts.size(); i++) {
      if (isRunning(i) && mode(i).filter("leader"::equals).isPresent()) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  /** Waits until every running server serves (leader or follower) and one is leader. */
  public void awaitQuorum(Duration timeout) throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < end) {
      StringBuilder state = new StringBuilder();
      boolean leader = false;
      boolean all = true;
      for (int i = 0; i < hosts.size(); i++) {
        if (!isRunning(i)) {
          continue;
        }
        Optional<String> m = mode(i);
        state.append("zk-").append(i + 1).append('=').append(m.orElse("?")).append(' ');
        leader |= m.filter("leader"::equals).isPresent();
        all &= m.isPresent();
      }
      last = state.toString();
      if (leader && all) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IOException("ZooKeeper ensemble has no quorum after " + timeout.toSeconds() + " s: " + last
        + "\n" + logTails());
  }

  /** The last lines of each server's log. */
  public String logTails() {
    StringBuilder sb = new StringBuilder();
    for (NsProcess p : servers) {
      if (p != null) {
        sb.append("--- ").append(p.name()).append('\n').append(p.tail(10)).append('\n');
      }
    }
    return sb.toString();
  }

  @Override
  public synchronized void close() {
    for (NsProcess p : servers) {
      if (p != null) {
        p.kill();
      }
    }
  }
}
