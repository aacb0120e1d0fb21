package io.wpsync.agent.fetch;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wpsync.agent.peer.LocalAvailability;
import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.agent.peer.PeerAuth;
import io.wpsync.agent.peer.PeerTestSupport;
import io.wpsync.agent.peer.client.PeerClient;
import io.wpsync.agent.peer.client.PeerClientConfig;
import io.wpsync.agent.peer.server.PeerServer;
import io.wpsync.agent.peer.server.PeerServerConfig;
import io.wpsync.core.store.FileContentStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** An in-process agent for tests: its own store, peer server on 127.0.0.1, client and fetcher. */
final class TestAgent implements AutoCloseable {
  final String id;
  final boolean origin;
  final FileContentStore store;
  final LocalAvailability availability;
  final PeerServer server;
  final PeerClient client;
  final SwarmFetcher fetcher;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  TestAgent(Path root, String id, boolean origin, PeerAuth auth, Duration seedDedup, FetchConfig config)
      throws IOException {
    this.id = id;
    this.origin = origin;
    this.store = FileContentStore.open(root.resolve(id));
    this.availability = new LocalAvailability(store);
    this.server = PeerServer.start(PeerServerConfig.defaults("127.0.0.1", 0, auth).withIoThreads(1)
        .withSeedDedupWindow(seedDedup), store, availability, registry);
    this.client = new PeerClient(PeerClientConfig.defaults(auth).withIoThreads(1), registry);
    this.fetcher = new SwarmFetcher(store, client, availability, id, config, registry);
  }

  static TestAgent start(Path root, String id, boolean origin) throws IOException {
    return new TestAgent(root, id, origin, PeerTestSupport.auth(id),
        origin ? Duration.ofSeconds(5) : Duration.ZERO,
        FetchConfig.defaults().withInFlightBytes(16L << 20).withStallTimeout(Duration.ofSeconds(30))
            .withTimeout(Duration.ofMinutes(3)));
  }

  PeerAddress address() {
    return new PeerAddress(id, "127.0.0.1", server.port(), origin, null);
  }

  double counter(String name, String... tags) {
    var c = registry.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Override
  public void close() throws IOException {
    try {
      client.close();
      server.close();
    } finally {
      store.close();
    }
  }
}
