package io.wpsync.agent.fetch;

import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.agent.peer.client.PeerConnection;
import io.wpsync.agent.peer.client.PeerException;
import io.wpsync.agent.peer.client.PeerListener;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.wire.ErrorCode;
import io.wpsync.core.wire.Message;
import io.wpsync.core.wire.PieceSpace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One swarm download of one release. Every decision is taken on the calling thread, which
 * consumes {@link SwarmEvent}s from one queue (network callbacks and verify threads only enqueue),
 * so the state needs no locks.
 *
 * <p>Design: connect to a bounded subset of peers (origins first, own zone preferred) and follow
 * their BITFIELD/HAVE; keep every usable peer busy with up to {@code maxRequestsPerPeer} requests,
 * each for the rarest missing piece it holds ({@link PieceBoard}); ask origins only for pieces no
 * connected peer holds. Each stored piece is announced at once to our own followers (HAVE), so it
 * can be re-served while the download goes on. A corrupt piece bans its sender for the rest of the
 * download and goes back to the pool. Requests in flight are capped in bytes, so memory stays
 * bounded whatever the release size.
 */
final class SwarmSession {
  private static final Logger LOG = LoggerFactory.getLogger(SwarmSession.class);
  private static final long BUSY_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final long RESERVE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final long RESCAN_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final SwarmFetcher.Deps deps;
  private final FetchConfig config;
  private final Digest manifestId;
  private final FetchListener listener;
  private final Random random = new Random();
  private final LinkedBlockingQueue<SwarmEvent> queue = new LinkedBlockingQueue<>();
  private final Map<PeerConnection, RemotePeer> peers = new IdentityHashMap<>();
  private final Deque<PeerAddress> reserve;
  private final Set<String> banned = new LinkedHashSet<>();
  private int connecting;
  /** Set when the download ends: late connections close themselves. */
  private volatile boolean finished;

  private PieceSpace space;
  private PieceBoard board;
  private PieceWriter writer;
  private ExecutorService verifiers;
  private int[] missingInObject;
  private int completionsPending;
  private long inFlightBytes;
  private long lastProgress;
  private long lastRescan;
  /** Every peer must be considered by the next {@link #assign()} (a piece went back to the pool). */
  private boolean rescanAll = true;
  private int fetched;
  private long bytesFromPeers;
  private long bytesFromOrigin;

  SwarmSession(SwarmFetcher.Deps deps, Digest manifestId, List<PeerAddress> candidates,
      FetchListener listener) {
    this.deps = deps;
    this.config = deps.config();
    this.manifestId = manifestId;
    this.listener = listener;
    this.reserve = new ArrayDeque<>(PeerSelector.order(candidates, deps.selfNodeId(),
        config.selfZone(), random));
  }

  FetchResult run() throws IOException, InterruptedException {
    long start = System.nanoTime();
    long deadline = start + config.timeout().toNanos();
    lastProgress = start;
    try {
      connectMore(config.maxPeers());
      Manifest manifest = loadManifest(deadline);
      space = PieceSpace.of(manifest);
      writer = new PieceWriter(deps.store(), space);
      BitSet held = writer.scan();
      board = new PieceBoard(space.pieceCount(), held, random);
      int present = board.heldCount();
      deps.availability().publish(space, held);
      countMissingPerObject();
      adoptEarlyBitfields();
      listener.onStart(space.pieceCount(), present);
      verifiers = Executors.newFixedThreadPool(config.verifyThreads(), r -> {
        Thread t = new Thread(r, "fetch-verify-" + manifestId.shortHex(8));
        t.setDaemon(true);
        return t;
      });
      while (!board.complete() || completionsPending > 0) {
        assign();
        SwarmEvent e = queue.poll(50, TimeUnit.MILLISECONDS);
        while (e != null) {
          handle(e);
          e = queue.poll();
        }
        checkStall(deadline);
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      deps.metrics().duration.record(took);
      return new FetchResult(manifestId, space.pieceCount(), fetched, present, bytesFromPeers,
          bytesFromOrigin, Collections.unmodifiableSet(banned), took);
    } finally {
      finished = true;
      for (RemotePeer p : peers.values()) {
        p.connection.close();
      }
      for (SwarmEvent e : queue) {
        if (e instanceof SwarmEvent.Connected c) {
          c.peer().connection.close();
        }
      }
      if (verifiers != null) {
        for (Runnable r : verifiers.shutdownNow()) {
          if (r instanceof WriteTask w) {
            w.piece.data().release(); // received but never written: free the buffer
          }
        }
        verifiers.awaitTermination(10, TimeUnit.SECONDS);
      }
      if (writer != null) {
        writer.close();
      }
    }
  }

  // ---- connections ----------------------------------------------------------------------------

  private void connectMore(int n) {
    for (int i = 0; i < n && !reserve.isEmpty(); i++) {
      PeerAddress a = reserve.poll();
      connecting++;
      deps.client().connect(a, listenerFor()).whenComplete((c, err) -> {
        if (err != null) {
          queue.add(new SwarmEvent.ConnectFailed(a.toString(), err));
          return;
        }
        try {
          c.interested(manifestId); // before any request: marks the digest as a manifest for dedup
          queue.add(new SwarmEvent.Connected(new RemotePeer(a, c)));
          if (finished) {
            c.close(); // connected after the download ended (the finally block may miss it)
          }
        } catch (RuntimeException e) { // never lose a peer silently: it would count as connecting forever
          queue.add(new SwarmEvent.ConnectFailed(a.toString(), e));
        }
      });
    }
  }

  private PeerListener listenerFor() {
    return new PeerListener() {
      @Override
      public void onBitfield(PeerConnection from, Digest m, int count, BitSet bits) {
        queue.add(new SwarmEvent.Bitfield(from, m, count, bits));
      }

      @Override
      public void onHave(PeerConnection from, Digest m, int index) {
        queue.add(new SwarmEvent.Have(from, m, index));
      }

      @Override
      public void onClosed(PeerConnection from, Throwable cause) {
        queue.add(new SwarmEvent.Closed(from, cause));
      }
    };
  }

  private String describePeers() {
    String pending = connecting + " still connecting, " + reserve.size() + " not tried";
    if (peers.isEmpty()) {
      return "none connected, " + pending;
    }
    StringBuilder b = new StringBuilder();
    peers.values().stream().limit(8).forEach(p -> b.append(b.length() == 0 ? "" : "; ").append(p.describe()));
    return (peers.size() > 8 ? b + "; ..." : b.toString()) + "; " + pending;
  }

  private int connectedCount() {
    int n = 0;
    for (RemotePeer p : peers.values()) {
      if (!p.closed && !p.banned) {
        n++;
      }
    }
    return n;
  }

  // ---- manifest -------------------------------------------------------------------------------

  private Manifest loadManifest(long deadline) throws IOException, InterruptedException {
    if (!deps.store().contains(manifestId)) {
      fetchManifest(deadline);
    }
    try {
      return deps.availability().manifests().get(manifestId);
    } catch (io.wpsync.core.store.CorruptManifestException e) {
      throw new FetchException("release " + manifestId + " has an invalid manifest: " + e.getCause().getMessage(), e);
    }
  }

  /**
   * Asks peers that announced the manifest (non-empty BITFIELD), then origins; peers that have said
   * nothing yet only once every connection attempt has settled and no origin is connected. A busy
   * source is retried after a short pause.
   */
  private void fetchManifest(long deadline) throws IOException, InterruptedException {
    long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    Set<RemotePeer> askedBlindly = new java.util.HashSet<>();
    while (System.nanoTime() < deadline) {
      SwarmEvent e = queue.poll(20, TimeUnit.MILLISECONDS);
      while (e != null) {
        handle(e);
        e = queue.poll();
      }
      boolean settled = connecting == 0 || System.nanoTime() > settle;
      for (RemotePeer p : manifestSources(settled, askedBlindly)) {
        try {
          byte[] bytes = ManifestFetch.fetch(p.connection, manifestId, Duration.ofSeconds(60));
          deps.store().put(manifestId, ByteBuffer.wrap(bytes));
          return;
        } catch (ManifestFetch.BadContentException ex) {
          ban(p, ex.getMessage());
        } catch (PeerException ex) {
          if (ex.code() == ErrorCode.NOT_FOUND) {
            askedBlindly.add(p);
          }
          LOG.debug("manifest {} not available from {}: {}", manifestId.shortHex(12), p.name(), ex.getMessage());
        } catch (IOException ex) {
          LOG.info("manifest {} not available from {}: {}", manifestId.shortHex(12), p.name(), ex.getMessage());
        }
      }
      if (connecting == 0 && connectedCount() == 0) {
        if (reserve.isEmpty()) {
          throw new FetchException("cannot fetch manifest " + manifestId + ": no peer reachable or none has it");
        }
        connectMore(config.maxPeers());
      }
    }
    throw new FetchException("timed out fetching manifest " + manifestId);
  }

  private List<RemotePeer> manifestSources(boolean settled, Set<RemotePeer> askedBlindly) {
    List<RemotePeer> knowing = new ArrayList<>();
    List<RemotePeer> origins = new ArrayList<>();
    List<RemotePeer> rest = new ArrayList<>();
    for (RemotePeer p : peers.values()) {
      if (p.closed || p.banned) {
        continue;
      }
      if (p.address.origin()) {
        origins.add(p);
      } else if (p.pendingCount > 0) {
        knowing.add(p);
      } else if (!askedBlindly.contains(p)) {
        rest.add(p);
      }
    }
    Collections.shuffle(knowing, random);
    Collections.shuffle(origins, random);
    knowing.addAll(origins);
    if (knowing.isEmpty() && settled) {
      return rest;
    }
    return knowing;
  }

  // ---- scheduling -----------------------------------------------------------------------------

  private void countMissingPerObject() {
    missingInObject = new int[space.objects().size()];
    for (int k = 0; k < missingInObject.length; k++) {
      int first = space.firstPiece(k);
      int n = space.objects().get(k).pieceCount();
      for (int i = first; i < first + n; i++) {
        if (!board.isHeld(i)) {
          missingInObject[k]++;
        }
      }
    }
  }

  /**
   * Gives work to peers whose situation changed (a free slot, a new piece announced) or, every
   * {@link #RESCAN_NANOS}, to all (busy back-offs and origin deferrals expire with time). Looking
   * only at changed peers keeps the cost per event small: a HAVE does not rescan the release.
   */
  private void assign() {
    long now = System.nanoTime();
    if (now - lastRescan > RESCAN_NANOS) {
      lastRescan = now;
      rescanAll = true;
    }
    List<RemotePeer> order = new ArrayList<>(peers.values());
    Collections.shuffle(order, random);
    for (RemotePeer p : order) {
      if (!p.dirty && !rescanAll) {
        continue;
      }
      p.dirty = false;
      // requests to an origin are not held back by the byte budget (they are few: its own caps
      // bound them), so a budget full of slow peer requests never starves the seed
      while (p.usable(now, config.maxRequestsPerPeer())
          && (p.address.origin() || inFlightBytes < config.maxInFlightBytes())) {
        int i = board.pick(p.bits, p.address.origin(), now);
        if (i < 0) {
          break;
        }
        request(p, i);
      }
    }
    rescanAll = false;
  }

  private void request(RemotePeer p, int i) {
    PieceSpace.Ref ref = space.ref(i);
    board.markRequested(i);
    p.inFlight++;
    inFlightBytes += ref.length();
    p.connection.getPiece(ref.objectDigest(), space.manifest().pieceSize(), ref.local())
        .whenComplete((piece, err) -> {
          if (err != null) {
            queue.add(new SwarmEvent.Failed(p, i, err instanceof CompletionException ? err.getCause() : err));
            return;
          }
          try {
            verifiers.execute(new WriteTask(p, ref, piece));
          } catch (RejectedExecutionException e) {
            piece.data().release(); // the download is over
          }
        });
  }

  // ---- events ---------------------------------------------------------------------------------

  private void handle(SwarmEvent e) throws IOException {
    if (e instanceof SwarmEvent.Connected c) {
      connecting--;
      peers.put(c.peer().connection, c.peer());
      c.peer().dirty = true;
      lastProgress = System.nanoTime();
    } else if (e instanceof SwarmEvent.ConnectFailed f) {
      connecting--;
      LOG.info("cannot connect to peer {}: {}", f.peer(), f.cause().toString());
    } else if (e instanceof SwarmEvent.Bitfield b) {
      RemotePeer p = peers.get(b.from());
      if (p != null && b.manifestId().equals(manifestId)) {
        applyBitfield(p, b.bits(), b.pieceCount());
      }
    } else if (e instanceof SwarmEvent.Have h) {
      onHave(h);
    } else if (e instanceof SwarmEvent.Closed c) {
      RemotePeer p = peers.get(c.from());
      if (p != null && !p.closed) {
        dropHoldings(p);
        p.closed = true;
      }
    } else if (e instanceof SwarmEvent.Stored s) {
      onStored(s);
    } else if (e instanceof SwarmEvent.Corrupt c) {
      finishRequest(c.from(), c.index());
      board.unrequest(c.index());
      rescanAll = true;
      deps.metrics().verificationFailures.increment();
      ban(c.from(), c.why());
    } else if (e instanceof SwarmEvent.Failed f) {
      finishRequest(f.from(), f.index());
      board.unrequest(f.index());
      rescanAll = true;
      onFailed(f);
    } else if (e instanceof SwarmEvent.StoreFailed s) {
      throw new FetchException("storing release " + manifestId + " failed: " + s.cause().getMessage(), s.cause());
    } else if (e instanceof SwarmEvent.ObjectDone d) {
      completionsPending--;
      if (d.failure() != null) {
        throw new FetchException("object " + space.objects().get(d.object()).digest() + " of release "
            + manifestId + " does not verify although all its pieces did (inconsistent manifest?): "
            + d.failure().getMessage(), d.failure());
      }
    }
  }

  /** Bitfields and HAVEs that arrived before the manifest was known now count. */
  private void adoptEarlyBitfields() {
    for (RemotePeer p : peers.values()) {
      if (p.pendingCount != 0 && p.pendingCount != space.pieceCount()) {
        p.bits = new BitSet();
      }
      p.bits.clear(space.pieceCount(), Math.max(space.pieceCount(), p.bits.length()));
      if (!p.address.origin() && !p.banned && !p.closed) {
        board.addHolders(p.bits, +1);
      }
    }
  }

  private void applyBitfield(RemotePeer p, BitSet bits, int count) {
    p.bitfields++;
    if (space == null) {
      p.bits = bits;
      p.pendingCount = count;
      return;
    }
    dropHoldings(p);
    if (count != 0 && count != space.pieceCount()) {
      LOG.warn("peer {} sent a bitfield of {} pieces for release {} of {}; ignored", p.name(), count,
          manifestId.shortHex(12), space.pieceCount());
      bits = new BitSet();
    }
    p.bits = (BitSet) bits.clone();
    p.pendingCount = count;
    p.dirty = true;
    if (!p.address.origin() && !p.banned && !p.closed) {
      board.addHolders(p.bits, +1);
    }
  }

  private void dropHoldings(RemotePeer p) {
    if (board != null && !p.address.origin() && !p.banned && !p.closed) {
      board.addHolders(p.bits, -1);
    }
  }

  private void onHave(SwarmEvent.Have h) {
    RemotePeer p = peers.get(h.from());
    if (p == null || !h.manifestId().equals(manifestId) || p.bits.get(h.index())) {
      return;
    }
    if (space != null && h.index() >= space.pieceCount()) {
      return;
    }
    p.bits.set(h.index());
    if (board != null && !p.address.origin() && !p.banned && !p.closed) {
      board.addHolder(h.index(), +1);
      if (!board.isHeld(h.index()) && !board.isRequested(h.index())) {
        p.dirty = true;
      }
    }
  }

  private void onStored(SwarmEvent.Stored s) {
    finishRequest(s.from(), s.index());
    if (board.isHeld(s.index())) {
      return;
    }
    board.markHeld(s.index());
    deps.availability().have(manifestId, s.index());
    lastProgress = System.nanoTime();
    fetched++;
    boolean origin = s.from().address.origin();
    if (origin) {
      bytesFromOrigin += s.bytes();
      deps.metrics().bytesFromOrigin.increment(s.bytes());
    } else {
      bytesFromPeers += s.bytes();
      deps.metrics().bytesFromPeers.increment(s.bytes());
    }
    deps.metrics().pieces.increment();
    listener.onPiece(board.heldCount(), board.count(), s.bytes(), origin);
    int k = space.objectOf(s.index());
    if (--missingInObject[k] == 0 && space.objects().get(k).pieceCount() > 1) {
      completionsPending++;
      verifiers.execute(() -> writer.complete(k, queue::add));
    }
  }

  private void onFailed(SwarmEvent.Failed f) {
    RemotePeer p = f.from();
    if (f.cause() instanceof PeerException pe && !pe.fatal()) {
      ErrorCode code = pe.code();
      switch (code) {
        case BUSY -> {
          p.busy++;
          p.busyUntil = System.nanoTime() + BUSY_BACKOFF_NANOS;
        }
        case ALREADY_SEEDED -> board.deferOrigin(f.index(), System.nanoTime() + config.seedDeferral().toNanos());
        case NOT_FOUND -> {
          p.notFound++;
          if (p.bits.get(f.index())) {
            dropHoldings(p);
            p.bits.clear(f.index());
            if (!p.address.origin() && !p.banned && !p.closed) {
              board.addHolders(p.bits, +1);
            }
          }
        }
        default -> ban(p, pe.getMessage()); // an answer that does not match the request
      }
    } else if (f.cause() instanceof TimeoutException) {
      LOG.info("peer {} is too slow ({}); disconnecting", p.name(), f.cause().getMessage());
      p.connection.close();
    }
  }

  private void finishRequest(RemotePeer p, int index) {
    p.dirty = true;
    p.inFlight--;
    inFlightBytes -= space.ref(index).length();
  }

  private void ban(RemotePeer p, String why) {
    if (p.banned) {
      return;
    }
    LOG.warn("banning peer {} for the rest of release {}: {}", p.name(), manifestId.shortHex(12), why);
    dropHoldings(p);
    p.banned = true;
    banned.add(p.address.nodeId() != null ? p.address.nodeId() : p.name());
    p.connection.close();
    listener.onBanned(p.name(), why);
  }

  private void checkStall(long deadline) throws FetchException {
    long now = System.nanoTime();
    if (now > deadline) {
      throw new FetchException(String.format("release %s: timed out after %s with %d of %d pieces",
          manifestId, config.timeout(), board.heldCount(), board.count()));
    }
    if (board.requestedCount() > 0 || completionsPending > 0 || board.complete()) {
      return;
    }
    if (now - lastProgress > RESERVE_AFTER_NANOS && !reserve.isEmpty() && connecting == 0) {
      connectMore(Math.max(5, config.maxPeers() / 4));
      lastProgress = now;
    }
    boolean nobody = connecting == 0 && connectedCount() == 0 && reserve.isEmpty();
    if (nobody || now - lastProgress > config.stallTimeout().toNanos()) {
      BitSet any = new BitSet();
      peers.values().stream().filter(p -> !p.closed && !p.banned).forEach(p -> any.or(p.bits));
      int missing = board.unobtainable(any);
      throw new FetchException(String.format(
          "release %s stalled with %d of %d pieces: %s (e.g. piece %d of object %s); peers: %s", manifestId,
          board.heldCount(), board.count(), nobody ? "no peer left to ask" : "no connected peer holds the rest",
          missing < 0 ? -1 : space.ref(missing).local(),
          missing < 0 ? "?" : space.ref(missing).objectDigest(), describePeers()));
    }
  }

  /** A received piece waiting for a verify thread; its buffer is released if it never runs. */
  private final class WriteTask implements Runnable {
    final RemotePeer from;
    final PieceSpace.Ref ref;
    final Message.Piece piece;

    WriteTask(RemotePeer from, PieceSpace.Ref ref, Message.Piece piece) {
      this.from = from;
      this.ref = ref;
      this.piece = piece;
    }

    @Override
    public void run() {
      writer.write(from, ref, piece, queue::add);
    }
  }
}
