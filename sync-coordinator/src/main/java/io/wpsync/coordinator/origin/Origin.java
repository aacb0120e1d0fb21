package io.wpsync.coordinator.origin;

import io.micrometer.core.instrument.MeterRegistry;
import io.wpsync.agent.fetch.FetchConfig;
import io.wpsync.agent.fetch.FetchListener;
import io.wpsync.agent.fetch.SwarmFetcher;
import io.wpsync.agent.peer.LocalAvailability;
import io.wpsync.agent.peer.PeerAuth;
import io.wpsync.agent.peer.client.PeerClient;
import io.wpsync.agent.peer.client.PeerClientConfig;
import io.wpsync.agent.peer.server.PeerServer;
import io.wpsync.agent.peer.server.PeerServerConfig;
import io.wpsync.coordinator.release.ReleaseFetcher;
import io.wpsync.core.store.ContentStore;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

/**
 * The coordinator as an origin: its object store served to agents (and to other coordinators) by
 * the agent module's {@link PeerServer} on {@code --p2p}, authenticated with the cluster secret,
 * plus the client side a standby uses to replicate releases ({@link #fetcher()}).
 *
 * <pre>{@code
 * try (Origin origin = Origin.start("0.0.0.0", 7071, new PeerAuth(network, id, secret), store, registry)) {
 *   origin.fetcher().fetch(manifestId, sources);
 * }
 * }</pre>
 */
public final class Origin implements Closeable {
  private final PeerServer server;
  private final PeerClient client;
  private final ReleaseFetcher fetcher;
  private final ContentStore store;
  private final LocalAvailability availability;
  private final String nodeId;
  private final MeterRegistry registry;

  private Origin(PeerServer server, PeerClient client, ReleaseFetcher fetcher, ContentStore store,
      LocalAvailability availability, String nodeId, MeterRegistry registry) {
    this.server = server;
    this.client = client;
    this.fetcher = fetcher;
    this.store = store;
    this.availability = availability;
    this.nodeId = nodeId;
    this.registry = registry;
  }

  /** Binds the peer server on {@code host:port} (0 for an ephemeral port). */
  public static Origin start(String host, int port, PeerAuth auth, ContentStore store, MeterRegistry registry,
      Duration fetchTimeout) throws IOException {
    LocalAvailability availability = new LocalAvailability(store);
    PeerServer server = PeerServer.start(PeerServerConfig.defaults(host, port, auth), store, availability, registry);
    PeerClient client;
    try {
      client = new PeerClient(PeerClientConfig.defaults(auth), registry);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    SwarmFetcher swarm = new SwarmFetcher(store, client, availability, auth.nodeId(),
        FetchConfig.defaults().withTimeout(fetchTimeout), registry);
    return new Origin(server, client, (manifestId, sources) -> swarm.fetch(manifestId, sources, FetchListener.NONE),
        store, availability, auth.nodeId(), registry);
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** Fetches a release from other origins into this store (used by the replicator). */
  public ReleaseFetcher fetcher() {
    return fetcher;
  }

  /**
   * A fetcher with other settings over the same connections and store, e.g. a short stall timeout
   * for a local-change proposal's few objects from the one agent that has them (that agent retries
   * at once, so failing fast beats waiting a minute).
   */
  public ReleaseFetcher fetcher(FetchConfig config) {
    SwarmFetcher swarm = new SwarmFetcher(store, client, availability, nodeId, config, registry);
    return (manifestId, sources) -> swarm.fetch(manifestId, sources, FetchListener.NONE);
  }

  @Override
  public void close() {
    client.close();
    server.close();
  }
}
