package io.wpsync.coordinator.release;

import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.core.hash.Digest;
import java.io.IOException;
import java.util.List;

/**
 * Makes a release (its manifest object and every object it lists) complete and verified in this
 * coordinator's store, fetching what is missing from {@code sources}. The daemon backs it with the
 * agent module's {@code SwarmFetcher}.
 */
@FunctionalInterface
public interface ReleaseFetcher {
  void fetch(Digest manifestId, List<PeerAddress> sources) throws IOException, InterruptedException;
}
