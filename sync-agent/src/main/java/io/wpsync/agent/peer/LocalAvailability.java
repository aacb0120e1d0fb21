package io.wpsync.agent.peer;

import io.netty.channel.Channel;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.store.ContentStore;
import io.wpsync.core.store.ManifestCache;
import io.wpsync.core.wire.Message;
import io.wpsync.core.wire.PieceSpace;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which pieces of which releases this agent holds, shared by its swarm downloads (which {@link
 * #publish} and {@link #have} pieces as they verify them) and its peer server (whose connections
 * {@link #subscribe} to a release and receive BITFIELD, then HAVE updates).
 *
 * <p>A release nobody published is computed once from the store when a peer first asks (for a
 * seed that holds a complete release). Memory is bounded: at most {@link #MAX_RELEASES} releases
 * are remembered (least recently published dropped first), and a subscriber whose channel is not
 * writable gets no HAVE queued; it is marked and receives one fresh BITFIELD when it drains.
 * Thread-safe; each release is guarded by its own lock.
 */
public final class LocalAvailability {
  /** Releases remembered at once. */
  public static final int MAX_RELEASES = 8;
  private static final Logger LOG = LoggerFactory.getLogger(LocalAvailability.class);

  private final ContentStore store;
  private final ManifestCache manifests;
  private final Map<Digest, Release> releases = new LinkedHashMap<>(16, 0.75f, true);

  public LocalAvailability(ContentStore store) {
    this(ManifestCache.over(store));
  }

  /** Shares the daemon's decoded manifests (the fetches that publish here read the same ones). */
  public LocalAvailability(ManifestCache manifests) {
    this.manifests = manifests;
    this.store = manifests.store();
  }

  /** The decoded manifests of this agent's store. */
  public ManifestCache manifests() {
    return manifests;
  }

  /** A release's pieces and the channels that follow it. */
  private static final class Release {
    final Digest manifestId;
    PieceSpace space;
    BitSet held = new BitSet();
    final Map<Channel, Boolean> subscribers = new ConcurrentHashMap<>(); // value: needs resync

    Release(Digest manifestId) {
      this.manifestId = manifestId;
    }

    Message.Bitfield snapshot() {
      return new Message.Bitfield(manifestId, space == null ? 0 : space.pieceCount(), held);
    }
  }

  private synchronized Release release(Digest manifestId, boolean create) {
    Release r = releases.get(manifestId);
    if (r == null && create) {
      r = new Release(manifestId);
      releases.put(manifestId, r);
      while (releases.size() > MAX_RELEASES) {
        var eldest = releases.keySet().iterator().next();
        releases.remove(eldest);
      }
    }
    return r;
  }

  /** Declares that this agent holds {@code held} pieces of the release; sends BITFIELD to followers. */
  public void publish(PieceSpace space, BitSet held) {
    Release r = release(space.manifest().id(), true);
    synchronized (r) {
      r.space = space;
      r.held = (BitSet) held.clone();
      Message.Bitfield b = r.snapshot();
      r.subscribers.keySet().forEach(ch -> send(r, ch, b));
    }
  }

  /** Records one newly verified piece and sends HAVE to followers. */
  public void have(Digest manifestId, int index) {
    Release r = release(manifestId, false);
    if (r == null) {
      return;
    }
    synchronized (r) {
      if (r.space == null || r.held.get(index)) {
        return;
      }
      r.held.set(index);
      Message.Have h = new Message.Have(manifestId, index);
      r.subscribers.keySet().forEach(ch -> send(r, ch, h));
    }
  }

  /** True if {@code digest} is the id of a release known here (its manifest object). */
  public boolean isManifest(Digest digest) {
    return release(digest, false) != null;
  }

  /**
   * Makes {@code ch} follow the release: it gets the current BITFIELD now (empty if the manifest is
   * unknown here) and every change until it closes.
   */
  public void subscribe(Digest manifestId, Channel ch) {
    Release r = release(manifestId, true);
    synchronized (r) {
      if (r.space == null) {
        loadFromStore(r);
      }
      r.subscribers.put(ch, Boolean.FALSE);
      ch.writeAndFlush(r.snapshot());
    }
    ch.closeFuture().addListener(f -> r.subscribers.remove(ch));
  }

  /** Called when {@code ch} is writable again: sends one BITFIELD if HAVEs were skipped. */
  public void drained(Channel ch) {
    Release[] all;
    synchronized (this) {
      all = releases.values().toArray(new Release[0]);
    }
    for (Release r : all) {
      synchronized (r) {
        if (r.subscribers.replace(ch, Boolean.TRUE, Boolean.FALSE)) {
          ch.writeAndFlush(r.snapshot());
        }
      }
    }
  }

  /** Piece indices known as held; for tests and metrics. */
  public BitSet held(Digest manifestId) {
    Release r = release(manifestId, false);
    if (r == null) {
      return new BitSet();
    }
    synchronized (r) {
      return (BitSet) r.held.clone();
    }
  }

  private static void send(Release r, Channel ch, Message m) {
    if (ch.isWritable()) {
      ch.writeAndFlush(m);
    } else {
      r.subscribers.put(ch, Boolean.TRUE);
    }
  }

  /** A seed's complete release: derive the held pieces from the store. */
  private void loadFromStore(Release r) {
    if (!store.contains(r.manifestId)) {
      return;
    }
    try {
      Manifest m = manifests.get(r.manifestId);
      PieceSpace space = PieceSpace.of(m);
      BitSet held = new BitSet(space.pieceCount());
      for (int k = 0; k < space.objects().size(); k++) {
        ManifestEntry e = space.objects().get(k);
        int first = space.firstPiece(k);
        if (store.contains(e.digest())) {
          held.set(first, first + e.pieceCount());
        } else if (e.pieceCount() > 1) {
          for (int i = 0; i < e.pieceCount(); i++) {
            if (store.locatePiece(e.digest(), m.pieceSize(), i).isPresent()) {
              held.set(first + i);
            }
          }
        }
      }
      r.space = space;
      r.held = held;
    } catch (Exception e) {
      LOG.warn("cannot derive the pieces of release {} from the store: {}", r.manifestId, e.toString());
    }
  }

  /** Releases currently remembered; for tests. */
  synchronized Set<Digest> known() {
    return Set.copyOf(releases.keySet());
  }
}
