package io.wpsync.bench.fanout;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wpsync.agent.fetch.FetchConfig;
import io.wpsync.agent.fetch.FetchListener;
import io.wpsync.agent.fetch.FetchResult;
import io.wpsync.agent.fetch.SwarmFetcher;
import io.wpsync.agent.peer.LocalAvailability;
import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.agent.peer.PeerAuth;
import io.wpsync.agent.peer.client.PeerClient;
import io.wpsync.agent.peer.client.PeerClientConfig;
import io.wpsync.agent.peer.server.PeerServer;
import io.wpsync.agent.peer.server.PeerServerConfig;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.store.FileContentStore;
import io.wpsync.core.wire.ClusterSecret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One agent process of the fan-out benchmark: serves its store over the peer protocol, waits for
 * the harness's go file, fetches the release from the swarm (or, in baseline mode, from the origin
 * only), writes its result, and keeps serving until the stop file appears. An origin only serves,
 * and on stop writes how many piece bytes it uploaded. Ends by itself after {@code --max-seconds}.
 *
 * <p>Options: {@code --id --bind --port --store --secret-file --peers --release --run-dir
 * [--origin] [--seed-dedup-ms N] [--baseline] [--max-seconds N]}
 */
public final class FanoutAgent {
  private FanoutAgent() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = parse(argv);
    String id = a.get("id");
    boolean origin = a.containsKey("origin");
    Path runDir = Path.of(a.get("run-dir"));
    long maxMillis = Long.parseLong(a.getOrDefault("max-seconds", "1200")) * 1000;
    long started = System.currentTimeMillis();
    PeerAuth auth = new PeerAuth("fanout", id, ClusterSecret.fromFile(Path.of(a.get("secret-file"))));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (FileContentStore store = FileContentStore.open(Path.of(a.get("store")))) {
      LocalAvailability availability = new LocalAvailability(store);
      PeerServerConfig sc = PeerServerConfig.defaults(a.get("bind"), Integer.parseInt(a.get("port")), auth)
          .withIoThreads(1)
          .withSeedDedupWindow(Duration.ofMillis(Long.parseLong(a.getOrDefault("seed-dedup-ms", "0"))));
      if (origin) {
        sc = sc.withUploadCaps(Integer.parseInt(a.getOrDefault("origin-per-peer", "2")),
            Integer.parseInt(a.getOrDefault("origin-uploads", "8")));
      } else if (a.containsKey("uploads")) {
        sc = sc.withUploadCaps(Integer.parseInt(a.getOrDefault("uploads-per-peer", "2")),
            Integer.parseInt(a.get("uploads")));
      }
      try (PeerServer server = PeerServer.start(sc, store, availability, registry);
          PeerClient client = new PeerClient(PeerClientConfig.defaults(auth).withIoThreads(1), registry)) {
        if (a.containsKey("warm-up-mib")) {
          try {
            warmUp(Path.of(a.get("store") + ".warm"), auth, Integer.parseInt(a.get("warm-up-mib")));
          } catch (Exception e) { // e.g. a handshake timeout on a starved machine: run cold, say so
            System.out.println("warm-up failed, running cold: " + e);
          }
        }
        write(runDir.resolve("ready-" + id), "ready");
        Path go = runDir.resolve("go");
        Path stop = runDir.resolve("stop");
        while (!Files.exists(go) && !timedOut(started, maxMillis)) {
          Thread.sleep(5);
        }
        if (!origin && Files.exists(go)) {
          List<PeerAddress> peers = readPeers(Path.of(a.get("peers")), a.containsKey("baseline"));
          SwarmFetcher fetcher = new SwarmFetcher(store, client, availability, id,
              FetchConfig.defaults().withInFlightBytes(32L << 20).withTimeout(Duration.ofMillis(maxMillis))
                  .withRequestsPerPeer(Integer.parseInt(a.getOrDefault("requests-per-peer", "4"))),
              registry);
          String line;
          try {
            FetchResult r = fetcher.fetch(Digest.parse(a.get("release")), peers, new ProgressLog(id));
            line = String.format("ok end_ms=%d peer_bytes=%d origin_bytes=%d pieces=%d banned=%d",
                System.currentTimeMillis(), r.bytesFromPeers(), r.bytesFromOrigin(), r.piecesFetched(),
                r.banned().size());
          } catch (Exception e) {
            line = "failed end_ms=" + System.currentTimeMillis() + " " + e;
          }
          write(runDir.resolve("result-" + id), line);
        }
        while (!Files.exists(stop) && !timedOut(started, maxMillis)) {
          Thread.sleep(20);
        }
        registry.getMeters().stream()
            .filter(m -> m.getId().getName().startsWith("wpsync.peer.upload"))
            .forEach(m -> System.out.printf("meter %s %s %s%n", m.getId().getName(), m.getId().getTags(),
                m.measure().iterator().next().getValue()));
        write(runDir.resolve("uploaded-" + id), Long.toString(server.uploadedBytes()));
      }
    }
  }

  /**
   * Makes this JVM behave like a long-running agent before the measurement: serves and fetches a
   * throwaway release over its own loopback twice, so the JIT has compiled the transfer and
   * hashing paths (a C1-only SHA-256 is ten times slower). Leaves nothing behind.
   */
  private static void warmUp(Path dir, PeerAuth auth, int mib) throws Exception {
    for (int round = 0; round < 2; round++) {
      Path src = dir.resolve("src-" + round);
      Path dst = dir.resolve("dst-" + round);
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      try (FileContentStore a = FileContentStore.open(src); FileContentStore b = FileContentStore.open(dst)) {
        FanoutRelease.Generated g = FanoutRelease.generate(a, (long) mib << 20, 1 << 20, round);
        LocalAvailability av = new LocalAvailability(a);
        try (PeerServer s = PeerServer.start(PeerServerConfig.defaults("127.0.0.1", 0, auth).withIoThreads(1),
                a, av, registry);
            PeerClient c = new PeerClient(PeerClientConfig.defaults(auth).withIoThreads(1), registry)) {
          new SwarmFetcher(b, c, new LocalAvailability(b), auth.nodeId() + "-warm", FetchConfig.defaults(), registry)
              .fetch(g.manifest().id(), List.of(new PeerAddress(null, "127.0.0.1", s.port(), true, null)),
                  FetchListener.NONE);
        }
      }
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Logs progress once a second (for the time profile of a run). */
  private static final class ProgressLog implements FetchListener {
    private final String id;
    private long next;
    private long bytes;

    ProgressLog(String id) {
      this.id = id;
    }

    @Override
    public void onPiece(int done, int total, long n, boolean fromOrigin) {
      bytes += n;
      long now = System.currentTimeMillis();
      if (now >= next || done == total) {
        next = now + 1000;
        System.out.printf("progress %s t_ms=%d pieces=%d/%d bytes=%d%n", id, now, done, total, bytes);
      }
    }
  }

  private static boolean timedOut(long started, long maxMillis) {
    return System.currentTimeMillis() - started > maxMillis;
  }

  /** Lines {@code nodeId host port origin}; in baseline mode only origins. */
  private static List<PeerAddress> readPeers(Path file, boolean baseline) throws Exception {
    List<PeerAddress> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 4) {
        continue;
      }
      boolean origin = Boolean.parseBoolean(f[3]);
      if (!baseline || origin) {
        out.add(new PeerAddress(f[0], f[1], Integer.parseInt(f[2]), origin, null));
      }
    }
    return out;
  }

  private static void write(Path file, String text) throws Exception {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text + "\n");
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
  }

  private static Map<String, String> parse(String[] argv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < argv.length; i++) {
      if (!argv[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + argv[i]);
      }
      String k = argv[i].substring(2);
      if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
        m.put(k, argv[++i]);
      } else {
        m.put(k, "true");
      }
    }
    for (String required : List.of("id", "bind", "port", "store", "secret-file", "run-dir")) {
      if (!m.containsKey(required)) {
        throw new IllegalArgumentException("missing --" + required);
      }
    }
    return m;
  }
}
