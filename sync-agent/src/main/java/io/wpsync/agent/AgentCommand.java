package io.wpsync.agent;

import io.wpsync.agent.capture.CaptureSettings;
import io.wpsync.agent.rollout.ZkLossPolicy;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code wpsync agent}: runs the agent daemon until SIGTERM/SIGINT. Every flag has an environment
 * equivalent {@code WPSYNC_<FLAG>} (e.g. {@code --behind-grace} = {@code WPSYNC_BEHIND_GRACE});
 * a flag wins over its variable. {@code WPSYNC_LINK} holds comma-separated {@code NAME=PATH}s.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Runs a wpsync agent: keeps a local copy of wp-content under --root (current -> releases/<id>), "
            + "fetches releases peer-to-peer, takes part in two-phase rollouts through ZooKeeper and serves "
            + "/status, /healthz, /readyz and /metrics on --http.",
        "Every option can also be set with the environment variable WPSYNC_<OPTION> (e.g. WPSYNC_ZK); "
            + "an option given on the command line wins."},
    footer = {"", "Example:",
        "  wpsync agent --id web-1 --data /var/lib/wpsync --root /srv/wp-content --zk zk-0:2181,zk-1:2181 \\",
        "      --http 0.0.0.0:8081 --p2p 0.0.0.0:7070 --secret-file /etc/wpsync/secret --link uploads=/mnt/uploads"})
public final class AgentCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--id", defaultValue = "${env:WPSYNC_ID}", paramLabel = "ID",
      description = "Agent id, unique in the network (default: this host's name; env WPSYNC_ID).")
  String id;

  @Option(names = "--network", defaultValue = "${env:WPSYNC_NETWORK:-default}", paramLabel = "NAME",
      description = "WordPress network this agent serves; its ZooKeeper namespace is wpsync/<NAME> (default: ${DEFAULT-VALUE}; env WPSYNC_NETWORK).")
  String network;

  @Option(names = "--data", defaultValue = "${env:WPSYNC_DATA}", paramLabel = "DIR",
      description = "Private state directory: object store and temporary files (required; env WPSYNC_DATA).")
  Path data;

  @Option(names = "--root", defaultValue = "${env:WPSYNC_ROOT}", paramLabel = "DIR",
      description = "Directory WordPress pods mount: holds the 'current' symlink and releases/ (required; env WPSYNC_ROOT).")
  Path root;

  @Option(names = "--http", defaultValue = "${env:WPSYNC_HTTP:-0.0.0.0:8081}", paramLabel = "HOST:PORT",
      converter = FlagConverters.HostPortConverter.class,
      description = "Address of the agent's HTTP API (status, /healthz, /readyz, /metrics, capture) (default: ${DEFAULT-VALUE}; env WPSYNC_HTTP).")
  HostPort http;

  @Option(names = "--p2p", defaultValue = "${env:WPSYNC_P2P:-0.0.0.0:7070}", paramLabel = "HOST:PORT",
      converter = FlagConverters.HostPortConverter.class,
      description = "Address of the peer transfer server other agents fetch from (default: ${DEFAULT-VALUE}; env WPSYNC_P2P).")
  HostPort p2p;

  @Option(names = "--zk", defaultValue = "${env:WPSYNC_ZK}", paramLabel = "CONNECT",
      description = "ZooKeeper connect string, e.g. zk-0:2181,zk-1:2181,zk-2:2181 (required; env WPSYNC_ZK).")
  String zk;

  @Option(names = "--secret-file", defaultValue = "${env:WPSYNC_SECRET_FILE}", paramLabel = "FILE",
      description = "Cluster secret shared by every agent and coordinator; authenticates peer connections (required; env WPSYNC_SECRET_FILE).")
  Path secretFile;

  @Option(names = "--token-file", defaultValue = "${env:WPSYNC_TOKEN_FILE}", paramLabel = "FILE",
      description = "Bearer tokens of the agent API, one '<scope> <token>' per line, scope read|capture|admin; without it token-protected routes refuse every call (env WPSYNC_TOKEN_FILE).")
  Path tokenFile;

  @Option(names = "--mode", defaultValue = "${env:WPSYNC_MODE:-read-only}", paramLabel = "read-only|live",
      converter = FlagConverters.ModeConverter.class,
      description = "read-only serves committed releases as they are; live lets WordPress write into current (plugin and theme installs), captures those changes and proposes them to the coordinator as a new release (default: ${DEFAULT-VALUE}; env WPSYNC_MODE).")
  AgentMode mode;

  @Option(names = "--link", paramLabel = "NAME=PATH", converter = FlagConverters.LinkConverter.class,
      description = "Linked path: releases/<id>/NAME becomes a symlink to the absolute directory PATH, shared by all releases (repeatable; env WPSYNC_LINK, comma-separated).")
  List<LinkSpec> links = new ArrayList<>();

  @Option(names = "--zone", defaultValue = "${env:WPSYNC_ZONE}", paramLabel = "ZONE",
      description = "Failure/network zone; peers in the same zone are preferred as download sources (env WPSYNC_ZONE).")
  String zone;

  @Option(names = "--keep", defaultValue = "${env:WPSYNC_KEEP:-5}", paramLabel = "N",
      description = "Releases kept on disk for fast rollback, besides current and staged (default: ${DEFAULT-VALUE}; env WPSYNC_KEEP).")
  int keep;

  @Option(names = "--behind-grace", defaultValue = "${env:WPSYNC_BEHIND_GRACE:-30s}", paramLabel = "DURATION",
      converter = FlagConverters.DurationConverter.class,
      description = "Grace G: how long the agent may lag the committed release (and, with --zk-loss-policy=strict, be without ZooKeeper) before /readyz fails; e.g. 500ms, 30s, 2m (default: ${DEFAULT-VALUE}; env WPSYNC_BEHIND_GRACE).")
  Duration behindGrace;

  @Option(names = "--previous-grace", defaultValue = "${env:WPSYNC_PREVIOUS_GRACE:-60s}", paramLabel = "DURATION",
      converter = FlagConverters.DurationConverter.class,
      description = "How long a release stays on disk after current left it, for requests that resolved it before the switch (the longest PHP request; in live mode also how long the left tree is watched for late writes); e.g. 30s, 2m (default: ${DEFAULT-VALUE}; env WPSYNC_PREVIOUS_GRACE).")
  Duration previousGrace;

  @Option(names = "--zk-loss-policy", defaultValue = "${env:WPSYNC_ZK_LOSS_POLICY:-serve}", paramLabel = "serve|strict",
      converter = FlagConverters.ZkLossPolicyConverter.class,
      description = "When ZooKeeper is unreachable: serve keeps serving the last committed release and stays ready; strict turns not-ready after the grace (default: ${DEFAULT-VALUE}; env WPSYNC_ZK_LOSS_POLICY).")
  ZkLossPolicy zkLossPolicy;

  @Option(names = "--session-timeout", defaultValue = "${env:WPSYNC_SESSION_TIMEOUT:-10s}", paramLabel = "DURATION",
      converter = FlagConverters.DurationConverter.class,
      description = "ZooKeeper session timeout: how fast a dead agent is dropped from a rollout (default: ${DEFAULT-VALUE}; env WPSYNC_SESSION_TIMEOUT).")
  Duration sessionTimeout;

  @Option(names = "--capture-token-file", defaultValue = "${env:WPSYNC_CAPTURE_TOKEN_FILE}", paramLabel = "FILE",
      description = "Live mode: file holding the capture-scoped token this agent presents to the coordinator when it proposes a local change (never an admin token) (env WPSYNC_CAPTURE_TOKEN_FILE).")
  Path captureTokenFile;

  @Option(names = "--coordinator", defaultValue = "${env:WPSYNC_COORDINATOR}", paramLabel = "URL",
      description = "Live mode: coordinator API URL to propose local changes to (default: every coordinator registered in ZooKeeper, in turn; env WPSYNC_COORDINATOR).")
  String coordinator;

  @Option(names = "--capture-quiet", defaultValue = "${env:WPSYNC_CAPTURE_QUIET:-300ms}", paramLabel = "DURATION",
      converter = FlagConverters.DurationConverter.class,
      description = "Live mode: a change is captured once the tree has been quiet this long, so an unzip in progress is never captured half-way (default: ${DEFAULT-VALUE}; env WPSYNC_CAPTURE_QUIET).")
  Duration captureQuiet;

  @Option(names = "--capture-max-wait", defaultValue = "${env:WPSYNC_CAPTURE_MAX_WAIT:-10s}", paramLabel = "DURATION",
      converter = FlagConverters.DurationConverter.class,
      description = "Live mode: ...but no later than this after the first change of a burst (default: ${DEFAULT-VALUE}; env WPSYNC_CAPTURE_MAX_WAIT).")
  Duration captureMaxWait;

  @Option(names = "--capture-min-interval", defaultValue = "${env:WPSYNC_CAPTURE_MIN_INTERVAL:-1s}", paramLabel = "DURATION",
      converter = FlagConverters.DurationConverter.class,
      description = "Live mode: rate limit, two captures start at least this far apart (default: ${DEFAULT-VALUE}; env WPSYNC_CAPTURE_MIN_INTERVAL).")
  Duration captureMinInterval;

  @Option(names = "--capture-rescan", defaultValue = "${env:WPSYNC_CAPTURE_RESCAN:-60s}", paramLabel = "DURATION",
      converter = FlagConverters.DurationConverter.class,
      description = "Live mode: full rescan of the live tree this often, a safety net behind the file watcher (every 5 s while the inotify watch limit leaves directories unwatched) (default: ${DEFAULT-VALUE}; env WPSYNC_CAPTURE_RESCAN).")
  Duration captureRescan;

  @Option(names = "--capture-exclude", paramLabel = "GLOB",
      description = "Live mode: do not capture paths matching GLOB, e.g. caches a plugin keeps under plugins/ ('plugins/*/cache/**'); they keep what the release had (repeatable; env WPSYNC_CAPTURE_EXCLUDE, comma-separated).")
  List<String> captureExcludes = new ArrayList<>();

  /** Builds the configuration, or throws {@link ParameterException} naming the missing or bad flag. */
  AgentConfig toConfig() {
    String agentId = id;
    if (agentId == null || agentId.isBlank()) {
      agentId = hostName();
    }
    require(data, "--data DIR (or WPSYNC_DATA)");
    require(root, "--root DIR (or WPSYNC_ROOT)");
    require(zk, "--zk CONNECT (or WPSYNC_ZK)");
    require(secretFile, "--secret-file FILE (or WPSYNC_SECRET_FILE)");
    List<LinkSpec> allLinks = new ArrayList<>(links);
    String envLinks = System.getenv("WPSYNC_LINK");
    if (allLinks.isEmpty() && envLinks != null && !envLinks.isBlank()) {
      for (String part : envLinks.split(",")) {
        try {
          allLinks.add(LinkSpec.parse(part));
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), "WPSYNC_LINK: " + e.getMessage());
        }
      }
    }
    List<String> excludes = new ArrayList<>(captureExcludes);
    String envExcludes = System.getenv("WPSYNC_CAPTURE_EXCLUDE");
    if (excludes.isEmpty() && envExcludes != null && !envExcludes.isBlank()) {
      for (String part : envExcludes.split(",")) {
        if (!part.isBlank()) {
          excludes.add(part.strip());
        }
      }
    }
    try {
      CaptureSettings d = CaptureSettings.defaults();
      CaptureSettings capture = new CaptureSettings(captureQuiet, captureMaxWait, captureMinInterval, captureRescan,
          d.unwatchedRescan().compareTo(captureRescan) < 0 ? d.unwatchedRescan() : captureRescan, excludes,
          captureTokenFile, coordinator == null || coordinator.isBlank() ? null : coordinator.strip(), d.maxWatches());
      return AgentConfig.of(agentId, data, root, zk)
          .withNetwork(network)
          .withHttp(http)
          .withP2p(p2p)
          .withSecretFile(secretFile)
          .withTokenFile(tokenFile)
          .withMode(mode)
          .withLinks(allLinks)
          .withZone(zone == null || zone.isBlank() ? null : zone)
          .withKeep(keep)
          .withBehindGrace(behindGrace)
          .withPreviousGrace(previousGrace)
          .withZkLossPolicy(zkLossPolicy)
          .withSessionTimeout(sessionTimeout)
          .withCapture(capture);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private void require(Object value, String what) {
    if (value == null || (value instanceof String s && s.isBlank())) {
      throw new ParameterException(spec.commandLine(), "missing " + what);
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
      return "agent";
    }
  }

  @Override
  public Integer call() throws Exception {
    AgentConfig config = toConfig();
    AgentDaemon daemon = AgentDaemon.start(config);
    Thread hook = new Thread(daemon::close, "wpsync-agent-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    spec.commandLine().getOut().printf("agent %s running: http %s, p2p %s, root %s%n", config.id(),
        daemon.httpUrl(), daemon.p2pPort(), config.rootDir());
    spec.commandLine().getOut().flush();
    daemon.awaitClosed();
    return 0;
  }

  /** Runs the command standalone: {@code java -cp ... io.wpsync.agent.AgentCommand --help}. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new AgentCommand()).execute(args));
  }
}
