package io.wpsync.agent;

import io.wpsync.agent.capture.CaptureSettings;
import io.wpsync.agent.rollout.ZkLossPolicy;
import io.wpsync.core.zk.ZkPaths;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything an agent daemon needs, validated once: ids, directories, addresses and policies.
 * Built by {@link AgentCommand} from flags and environment, or directly by tests and the demo:
 *
 * <pre>{@code
 * AgentConfig c = AgentConfig.of("agent-1", dataDir, rootDir, zk.getConnectString())
 *     .withHttp(new HostPort("127.0.0.1", 0)).withP2p(new HostPort("127.0.0.1", 0))
 *     .withSecretFile(secret).withBehindGrace(Duration.ofSeconds(5));
 * }</pre>
 *
 * @param dataDir the agent's private state: object store ({@code store/}), temporary files
 * @param rootDir what WordPress pods mount: {@code current} and {@code releases/}
 * @param secretFile the cluster secret for peer authentication (null: none, for tests on loopback)
 * @param tokenFile bearer tokens of the agent API (null: token-protected routes refuse every call)
 * @param keep K: how many recent releases stay on disk for rollback
 * @param behindGrace G: how long the agent may be behind the committed release and stay ready
 * @param previousGrace how long the release switched away from stays on disk (requests in flight)
 * @param maxSources at most this many agents are download sources at once (coordinators come on top)
 * @param capture how local changes are captured in {@link AgentMode#LIVE} (ignored in read-only mode)
 */
public record AgentConfig(
    String id,
    String network,
    Path dataDir,
    Path rootDir,
    HostPort http,
    HostPort p2p,
    String zkConnect,
    Path secretFile,
    Path tokenFile,
    AgentMode mode,
    List<LinkSpec> links,
    String zone,
    int keep,
    Duration behindGrace,
    ZkLossPolicy zkLossPolicy,
    Duration sessionTimeout,
    Duration previousGrace,
    int maxSources,
    CaptureSettings capture) {

  public AgentConfig {
    ZkPaths.checkId("agent id", id);
    ZkPaths.checkId("network", network);
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(rootDir, "rootDir");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(p2p, "p2p");
    if (zkConnect == null || zkConnect.isBlank()) {
      throw new IllegalArgumentException("a ZooKeeper connect string is required (--zk HOST:PORT[,HOST:PORT...])");
    }
    Objects.requireNonNull(mode, "mode");
    links = List.copyOf(links);
    if (links.stream().map(LinkSpec::name).distinct().count() != links.size()) {
      throw new IllegalArgumentException("a --link name is given twice: " + links);
    }
    if (keep < 1) {
      throw new IllegalArgumentException("--keep must be at least 1, got " + keep);
    }
    requirePositive("--behind-grace", behindGrace, true);
    Objects.requireNonNull(zkLossPolicy, "zkLossPolicy");
    requirePositive("--session-timeout", sessionTimeout, false);
    requirePositive("previous-release grace", previousGrace, true);
    if (maxSources < 1) {
      throw new IllegalArgumentException("maxSources must be at least 1, got " + maxSources);
    }
    Objects.requireNonNull(capture, "capture");
    if (dataDir.toAbsolutePath().normalize().equals(rootDir.toAbsolutePath().normalize())) {
      throw new IllegalArgumentException("--data and --root must be different directories: " + dataDir);
    }
  }

  private static void requirePositive(String what, Duration d, boolean zeroOk) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || (!zeroOk && d.isZero())) {
      throw new IllegalArgumentException(what + " must be " + (zeroOk ? "zero or more" : "positive") + ", got " + d);
    }
  }

  /** Defaults for everything but the id, directories and ZooKeeper: loopback, ephemeral ports. */
  public static AgentConfig of(String id, Path dataDir, Path rootDir, String zkConnect) {
    return new AgentConfig(id, "default", dataDir, rootDir, new HostPort("127.0.0.1", 0),
        new HostPort("127.0.0.1", 0), zkConnect, null, null, AgentMode.READ_ONLY, List.of(), null, 5,
        Duration.ofSeconds(30), ZkLossPolicy.SERVE, Duration.ofSeconds(10), Duration.ofSeconds(60), 8,
        CaptureSettings.defaults());
  }

  public AgentConfig withNetwork(String v) {
    return new AgentConfig(id, v, dataDir, rootDir, http, p2p, zkConnect, secretFile, tokenFile, mode, links,
        zone, keep, behindGrace, zkLossPolicy, sessionTimeout, previousGrace, maxSources, capture);
  }

  public AgentConfig withHttp(HostPort v) {
    return new AgentConfig(id, network, dataDir, rootDir, v, p2p, zkConnect, secretFile, tokenFile, mode, links,
        zone, keep, behindGrace, zkLossPolicy, sessionTimeout, previousGrace, maxSources, capture);
  }

  public AgentConfig withP2p(HostPort v) {
    return new AgentConfig(id, network, dataDir, rootDir, http, v, zkConnect, secretFile, tokenFile, mode, links,
        zone, keep, behindGrace, zkLossPolicy, sessionTimeout, previousGrace, maxSources, capture);
  }

  public AgentConfig withSecretFile(Path v) {
    return new AgentConfig(id, network, dataDir, rootDir, http, p2p, zkConnect, v, tokenFile, mode, links,
        zone, keep, behindGrace, zkLossPolicy, sessionTimeout, previousGrace, maxSources, capture);
  }

  public AgentConfig withTokenFile(Path v) {
    return new AgentConfig(id, network, dataDir, rootDir, http, p2p, zkConnect, secretFile, v, mode, links,
        zone, keep, behindGrace, zkLossPolicy, sessionTimeout, previousGrace, maxSources, capture);
  }

  public AgentConfig withMode(AgentMode v) {
    return new AgentConfig(id, network, dataDir, rootDir, http, p2p, zkConnect, secretFile, tokenFile, v, links,
        zone, keep, behindGrace, zkLossPolicy, sessionTimeout, previousGrace, maxSources, capture);
  }

  public AgentConfig withLinks(List<LinkSpec> v) {
    return new AgentConfig(id, network, dataDir, rootDir, http, p2p, zkConnect, secretFile, tokenFile, mode, v,
        zone, keep, behindGrace, zkLossPolicy, sessionTimeout, previousGrace, maxSources, capture);
  }

  public AgentConfig withZone(String v) {
    return new AgentConfig(id, network, dataDir, rootDir, http, p2p, zkConnect, secretFile, tokenFile, mode, links,
        v, keep, behindGrace, zkLossPolicy, sessionTimeout, previousGrace, maxSources, capture);
  }

  public AgentConfig withKeep(int v) {
    return new AgentConfig(id, network, dataDir, rootDir, http, p2p, zkConnect, secretFile, tokenFile, mode, links,
        zone, v, behindGrace, zkLossPolicy, sessionTimeout, previousGrace, maxSources, capture);
  }

  public AgentConfig withBehindGrace(Duration v) {
    return new AgentConfig(id, network, dataDir, rootDir, http, p2p, zkConnect, secretFile, tokenFile, mode, links,
        zone, keep, v, zkLossPolicy, sessionTimeout, previousGrace, maxSources, capture);
  }

  public AgentConfig withZkLossPolicy(ZkLossPolicy v) {
    return new AgentConfig(id, network, dataDir, rootDir, http, p2p, zkConnect, secretFile, tokenFile, mode, links,
        zone, keep, behindGrace, v, sessionTimeout, previousGrace, maxSources, capture);
  }

  public AgentConfig withSessionTimeout(Duration v) {
    return new AgentConfig(id, network, dataDir, rootDir, http, p2p, zkConnect, secretFile, tokenFile, mode, links,
        zone, keep, behindGrace, zkLossPolicy, v, previousGrace, maxSources, capture);
  }

  public AgentConfig withPreviousGrace(Duration v) {
    return new AgentConfig(id, network, dataDir, rootDir, http, p2p, zkConnect, secretFile, tokenFile, mode, links,
        zone, keep, behindGrace, zkLossPolicy, sessionTimeout, v, maxSources, capture);
  }

  public AgentConfig withCapture(CaptureSettings v) {
    return new AgentConfig(id, network, dataDir, rootDir, http, p2p, zkConnect, secretFile, tokenFile, mode, links,
        zone, keep, behindGrace, zkLossPolicy, sessionTimeout, previousGrace, maxSources, v);
  }

  /** The object store directory. */
  public Path storeDir() {
    return dataDir.resolve("store");
  }

  /** Scratch space (HTTP uploads, temporary files). */
  public Path tmpDir() {
    return dataDir.resolve("tmp");
  }
}
