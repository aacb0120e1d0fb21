package io.wpsync.coordinator;

import io.wpsync.agent.HostPort;
import io.wpsync.coordinator.proposal.CapturePolicy;
import io.wpsync.core.zk.ZkPaths;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a coordinator daemon needs, validated. Build with {@link #of} and the {@code with…}
 * methods; {@link CoordinatorCommand} maps flags onto it.
 *
 * @param zkConnect the ensemble, or null with {@code embeddedZk}
 * @param embeddedZkPort port of the embedded ZooKeeper on 127.0.0.1 (0 = any free port)
 * @param copyWait how long a release upload waits for a second coordinator's copy
 * @param maxUploadBytes largest release upload accepted (413 beyond)
 * @param capturePolicy what happens to local changes live agents propose (auto or approve)
 */
public record CoordinatorConfig(
    String id, String network, Path dataDir, HostPort http, HostPort p2p, String zkConnect, boolean embeddedZk,
    int embeddedZkPort, Path tokenFile, Path secretFile, Duration sessionTimeout, Duration rolloutDeadline,
    Duration copyWait, long maxUploadBytes, CapturePolicy capturePolicy) {

  public CoordinatorConfig {
    ZkPaths.checkId("coordinator id", id);
    ZkPaths.checkId("network", network);
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(p2p, "p2p");
    if (embeddedZk == (zkConnect != null && !zkConnect.isBlank())) {
      throw new IllegalArgumentException("give exactly one of --zk CONNECT and --embedded-zk");
    }
    if (embeddedZkPort < 0 || embeddedZkPort > 65535) {
      throw new IllegalArgumentException("--embedded-zk-port " + embeddedZkPort + " outside 0..65535");
    }
    if (sessionTimeout.compareTo(Duration.ofSeconds(2)) < 0 || sessionTimeout.compareTo(Duration.ofSeconds(60)) > 0) {
      throw new IllegalArgumentException("--session-timeout " + sessionTimeout.toMillis() + " ms outside 2 s..60 s");
    }
    Objects.requireNonNull(capturePolicy, "capturePolicy");
    if (maxUploadBytes < 1024) {
      throw new IllegalArgumentException("--max-upload must be at least 1 KiB, got " + maxUploadBytes);
    }
  }

  /** Defaults: network "default", HTTP 0.0.0.0:8080, p2p 0.0.0.0:7071, 10 s session, 5 min deadline. */
  public static CoordinatorConfig of(String id, Path dataDir, String zkConnect) {
    boolean embedded = zkConnect == null;
    return new CoordinatorConfig(id, "default", dataDir, new HostPort("0.0.0.0", 8080), new HostPort("0.0.0.0", 7071),
        zkConnect, embedded, 2181, null, null, Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(60),
        1L << 30, CapturePolicy.APPROVE);
  }

  public Path storeDir() {
    return dataDir.resolve("store");
  }

  public Path tmpDir() {
    return dataDir.resolve("tmp");
  }

  public Path zkDataDir() {
    return dataDir.resolve("zk");
  }

  public CoordinatorConfig withNetwork(String v) {
    return new CoordinatorConfig(id, v, dataDir, http, p2p, zkConnect, embeddedZk, embeddedZkPort, tokenFile,
        secretFile, sessionTimeout, rolloutDeadline, copyWait, maxUploadBytes, capturePolicy);
  }

  public CoordinatorConfig withHttp(HostPort v) {
    return new CoordinatorConfig(id, network, dataDir, v, p2p, zkConnect, embeddedZk, embeddedZkPort, tokenFile,
        secretFile, sessionTimeout, rolloutDeadline, copyWait, maxUploadBytes, capturePolicy);
  }

  public CoordinatorConfig withP2p(HostPort v) {
    return new CoordinatorConfig(id, network, dataDir, http, v, zkConnect, embeddedZk, embeddedZkPort, tokenFile,
        secretFile, sessionTimeout, rolloutDeadline, copyWait, maxUploadBytes, capturePolicy);
  }

  public CoordinatorConfig withEmbeddedZk(int port) {
    return new CoordinatorConfig(id, network, dataDir, http, p2p, null, true, port, tokenFile,
        secretFile, sessionTimeout, rolloutDeadline, copyWait, maxUploadBytes, capturePolicy);
  }

  public CoordinatorConfig withTokenFile(Path v) {
    return new CoordinatorConfig(id, network, dataDir, http, p2p, zkConnect, embeddedZk, embeddedZkPort, v,
        secretFile, sessionTimeout, rolloutDeadline, copyWait, maxUploadBytes, capturePolicy);
  }

  public CoordinatorConfig withSecretFile(Path v) {
    return new CoordinatorConfig(id, network, dataDir, http, p2p, zkConnect, embeddedZk, embeddedZkPort, tokenFile,
        v, sessionTimeout, rolloutDeadline, copyWait, maxUploadBytes, capturePolicy);
  }

  public CoordinatorConfig withSessionTimeout(Duration v) {
    return new CoordinatorConfig(id, network, dataDir, http, p2p, zkConnect, embeddedZk, embeddedZkPort, tokenFile,
        secretFile, v, rolloutDeadline, copyWait, maxUploadBytes, capturePolicy);
  }

  public CoordinatorConfig withRolloutDeadline(Duration v) {
    return new CoordinatorConfig(id, network, dataDir, http, p2p, zkConnect, embeddedZk, embeddedZkPort, tokenFile,
        secretFile, sessionTimeout, v, copyWait, maxUploadBytes, capturePolicy);
  }

  public CoordinatorConfig withCopyWait(Duration v) {
    return new CoordinatorConfig(id, network, dataDir, http, p2p, zkConnect, embeddedZk, embeddedZkPort, tokenFile,
        secretFile, sessionTimeout, rolloutDeadline, v, maxUploadBytes, capturePolicy);
  }

  public CoordinatorConfig withMaxUploadBytes(long v) {
    return new CoordinatorConfig(id, network, dataDir, http, p2p, zkConnect, embeddedZk, embeddedZkPort, tokenFile,
        secretFile, sessionTimeout, rolloutDeadline, copyWait, v, capturePolicy);
  }

  public CoordinatorConfig withCapturePolicy(CapturePolicy v) {
    return new CoordinatorConfig(id, network, dataDir, http, p2p, zkConnect, embeddedZk, embeddedZkPort, tokenFile,
        secretFile, sessionTimeout, rolloutDeadline, copyWait, maxUploadBytes, v);
  }
}
