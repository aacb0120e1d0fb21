package io.wpsync.agent.rollout;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wpsync.agent.peer.LocalAvailability;
import io.wpsync.agent.peer.PeerAuth;
import io.wpsync.agent.peer.server.PeerServer;
import io.wpsync.agent.peer.server.PeerServerConfig;
import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.cluster.CoordinatorInfo;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestCodec;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.store.FileContentStore;
import io.wpsync.core.wire.ClusterSecret;
import io.wpsync.core.zk.ZkPaths;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;

/**
 * What a coordinator is to agents, for agent tests: an origin store served by a real {@link
 * PeerServer}, registered as {@code /coordinators/<id>}, and release records in {@code /releases}.
 */
public final class TestOrigin implements Closeable {
  public static final String NETWORK = "test";

  private final FileContentStore store;
  private final PeerServer server;
  private final CuratorFramework client;

  public TestOrigin(Path dir, Path secretFile, CuratorFramework client) throws Exception {
    this.client = client;
    this.store = FileContentStore.open(dir.resolve("store"));
    PeerAuth auth = new PeerAuth(NETWORK, "origin-1", ClusterSecret.fromFile(secretFile));
    this.server = PeerServer.start(PeerServerConfig.defaults("127.0.0.1", 0, auth), store,
        new LocalAvailability(store), new SimpleMeterRegistry());
    CoordinatorInfo info = new CoordinatorInfo("origin-1", "http://127.0.0.1:1", "127.0.0.1", server.port(),
        System.currentTimeMillis());
    client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
        .forPath(ZkPaths.coordinator("origin-1"), ClusterJson.write(info));
  }

  /** Writes a random secret file of 48 characters. */
  public static Path secretFile(Path dir) throws IOException {
    Files.createDirectories(dir);
    byte[] raw = new byte[24];
    new java.security.SecureRandom().nextBytes(raw);
    return Files.writeString(dir.resolve("cluster.secret"), java.util.HexFormat.of().formatHex(raw) + "\n");
  }

  /** Stores the files' objects and manifest, publishes {@code /releases/<id>}; returns the manifest id. */
  public String publish(String releaseId, Map<String, String> files) throws Exception {
    List<ManifestEntry> entries = new ArrayList<>();
    Map<String, String> sorted = new TreeMap<>(files);
    java.util.Set<String> dirs = new java.util.TreeSet<>();
    for (String path : sorted.keySet()) {
      for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
        dirs.add(path.substring(0, i));
      }
    }
    dirs.forEach(d -> entries.add(ManifestEntry.directory(d, 0755)));
    for (var e : sorted.entrySet()) {
      byte[] bytes = e.getValue().getBytes(StandardCharsets.UTF_8);
      Digest d = store.put(bytes);
      entries.add(ManifestEntry.file(e.getKey(), 0644, bytes.length, d, List.of()));
    }
    Manifest m = Manifest.of(Manifest.DEFAULT_PIECE_SIZE, entries);
    byte[] encoded = ManifestCodec.encode(m);
    Digest id = store.put(encoded);
    ReleaseInfo info = new ReleaseInfo(releaseId, id.toString(), encoded.length, null, "test", "test release",
        System.currentTimeMillis(), m.totalBytes(), m.fileCount(), 1);
    client.create().creatingParentsIfNeeded().forPath(ZkPaths.release(releaseId), ClusterJson.write(info));
    return id.toString();
  }

  @Override
  public void close() throws IOException {
    server.close();
    store.close();
  }
}
