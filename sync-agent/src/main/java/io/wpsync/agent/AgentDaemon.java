package io.wpsync.agent;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wpsync.agent.capture.CaptureRules;
import io.wpsync.agent.capture.CaptureSettings;
import io.wpsync.agent.capture.LiveCapture;
import io.wpsync.agent.capture.ProposalClient;
import io.wpsync.agent.fetch.FetchConfig;
import io.wpsync.agent.fetch.SwarmFetcher;
import io.wpsync.agent.http.HttpApiServer;
import io.wpsync.agent.http.TokenAuth;
import io.wpsync.agent.metrics.ProcessMeters;
import io.wpsync.agent.peer.LocalAvailability;
import io.wpsync.agent.peer.PeerAuth;
import io.wpsync.agent.peer.client.PeerClient;
import io.wpsync.agent.peer.client.PeerClientConfig;
import io.wpsync.agent.peer.server.PeerServer;
import io.wpsync.agent.peer.server.PeerServerConfig;
import io.wpsync.agent.registry.AgentMembership;
import io.wpsync.agent.registry.PeerDirectory;
import io.wpsync.agent.rollout.AgentMetrics;
import io.wpsync.agent.rollout.LocalReleases;
import io.wpsync.agent.rollout.Readiness;
import io.wpsync.agent.rollout.ReleaseConvergence;
import io.wpsync.agent.rollout.RolloutRecords;
import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.AgentState;
import io.wpsync.core.release.ReleaseLayout;
import io.wpsync.core.release.ReleaseMaterializer;
import io.wpsync.core.release.ReleaseMode;
import io.wpsync.core.release.ReleaseOptions;
import io.wpsync.core.release.ReleaseRetention;
import io.wpsync.core.release.ReleaseSwitch;
import io.wpsync.core.store.FileContentStore;
import io.wpsync.core.store.ManifestCache;
import io.wpsync.core.wire.ClusterSecret;
import io.wpsync.core.zk.ZkPaths;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent, composed and running: content store ({@code --data/store}), release layout ({@code
 * --root}), peer transfer server ({@code --p2p}), swarm downloads, ZooKeeper membership and peer
 * directory, the rollout convergence loop, and the HTTP API ({@code --http}).
 *
 * <p>Guarantees: {@link #start} returns once every port is bound and the agent is registered for
 * creation in ZooKeeper (readiness then follows {@link Readiness}); a failure during start-up
 * closes what was already started. {@link #close} stops the loop first (a running download is
 * interrupted, its verified pieces stay), then leaves the cluster, then stops serving; it is
 * idempotent and safe from a shutdown hook.
 *
 * <pre>{@code
 * try (AgentDaemon agent = AgentDaemon.start(AgentConfig.of("a1", data, root, zk.getConnectString())
 *     .withSecretFile(secretFile))) {
 *   String url = agent.httpUrl();   // GET url + "/readyz"
 * }
 * }</pre>
 */
public final class AgentDaemon implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentDaemon.class);
  /** A download with no piece arriving for this long fails and is retried with fresh sources. */
  private static final java.time.Duration STALL_TIMEOUT = java.time.Duration.ofSeconds(15);

  private enum State { STARTING, STARTED, CLOSED }

  private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);
  private final AgentConfig config;
  private final Clock clock;
  private final Deque<Closeable> toClose = new ArrayDeque<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Readiness readiness;
  private ReleaseConvergence convergence;
  private volatile LiveCapture capture;
  private HttpApiServer http;
  private PeerServer peerServer;
  private String advertisedHost;

  private AgentDaemon(AgentConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.readiness = new Readiness(config.behindGrace(), config.zkLossPolicy(), clock);
  }

  /** Starts an agent with the system clock. */
  public static AgentDaemon start(AgentConfig config) throws IOException, InterruptedException {
    return start(config, Clock.systemUTC());
  }

  public static AgentDaemon start(AgentConfig config, Clock clock) throws IOException, InterruptedException {
    AgentDaemon d = new AgentDaemon(config, clock);
    try {
      d.startAll();
    } catch (IOException | InterruptedException | RuntimeException e) {
      d.close();
      throw e;
    }
    return d;
  }

  private <T extends Closeable> T closing(T c) {
    toClose.push(c);
    return c;
  }

  private void startAll() throws IOException, InterruptedException {
    Files.createDirectories(config.dataDir());
    Files.createDirectories(config.tmpDir());
    Files.createDirectories(config.rootDir());
    if (config.secretFile() == null) {
      throw new IllegalArgumentException("the agent needs --secret-file: peers authenticate with the cluster secret");
    }
    ClusterSecret secret = ClusterSecret.fromFile(config.secretFile());
    TokenAuth tokens = config.tokenFile() != null ? TokenAuth.fromFile(config.tokenFile()) : unusableTokens();

    closing(ProcessMeters.bindTo(registry));
    FileContentStore store = closing(FileContentStore.open(config.storeDir()));
    ReleaseLayout layout = new ReleaseLayout(config.rootDir());
    layout.create();
    int leftovers = layout.removeLeftovers();
    if (leftovers > 0) {
      LOG.info("removed {} leftovers of interrupted work under {}", leftovers, config.rootDir());
    }

    PeerAuth auth = new PeerAuth(config.network(), config.id(), secret);
    ManifestCache manifests = ManifestCache.over(store);
    LocalAvailability availability = new LocalAvailability(manifests);
    peerServer = closing(PeerServer.start(
        PeerServerConfig.defaults(config.p2p().host(), config.p2p().port(), auth), store, availability, registry));
    PeerClient peerClient = closing(new PeerClient(PeerClientConfig.defaults(auth), registry));
    advertisedHost = advertisedHost(config.p2p());

    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(config.zkConnect())
        .namespace(ZkPaths.namespace(config.network()))
        .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
        .connectionTimeoutMs((int) Math.min(15_000, config.sessionTimeout().toMillis()))
        .retryPolicy(new BoundedExponentialBackoffRetry(200, 5_000, 29))
        .ensembleTracker(false) // keep the --zk string as given: a Service or proxy address stays in use
        .build();
    closing(client::close);
    client.start();

    http = closing(new HttpApiServer(
        HttpApiServer.Config.of(config.http().host(), config.http().port(), config.tmpDir().resolve("http")),
        AgentRoutes.build(this::status, readiness, this::healthy, registry, config.mode(), () -> capture), tokens).start());

    ReleaseSwitch releaseSwitch = new ReleaseSwitch(layout, clock);
    Map<String, Path> links = new LinkedHashMap<>();
    config.links().forEach(l -> links.put(l.name(), l.target()));
    ReleaseMaterializer materializer = new ReleaseMaterializer(layout, store,
        ReleaseOptions.defaults().withMode(config.mode() == AgentMode.LIVE ? ReleaseMode.LIVE : ReleaseMode.READ_ONLY)
            .withLinkedPaths(links), clock);
    ReleaseRetention retention = new ReleaseRetention(releaseSwitch, config.keep(), config.previousGrace(), clock);

    PeerDirectory directory = closing(new PeerDirectory(client));
    directory.start();
    if (!directory.awaitInitialized(5, java.util.concurrent.TimeUnit.SECONDS)) {
      LOG.warn("peer directory not loaded from ZooKeeper within 5 s; downloads retry until it is");
    }
    LocalReleases releases = new LocalReleases(manifests, layout, materializer, releaseSwitch, retention,
        (manifestId, peers, timeout, listener) -> new SwarmFetcher(store, peerClient, availability, config.id(),
            FetchConfig.defaults().withZone(config.zone()).withTimeout(timeout).withStallTimeout(STALL_TIMEOUT), registry)
            .fetch(manifestId, peers, listener),
        releaseId -> directory.sources(config.id(), releaseId, config.zone(), config.maxSources()),
        clock);

    String current = releaseSwitch.current().orElse(null);
    if (config.mode() == AgentMode.LIVE) {
      capture = closing(liveCapture(layout, manifests, directory, links));
      releases.useLiveTree(capture);
      capture.start(current);
    }
    AgentInfo info = new AgentInfo(config.id(), advertisedHost, peerServer.port(), httpUrl(), config.zone(), current,
        null, AgentState.SYNCING, false, clock.millis());
    AgentMembership membership = closing(new AgentMembership(client, info));
    convergence = new ReleaseConvergence(ReleaseConvergence.Config.defaults(), client,
        new RolloutRecords(client, config.id()), releases, membership, readiness, new AgentMetrics(registry, readiness),
        clock);
    closing(convergence);
    membership.start();
    convergence.start();
    state.set(State.STARTED);
    LOG.info("agent {} started: network {}, p2p {}:{}, http {}, root {}, mode {}, zk {}", config.id(),
        config.network(), advertisedHost, peerServer.port(), httpUrl(), config.rootDir(), config.mode().flagValue(),
        config.zkConnect());
  }

  /** The local-change capture of a live agent, proposing to the coordinators found in ZooKeeper. */
  private LiveCapture liveCapture(ReleaseLayout layout, ManifestCache manifests, PeerDirectory directory,
      Map<String, Path> links) throws IOException {
    CaptureSettings s = config.capture();
    String token = null;
    if (s.tokenFile() != null) {
      token = ProposalClient.readToken(s.tokenFile());
    } else {
      LOG.warn("live mode without --capture-token-file: local changes are captured and kept, but every proposal "
          + "is refused until a capture token is configured");
    }
    java.util.function.Supplier<java.util.List<String>> urls = s.coordinatorUrl() != null
        ? () -> java.util.List.of(s.coordinatorUrl())
        : () -> directory.coordinators().stream().map(io.wpsync.core.cluster.CoordinatorInfo::httpUrl)
            .filter(java.util.Objects::nonNull).toList();
    return new LiveCapture(config.id(), layout, manifests, CaptureRules.of(s.excludes(), links.keySet()), s,
        new ProposalClient(urls, token), config.dataDir().resolve("capture"), config.previousGrace(), registry, clock);
  }

  private static TokenAuth unusableTokens() {
    LOG.warn("no --token-file: token-protected agent routes refuse every call");
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    return TokenAuth.admin(HexFormat.of().formatHex(random));
  }

  private static String advertisedHost(HostPort bind) throws IOException {
    if (!bind.isWildcard()) {
      return bind.host();
    }
    String podIp = System.getenv("POD_IP");
    return podIp != null && !podIp.isBlank() ? podIp : InetAddress.getLocalHost().getHostAddress();
  }

  private boolean healthy() {
    return state.get() == State.STARTED;
  }

  public String id() {
    return config.id();
  }

  public AgentConfig config() {
    return config;
  }

  /** {@code http://host:port} of the agent API (the bound port when configured with 0). */
  public String httpUrl() {
    String host = config.http().isWildcard() ? advertisedHost : config.http().host();
    return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + http.port();
  }

  public int httpPort() {
    return http.port();
  }

  public int p2pPort() {
    return peerServer.port();
  }

  /** Readiness now, with its reason. */
  public Readiness.Verdict readiness() {
    return readiness.check();
  }

  /** What {@code GET /status} returns. */
  public AgentStatus status() {
    ReleaseConvergence c = convergence;
    if (c == null) {
      Readiness.Verdict v = readiness.check();
      return new AgentStatus(config.id(), config.network(), config.mode().flagValue(), config.zone(), null, null,
          null, null, AgentState.SYNCING.name(), v.ready(), v.reason(), 0, readiness.isZkConnected(), null,
          "starting", null, null, null);
    }
    ReleaseConvergence.Status s = c.status();
    return new AgentStatus(config.id(), config.network(), config.mode().flagValue(), config.zone(), s.current(),
        s.staged(), s.stagedFor(), s.committed(), s.state().name(), s.ready(), s.readyReason(), s.behindMillis(),
        s.zkConnected(), s.progress(), s.lastError(), advertisedHost + ":" + peerServer.port(), httpUrl(),
        capture == null ? null : capture.status());
  }

  /** The local-change capture (live mode only). */
  public java.util.Optional<LiveCapture> capture() {
    return java.util.Optional.ofNullable(capture);
  }

  /** The meter registry (Prometheus) every component of this agent registers in. */
  public PrometheusMeterRegistry metrics() {
    return registry;
  }

  /** Blocks until {@link #close} has finished. */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) == State.CLOSED) {
      return;
    }
    LOG.info("agent {} stopping", config.id());
    while (!toClose.isEmpty()) {
      Closeable c = toClose.pop();
      try {
        c.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("while stopping agent {}: {}", config.id(), e.toString());
      }
    }
    registry.close();
    closed.countDown();
    LOG.info("agent {} stopped", config.id());
  }
}
