package io.wpsync.coordinator;

import io.wpsync.agent.FlagConverters;
import io.wpsync.agent.HostPort;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import io.wpsync.coordinator.proposal.CapturePolicy;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code wpsync coordinator}: runs the coordinator daemon until SIGTERM/SIGINT. Every flag has an
 * environment equivalent {@code WPSYNC_<FLAG>} (e.g. {@code --session-timeout} = {@code
 * WPSYNC_SESSION_TIMEOUT}); a flag wins over its variable.
 */
@Command(name = "coordinator", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Runs a wpsync coordinator: keeps the release history and the origin object store under --data, "
            + "serves the admin REST API (/api/v1, token-protected) with /healthz, /readyz and /metrics on --http, "
            + "serves release objects to agents on --p2p and, while it is the elected leader, drives two-phase "
            + "rollouts through ZooKeeper. Run two or more for failover.",
        "Every option can also be set with the environment variable WPSYNC_<OPTION> (e.g. WPSYNC_ZK)."},
    footer = {"", "Examples:",
        "  wpsync coordinator --id coord-0 --data /var/lib/wpsync --zk zk-0:2181,zk-1:2181,zk-2:2181 \\",
        "      --token-file /etc/wpsync/tokens --secret-file /etc/wpsync/secret",
        "  wpsync coordinator --data ./coord --embedded-zk --http 127.0.0.1:8080 --p2p 127.0.0.1:7071 \\",
        "      --token-file tokens --secret-file secret      # single machine, embedded ZooKeeper"})
public final class CoordinatorCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--id", defaultValue = "${env:WPSYNC_ID}", paramLabel = "ID",
      description = "Coordinator id, unique in the network (default: this host's name, e.g. the StatefulSet pod name; env WPSYNC_ID).")
  String id;

  @Option(names = "--network", defaultValue = "${env:WPSYNC_NETWORK:-default}", paramLabel = "NAME",
      description = "WordPress network this coordinator serves; its ZooKeeper namespace is wpsync/<NAME> (default: ${DEFAULT-VALUE}; env WPSYNC_NETWORK).")
  String network;

  @Option(names = "--data", defaultValue = "${env:WPSYNC_DATA}", paramLabel = "DIR",
      description = "Data directory: origin object store (store/), temporary uploads (tmp/) and, with --embedded-zk, ZooKeeper's data (zk/) (required; env WPSYNC_DATA).")
  Path data;

  @Option(names = "--http", defaultValue = "${env:WPSYNC_HTTP:-0.0.0.0:8080}", paramLabel = "HOST:PORT",
      converter = FlagConverters.HostPortConverter.class,
      description = "Address of the admin REST API and of /healthz, /readyz, /metrics (default: ${DEFAULT-VALUE}; env WPSYNC_HTTP).")
  HostPort http;

  @Option(names = "--p2p", defaultValue = "${env:WPSYNC_P2P:-0.0.0.0:7071}", paramLabel = "HOST:PORT",
      converter = FlagConverters.HostPortConverter.class,
      description = "Address of the origin's peer transfer server, which agents and standby coordinators fetch releases from (default: ${DEFAULT-VALUE}; env WPSYNC_P2P).")
  HostPort p2p;

  @Option(names = "--zk", defaultValue = "${env:WPSYNC_ZK}", paramLabel = "CONNECT",
      description = "ZooKeeper connect string, e.g. zk-0:2181,zk-1:2181,zk-2:2181; exactly one of --zk and --embedded-zk (env WPSYNC_ZK).")
  String zk;

  @Option(names = "--embedded-zk", defaultValue = "${env:WPSYNC_EMBEDDED_ZK:-false}",
      description = "Start a single ZooKeeper server inside this process, on 127.0.0.1 only, data under <data>/zk; for one-machine setups, not for production (env WPSYNC_EMBEDDED_ZK=true).")
  boolean embeddedZk;

  @Option(names = "--embedded-zk-port", defaultValue = "${env:WPSYNC_EMBEDDED_ZK_PORT:-2181}", paramLabel = "PORT",
      description = "Port of the embedded ZooKeeper on 127.0.0.1; agents use --zk 127.0.0.1:PORT (default: ${DEFAULT-VALUE}; env WPSYNC_EMBEDDED_ZK_PORT).")
  int embeddedZkPort;

  @Option(names = "--token-file", defaultValue = "${env:WPSYNC_TOKEN_FILE}", paramLabel = "FILE",
      description = "Bearer tokens of the REST API, one '<scope> <token>' per line, scope read|capture|admin; without it every /api/v1 call is refused (env WPSYNC_TOKEN_FILE).")
  Path tokenFile;

  @Option(names = "--secret-file", defaultValue = "${env:WPSYNC_SECRET_FILE}", paramLabel = "FILE",
      description = "Cluster secret shared by every agent and coordinator; authenticates peer connections (required; env WPSYNC_SECRET_FILE).")
  Path secretFile;

  @Option(names = "--session-timeout", defaultValue = "${env:WPSYNC_SESSION_TIMEOUT:-10s}", paramLabel = "DURATION",
      converter = FlagConverters.DurationConverter.class,
      description = "ZooKeeper session timeout: how fast a dead leader is replaced (2s..60s; default: ${DEFAULT-VALUE}; env WPSYNC_SESSION_TIMEOUT).")
  Duration sessionTimeout;

  @Option(names = "--rollout-deadline", defaultValue = "${env:WPSYNC_ROLLOUT_DEADLINE:-5m}", paramLabel = "DURATION",
      converter = FlagConverters.DurationConverter.class,
      description = "Default time agents have to prepare a rollout before it aborts; a rollout request may set its own (default: ${DEFAULT-VALUE}; env WPSYNC_ROLLOUT_DEADLINE).")
  Duration rolloutDeadline;

  @Option(names = "--copy-wait", defaultValue = "${env:WPSYNC_COPY_WAIT:-60s}", paramLabel = "DURATION",
      converter = FlagConverters.DurationConverter.class,
      description = "How long a release upload waits for a second coordinator to hold a copy before it fails; a lone coordinator publishes with one copy at once (default: ${DEFAULT-VALUE}; env WPSYNC_COPY_WAIT).")
  Duration copyWait;

  @Option(names = "--max-upload", defaultValue = "${env:WPSYNC_MAX_UPLOAD:-1g}", paramLabel = "SIZE",
      converter = SizeConverter.class,
      description = "Largest release upload accepted, e.g. 512m, 2g; larger ones get 413 (default: ${DEFAULT-VALUE}; env WPSYNC_MAX_UPLOAD).")
  long maxUpload;

  @Option(names = "--capture-policy", defaultValue = "${env:WPSYNC_CAPTURE_POLICY:-approve}", paramLabel = "auto|approve",
      converter = CapturePolicyConverter.class,
      description = "What happens to a local change a live agent proposes: approve keeps it pending until an admin approves it (wpsync proposal approve ID), so a compromised WordPress pod cannot push code to the fleet unnoticed; auto rolls it out at once. Set it the same on every replica (default: ${DEFAULT-VALUE}; env WPSYNC_CAPTURE_POLICY).")
  CapturePolicy capturePolicy;

  /** Builds the configuration, or throws {@link ParameterException} naming the missing or bad flag. */
  CoordinatorConfig toConfig() {
    String coordinatorId = id == null || id.isBlank() ? hostName() : id;
    if (data == null) {
      throw new ParameterException(spec.commandLine(), "missing --data DIR (or WPSYNC_DATA)");
    }
    if (secretFile == null) {
      throw new ParameterException(spec.commandLine(), "missing --secret-file FILE (or WPSYNC_SECRET_FILE)");
    }
    boolean hasZk = zk != null && !zk.isBlank();
    if (hasZk == embeddedZk) {
      throw new ParameterException(spec.commandLine(),
          hasZk ? "give either --zk or --embedded-zk, not both" : "missing --zk CONNECT (or --embedded-zk for a single machine)");
    }
    try {
      CoordinatorConfig c = CoordinatorConfig.of(coordinatorId, data, hasZk ? zk.strip() : null)
          .withNetwork(network)
          .withHttp(http)
          .withP2p(p2p)
          .withTokenFile(tokenFile)
          .withSecretFile(secretFile)
          .withSessionTimeout(sessionTimeout)
          .withRolloutDeadline(rolloutDeadline)
          .withCopyWait(copyWait)
          .withMaxUploadBytes(maxUpload)
          .withCapturePolicy(capturePolicy);
      return embeddedZk ? c.withEmbeddedZk(embeddedZkPort) : c;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "coordinator";
    }
  }

  @Override
  public Integer call() throws Exception {
    CoordinatorConfig config = toConfig();
    CoordinatorDaemon daemon = CoordinatorDaemon.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "wpsync-coordinator-shutdown"));
    spec.commandLine().getOut().printf("coordinator %s running: http %s, p2p %d, zk %s%n", config.id(),
        daemon.httpUrl(), daemon.p2pPort(), daemon.zkConnect());
    spec.commandLine().getOut().flush();
    daemon.awaitClosed();
    return 0;
  }

  /** Sizes such as {@code 1048576}, {@code 512k}, {@code 512m}, {@code 2g} (powers of 1024). */
  static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      String v = value.strip().toLowerCase(Locale.ROOT);
      long unit = 1;
      char last = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
      switch (last) {
        case 'k' -> unit = 1L << 10;
        case 'm' -> unit = 1L << 20;
        case 'g' -> unit = 1L << 30;
        case 't' -> unit = 1L << 40;
        default -> { }
      }
      String digits = unit == 1 ? v : v.substring(0, v.length() - 1);
      try {
        long n = Long.parseLong(digits);
        if (n < 0) {
          throw new NumberFormatException();
        }
        return Math.multiplyExact(n, unit);
      } catch (NumberFormatException | ArithmeticException e) {
        throw new CommandLine.TypeConversionException("expected a size such as 512m or 2g, got '" + value + "'");
      }
    }
  }

  static final class CapturePolicyConverter implements CommandLine.ITypeConverter<CapturePolicy> {
    @Override
    public CapturePolicy convert(String value) {
      return FlagConverters.parse(CapturePolicy::parse, value);
    }
  }
}
