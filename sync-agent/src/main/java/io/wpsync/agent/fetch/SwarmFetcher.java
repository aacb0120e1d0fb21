package io.wpsync.agent.fetch;

import io.micrometer.core.instrument.MeterRegistry;
import io.wpsync.agent.peer.LocalAvailability;
import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.agent.peer.client.PeerClient;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.store.ContentStore;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * Downloads a release into the local store from a swarm of peers, BitTorrent-style (see {@link
 * SwarmSession} for the scheme). On return every object of the manifest, and the manifest itself,
 * is complete and verified in the store. Pieces already stored (a previous, interrupted run) are
 * never fetched again; pieces stored during the run are served to other peers at once through the
 * agent's {@link LocalAvailability}.
 *
 * <pre>{@code
 * SwarmFetcher fetcher = new SwarmFetcher(store, client, availability, "node-7",
 *     FetchConfig.defaults().withZone("eu-west-1a"), registry);
 * FetchResult r = fetcher.fetch(manifestId, peers, FetchListener.NONE);
 * }</pre>
 *
 * Thread-safe: each {@link #fetch} runs on its caller's thread; interrupting it aborts the
 * download (verified pieces stay).
 */
public final class SwarmFetcher {
  /** What a download needs; shared by the downloads of one agent. */
  record Deps(ContentStore store, PeerClient client, LocalAvailability availability,
      String selfNodeId, FetchConfig config, FetchMetrics metrics) {}

  private final Deps deps;

  public SwarmFetcher(ContentStore store, PeerClient client, LocalAvailability availability,
      String selfNodeId, FetchConfig config, MeterRegistry registry) {
    this.deps = new Deps(Objects.requireNonNull(store), Objects.requireNonNull(client),
        Objects.requireNonNull(availability), selfNodeId, Objects.requireNonNull(config),
        new FetchMetrics(registry));
  }

  /**
   * Ensures the manifest {@code manifestId} and every object it lists are complete and verified in
   * the store, fetching what is missing from {@code peers} (a bounded random subset of them, origins
   * and our zone first; this node itself is skipped).
   *
   * @throws FetchException if the release cannot be completed (no peer holds a missing piece, the
   *     manifest is invalid, the timeout passed)
   * @throws IOException if the local store fails
   * @throws InterruptedException if the calling thread is interrupted (the download stops; verified
   *     pieces stay for a later resume)
   */
  public FetchResult fetch(Digest manifestId, List<PeerAddress> peers, FetchListener progress)
      throws IOException, InterruptedException {
    return new SwarmSession(deps, manifestId, List.copyOf(peers),
        progress == null ? FetchListener.NONE : progress).run();
  }
}
