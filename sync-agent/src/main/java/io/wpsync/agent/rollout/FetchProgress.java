package io.wpsync.agent.rollout;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Progress of the fetch the agent is doing now, for its HTTP status only: per-piece progress never
 * goes to ZooKeeper. Written by the fetching thread, read by HTTP workers; lock-free.
 */
public final class FetchProgress {
  /** What {@code GET /status} shows. */
  public record Snapshot(String release, String purpose, long bytesDone, long bytesTotal, long piecesDone,
      long piecesTotal, long startedAt, boolean active) {}

  private final AtomicReference<String> release = new AtomicReference<>();
  private final AtomicReference<String> purpose = new AtomicReference<>();
  private final AtomicLong bytesDone = new AtomicLong();
  private final AtomicLong bytesTotal = new AtomicLong();
  private final AtomicLong piecesDone = new AtomicLong();
  private final AtomicLong piecesTotal = new AtomicLong();
  private final AtomicLong startedAt = new AtomicLong();
  private volatile boolean active;

  /** Starts tracking a fetch of {@code releaseId} ("prepare ro-…" or "catch-up"). */
  public void begin(String releaseId, String why, long now) {
    release.set(releaseId);
    purpose.set(why);
    bytesDone.set(0);
    bytesTotal.set(0);
    piecesDone.set(0);
    piecesTotal.set(0);
    startedAt.set(now);
    active = true;
  }

  /** Sets the totals once the manifest is known. */
  public void totals(long bytes, long pieces) {
    bytesTotal.set(bytes);
    piecesTotal.set(pieces);
  }

  /** Sets what is done so far (absolute values). */
  public void done(long bytes, long pieces) {
    bytesDone.set(bytes);
    piecesDone.set(pieces);
  }

  /** Adds a piece of {@code bytes} bytes. */
  public void addPiece(long bytes) {
    bytesDone.addAndGet(bytes);
    piecesDone.incrementAndGet();
  }

  public void end() {
    active = false;
  }

  public long bytesDone() {
    return bytesDone.get();
  }

  public Snapshot snapshot() {
    return new Snapshot(release.get(), purpose.get(), bytesDone.get(), bytesTotal.get(), piecesDone.get(),
        piecesTotal.get(), startedAt.get(), active);
  }
}
