package io.wpsync.coordinator;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wpsync.agent.HostPort;
import io.wpsync.agent.http.ApiResponse;
import io.wpsync.agent.http.HttpApiServer;
import io.wpsync.agent.http.Router;
import io.wpsync.agent.http.Scope;
import io.wpsync.agent.http.TokenAuth;
import io.wpsync.agent.metrics.ProcessMeters;
import io.wpsync.agent.peer.PeerAuth;
import io.wpsync.coordinator.api.CoordinatorApi;
import io.wpsync.coordinator.api.LeaderForwarder;
import io.wpsync.coordinator.api.ProposalApi;
import io.wpsync.coordinator.proposal.ProposalDriver;
import io.wpsync.coordinator.proposal.ProposalReceiver;
import io.wpsync.coordinator.api.TarBundle;
import io.wpsync.coordinator.fleet.AgentCensus;
import io.wpsync.coordinator.fleet.AgentProbe;
import io.wpsync.coordinator.fleet.FleetStatus;
import io.wpsync.coordinator.leader.CoordinatorLeadership;
import io.wpsync.coordinator.origin.Origin;
import io.wpsync.coordinator.release.ReleaseRegistry;
import io.wpsync.coordinator.release.ReleaseReplicator;
import io.wpsync.coordinator.rollout.RolloutDriver;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.CoordinatorRegistration;
import io.wpsync.coordinator.zk.ProposalStore;
import io.wpsync.coordinator.zk.ReleaseStore;
import io.wpsync.coordinator.zk.ZkClients;
import io.wpsync.core.cluster.CoordinatorInfo;
import io.wpsync.core.scan.ScanRules;
import io.wpsync.core.scan.Scanner;
import io.wpsync.core.store.FileContentStore;
import io.wpsync.core.wire.ClusterSecret;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running coordinator: origin store and peer server, ZooKeeper client (or an embedded server),
 * leader election, rollout driver, release registry and replicator, and the HTTP API with {@code
 * /healthz}, {@code /readyz} and {@code /metrics}. {@link #close()} stops everything in the reverse
 * order of start (leadership first, so a standby takes over at once; the store last).
 *
 * <pre>{@code
 * try (CoordinatorDaemon d = CoordinatorDaemon.start(CoordinatorConfig.of("coord-1", dataDir, null)
 *     .withSecretFile(secret).withTokenFile(tokens))) {
 *   d.awaitClosed();
 * }
 * }</pre>
 */
public final class CoordinatorDaemon implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorDaemon.class);

  /** Agent status probes (rollout progress, agent list): fresh for 1 s, 1 s timeout, 8 at once, 1.5 s wait. */
  private static final Duration PROBE_TTL = Duration.ofSeconds(1);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
  private static final int PROBE_CONCURRENCY = 8;
  private static final Duration PROBE_WAIT = Duration.ofMillis(1500);

  /** A proposal's objects come from one agent on the LAN: no progress for this long means retry. */
  private static final Duration PROPOSAL_FETCH_STALL = Duration.ofSeconds(5);

  private enum State { LATENT, STARTED, CLOSED }

  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private final CoordinatorConfig config;
  private final Deque<Closeable> toClose = new ArrayDeque<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private String zkConnect;
  private CuratorFramework client;
  private ClusterStore cluster;
  private CoordinatorLeadership leadership;
  private RolloutDriver driver;
  private ReleaseRegistry releases;
  private ProposalDriver proposals;
  private HttpApiServer http;
  private Origin origin;
  private String advertisedHost;

  private CoordinatorDaemon(CoordinatorConfig config) {
    this.config = config;
  }

  /** Starts a coordinator; on failure everything started so far is stopped again. */
  public static CoordinatorDaemon start(CoordinatorConfig config) throws Exception {
    CoordinatorDaemon d = new CoordinatorDaemon(config);
    try {
      d.startAll();
    } catch (Exception | Error e) {
      d.close();
      throw e;
    }
    return d;
  }

  private <T extends Closeable> T closing(T c) {
    toClose.push(c);
    return c;
  }

  private void startAll() throws Exception {
    closing(ProcessMeters.bindTo(registry)); // first: it adds the registry's meter filters
    Files.createDirectories(config.dataDir());
    Files.createDirectories(config.tmpDir());
    if (config.secretFile() == null) {
      throw new IllegalArgumentException("the coordinator needs --secret-file: agents authenticate its origin with the cluster secret");
    }
    ClusterSecret secret = ClusterSecret.fromFile(config.secretFile());
    TokenAuth tokens = config.tokenFile() != null ? TokenAuth.fromFile(config.tokenFile()) : unusableTokens();
    long now = System.currentTimeMillis();

    if (config.embeddedZk()) {
      EmbeddedZooKeeper zk = closing(EmbeddedZooKeeper.start(config.zkDataDir(), config.embeddedZkPort()));
      zkConnect = zk.connectString();
    } else {
      zkConnect = config.zkConnect();
    }
    FileContentStore store = closing(FileContentStore.open(config.storeDir()));
    origin = closing(Origin.start(config.p2p().host(), config.p2p().port(),
        new PeerAuth(config.network(), config.id(), secret), store, registry, Duration.ofMinutes(30)));
    advertisedHost = advertisedHost(config.p2p());

    client = ZkClients.newClient(zkConnect, config.network(), config.sessionTimeout());
    closing(client::close);
    client.start();
    long wait = Math.max(30_000, config.sessionTimeout().toMillis() * 3);
    if (!client.blockUntilConnected((int) wait, TimeUnit.MILLISECONDS)) {
      throw new IOException("cannot reach ZooKeeper at " + zkConnect + " within " + wait / 1000 + " s");
    }
    cluster = new ClusterStore(client);
    cluster.ensureLayout();
    ReleaseStore releaseStore = new ReleaseStore(client);
    CoordinatorMetrics metrics = new CoordinatorMetrics(registry, System::currentTimeMillis);
    AgentCensus census = closing(new AgentCensus(client).start());
    metrics.bindFleet(census);
    AgentProbe probe = closing(new AgentProbe(PROBE_TTL, PROBE_TIMEOUT, PROBE_CONCURRENCY, System::currentTimeMillis));

    driver = closing(new RolloutDriver(cluster, releaseStore, metrics, System::currentTimeMillis, config.rolloutDeadline()));
    leadership = new CoordinatorLeadership(client, cluster, config.id(), driver, System::currentTimeMillis);
    driver.standDownWith(leadership::standDown);
    Scanner scanner = Scanner.builder().rules(ScanRules.defaults()).build();
    scanner.cache().bindMetrics(registry, "scan");
    releases = closing(new ReleaseRegistry(releaseStore, cluster, store, scanner, config.id(), config.copyWait(),
        metrics, System::currentTimeMillis));

    ProposalStore proposalStore = new ProposalStore(client);
    proposals = closing(new ProposalDriver(proposalStore, cluster, releaseStore, store, driver, metrics, registry,
        config.id(), config.copyWait(), config.rolloutDeadline(), System::currentTimeMillis));
    ProposalReceiver receiver = new ProposalReceiver(proposalStore, releaseStore, cluster, store, proposals.manifests(),
        origin.fetcher(io.wpsync.agent.fetch.FetchConfig.defaults().withTimeout(Duration.ofMinutes(10))
            .withStallTimeout(PROPOSAL_FETCH_STALL)),
        ScanRules.defaults(), config.capturePolicy(), config.id(), System::currentTimeMillis, proposals::passSoon);

    LeaderForwarder forwarder = new LeaderForwarder(config.id(), this::httpUrl, this::leaderUrl);
    Router router = new CoordinatorApi(releases, driver, cluster, new FleetStatus(census, probe, PROBE_WAIT), forwarder,
        config.id(), leadership::leaderId,
        config.tmpDir().resolve("uploads"), TarBundle.Limits.defaults()).register(healthRoutes());
    new ProposalApi(receiver, proposals, store, releaseStore, forwarder).register(router);
    http = closing(new HttpApiServer(
        new HttpApiServer.Config(config.http().host(), config.http().port(), config.tmpDir().resolve("http"),
            config.maxUploadBytes(), 1 << 20, 16),
        router, tokens).start());
    String httpUrl = httpUrl();

    CoordinatorRegistration registration = closing(new CoordinatorRegistration(client,
        new CoordinatorInfo(config.id(), httpUrl, advertisedHost, origin.port(), now)));
    if (!registration.start(wait)) {
      throw new IOException("could not register /coordinators/" + config.id() + " in ZooKeeper within " + wait / 1000 + " s");
    }
    ReleaseReplicator replicator = closing(new ReleaseReplicator(releaseStore, cluster, store, origin.fetcher(), config.id()));
    replicator.start();
    closing(leadership);
    leadership.start();
    proposals.start();
    metrics.bindCoordinatorState(driver::isLeader, this::zkConnected);
    state.set(State.STARTED);
    log.info("coordinator {} started: network {}, http {}, origin {}:{}, zk {}{}, data {}", config.id(),
        config.network(), httpUrl, advertisedHost, origin.port(), zkConnect, config.embeddedZk() ? " (embedded)" : "",
        config.dataDir());
  }

  private Router healthRoutes() {
    return new Router()
        .get("/healthz", Scope.NONE, req -> state.get() == State.STARTED
            ? ApiResponse.text(200, "text/plain; charset=utf-8", "ok\n")
            : ApiResponse.problem(503, "Service Unavailable", "the coordinator is " + state.get()))
        .get("/readyz", Scope.NONE, req -> {
          if (state.get() != State.STARTED) {
            return ApiResponse.problem(503, "Not Ready", "the coordinator is " + state.get());
          }
          if (!zkConnected()) {
            return ApiResponse.problem(503, "Not Ready", "not connected to ZooKeeper at " + zkConnect);
          }
          return ApiResponse.text(200, "text/plain; charset=utf-8",
              "ready: " + (driver.isLeader() ? "leader" : "standby") + "\n");
        })
        .get("/metrics", Scope.NONE, req ->
            ApiResponse.text(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
  }

  private boolean zkConnected() {
    return client != null && client.getZookeeperClient().isConnected();
  }

  private Optional<String> leaderUrl() {
    try {
      Optional<String> id = leadership.leaderId();
      if (id.isEmpty()) {
        return Optional.empty();
      }
      return Optional.ofNullable(cluster.coordinators().get(id.get())).map(CoordinatorInfo::httpUrl);
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private static TokenAuth unusableTokens() {
    log.warn("no --token-file: every /api/v1 route refuses every call");
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

  /** {@code http://host:port} of the admin API (the bound port when configured with 0). */
  public String httpUrl() {
    String host = config.http().isWildcard() ? advertisedHost : config.http().host();
    return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + http.port();
  }

  public int httpPort() {
    return http.port();
  }

  public int p2pPort() {
    return origin.port();
  }

  /** The ZooKeeper connect string in use (the embedded server's when {@code --embedded-zk}). */
  public String zkConnect() {
    return zkConnect;
  }

  public boolean isLeader() {
    return driver != null && driver.isLeader();
  }

  public CoordinatorConfig config() {
    return config;
  }

  public RolloutDriver rollouts() {
    return driver;
  }

  public ReleaseRegistry releases() {
    return releases;
  }

  /** Local-change proposals: list, approve, reject, resolve. */
  public ProposalDriver proposals() {
    return proposals;
  }

  /** Blocks until {@link #close()} has finished. */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) == State.CLOSED) {
      return;
    }
    while (!toClose.isEmpty()) {
      Closeable c = toClose.pop();
      try {
        c.close();
      } catch (Exception | Error e) {
        log.warn("stopping {} failed: {}", c, e.toString());
      }
    }
    registry.close();
    log.info("coordinator {} stopped", config.id());
    closed.countDown();
  }
}
