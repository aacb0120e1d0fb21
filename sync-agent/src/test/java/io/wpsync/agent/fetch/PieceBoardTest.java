package io.wpsync.agent.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PieceBoardTest {
  private static BitSet range(int from, int to) {
    BitSet b = new BitSet();
    b.set(from, to);
    return b;
  }

  @Test
  void picksOnlyMissingUnrequestedPiecesThePeerHas() {
    PieceBoard board = new PieceBoard(4, range(0, 2), new Random(1)); // holds 0 and 1
    BitSet peer = range(0, 4);
    board.addHolders(peer, 1);
    int first = board.pick(peer, false, 0);
    assertThat(first).isIn(2, 3);
    board.markRequested(first);
    int second = board.pick(peer, false, 0);
    assertThat(second).isIn(2, 3).isNotEqualTo(first);
    board.markRequested(second);
    assertThat(board.pick(peer, false, 0)).isEqualTo(-1);
    board.unrequest(first); // the request failed: wanted again
    assertThat(board.pick(peer, false, 0)).isEqualTo(first);
    board.markHeld(first);
    board.markHeld(second);
    assertThat(board.complete()).isTrue();
    assertThat(board.pick(peer, false, 0)).isEqualTo(-1);
    board.unrequest(first); // a late failure of a piece we hold changes nothing
    assertThat(board.pick(peer, false, 0)).isEqualTo(-1);
  }

  @Test
  void aPeerWithoutTheMissingPieceGetsNoRequest() {
    PieceBoard board = new PieceBoard(10, range(0, 9), new Random(2)); // only 9 is missing
    BitSet peer = range(0, 9);
    board.addHolders(peer, 1);
    assertThat(board.pick(peer, false, 0)).isEqualTo(-1);
    BitSet other = range(9, 10);
    assertThat(board.pick(other, false, 0)).isEqualTo(9);
  }

  @Test
  void oneMissingPieceOfALargeReleaseIsFoundWhicheverSideIsSparser() {
    int count = 100_000;
    BitSet held = range(0, count);
    held.clear(73_456);
    PieceBoard board = new PieceBoard(count, held, new Random(3));
    BitSet everything = range(0, count);
    board.addHolders(everything, 1);
    assertThat(board.pick(everything, false, 0)).isEqualTo(73_456); // walks the one wanted piece
    BitSet justIt = new BitSet();
    justIt.set(73_456);
    assertThat(board.pick(justIt, false, 0)).isEqualTo(73_456);
    PieceBoard fresh = new PieceBoard(count, new BitSet(), new Random(4));
    assertThat(fresh.pick(justIt, false, 0)).isEqualTo(73_456); // walks the peer's one piece
  }

  @Test
  void originsSeedOnlyPiecesNoPeerHoldsAndNotDeferredOnes() {
    PieceBoard board = new PieceBoard(3, new BitSet(), new Random(5));
    BitSet origin = range(0, 3);
    BitSet peer = range(0, 1);
    board.addHolders(peer, 1);
    board.deferOrigin(1, 1_000);
    assertThat(board.pick(origin, true, 0)).isEqualTo(2);
    board.markRequested(2);
    assertThat(board.pick(origin, true, 0)).isEqualTo(-1); // 0: a peer has it; 1: deferred
    assertThat(board.pick(origin, true, 2_000)).isEqualTo(1); // the deferral expired
  }

  @Test
  void randomBoardsAgreeWithAPlainScan() {
    Random r = new Random(42);
    for (int round = 0; round < 2_000; round++) {
      int count = 1 + r.nextInt(300);
      BitSet held = randomBits(r, count, r.nextDouble());
      PieceBoard board = new PieceBoard(count, held, new Random(r.nextLong()));
      int[] holders = new int[count];
      for (int p = 0; p < 3; p++) {
        BitSet bits = randomBits(r, count, r.nextDouble());
        board.addHolders(bits, 1);
        for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
          holders[i]++;
        }
      }
      BitSet requested = new BitSet();
      for (int i = 0; i < count; i++) {
        if (!held.get(i) && r.nextInt(4) == 0) {
          board.markRequested(i);
          requested.set(i);
          if (r.nextBoolean()) {
            board.unrequest(i);
            requested.clear(i);
          }
        }
      }
      BitSet has = randomBits(r, count, r.nextDouble());
      boolean origin = r.nextInt(3) == 0;
      int min = Integer.MAX_VALUE;
      for (int i = 0; i < count; i++) {
        if (has.get(i) && !held.get(i) && !requested.get(i) && (!origin || holders[i] == 0)) {
          min = Math.min(min, holders[i]);
        }
      }
      int picked = board.pick(has, origin, 0);
      if (min == Integer.MAX_VALUE) {
        assertThat(picked).as("round %d", round).isEqualTo(-1);
      } else {
        assertThat(picked).as("round %d", round).isNotNegative();
        assertThat(has.get(picked) && !held.get(picked) && !requested.get(picked)).as("round %d", round).isTrue();
        // rarest first, except that a piece at the floor (0 for an origin, 1 otherwise) ends the scan
        assertThat(holders[picked]).as("round %d", round).isLessThanOrEqualTo(Math.max(min, origin ? 0 : 1));
      }
    }
  }

  private static BitSet randomBits(Random r, int count, double density) {
    BitSet b = new BitSet();
    for (int i = 0; i < count; i++) {
      if (r.nextDouble() < density) {
        b.set(i);
      }
    }
    return b;
  }
}
