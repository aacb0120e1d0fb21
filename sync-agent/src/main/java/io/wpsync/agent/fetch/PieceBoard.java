package io.wpsync.agent.fetch;

import java.util.BitSet;
import java.util.Random;

/**
 * The download's view of the release's pieces: which we hold, which are requested, how many
 * connected non-origin peers hold each (rarity), and which an origin asked us to take elsewhere.
 *
 * <p>Picking is rarest-first with a random tie-break: the scan starts at a random index and stops
 * early at the lowest possible rarity. It walks whichever is sparser, the pieces still wanted
 * (missing and not requested) or the peer's, so a release that differs from what we hold by a few
 * pieces costs a few steps per pick, not one per piece of the release. Origins are only
 * asked for pieces no connected peer holds, so they seed new pieces rather than duplicates.
 * Confined to the download's thread.
 */
final class PieceBoard {
  private final int count;
  private final BitSet held;
  private final BitSet requested = new BitSet();
  /** Missing and not requested: what a pick may return. */
  private final BitSet wanted;
  private final int[] holders;
  private final long[] originDeferredUntil;
  private final Random random;

  PieceBoard(int count, BitSet held, Random random) {
    this.count = count;
    this.held = (BitSet) held.clone();
    this.wanted = new BitSet(count);
    wanted.set(0, count);
    wanted.andNot(held);
    this.holders = new int[count];
    this.originDeferredUntil = new long[count];
    this.random = random;
  }

  int count() {
    return count;
  }

  int heldCount() {
    return held.cardinality();
  }

  boolean complete() {
    return held.cardinality() == count;
  }

  boolean isHeld(int i) {
    return held.get(i);
  }

  void markHeld(int i) {
    held.set(i);
    requested.clear(i);
    wanted.clear(i);
  }

  boolean isRequested(int i) {
    return requested.get(i);
  }

  void markRequested(int i) {
    requested.set(i);
    wanted.clear(i);
  }

  void unrequest(int i) {
    requested.clear(i);
    if (!held.get(i)) {
      wanted.set(i);
    }
  }

  int requestedCount() {
    return requested.cardinality();
  }

  /** A peer's holdings changed: {@code +1} or {@code -1} for each piece in {@code bits}. */
  void addHolders(BitSet bits, int delta) {
    for (int i = bits.nextSetBit(0); i >= 0 && i < count; i = bits.nextSetBit(i + 1)) {
      holders[i] += delta;
    }
  }

  void addHolder(int i, int delta) {
    holders[i] += delta;
  }

  int holders(int i) {
    return holders[i];
  }

  void deferOrigin(int i, long untilNanos) {
    originDeferredUntil[i] = untilNanos;
  }

  /**
   * The rarest missing, unrequested piece among {@code has}, or -1. For an origin only pieces no
   * connected peer holds and that are not deferred qualify.
   */
  int pick(BitSet has, boolean origin, long nowNanos) {
    if (wanted.isEmpty()) {
      return -1;
    }
    boolean walkWanted = wanted.cardinality() <= has.cardinality();
    BitSet walk = walkWanted ? wanted : has;
    BitSet filter = walkWanted ? has : wanted;
    int start = random.nextInt(count);
    int best = -1;
    int bestHolders = Integer.MAX_VALUE;
    int floor = origin ? 0 : 1;
    for (int n = 0; n < 2; n++) { // [start, count) then [0, start)
      int from = n == 0 ? start : 0;
      int to = n == 0 ? count : start;
      for (int i = walk.nextSetBit(from); i >= 0 && i < to; i = walk.nextSetBit(i + 1)) {
        if (!filter.get(i)) {
          continue;
        }
        if (origin && (holders[i] > 0 || originDeferredUntil[i] - nowNanos > 0)) {
          continue;
        }
        if (holders[i] < bestHolders) {
          best = i;
          bestHolders = holders[i];
          if (bestHolders <= floor) {
            return best;
          }
        }
      }
    }
    return best;
  }

  /** A missing piece nobody connected can supply now (ignoring requests in flight), or -1. */
  int unobtainable(BitSet anyHolder) {
    for (int i = held.nextClearBit(0); i < count; i = held.nextClearBit(i + 1)) {
      if (!requested.get(i) && !anyHolder.get(i)) {
        return i;
      }
    }
    return -1;
  }
}
