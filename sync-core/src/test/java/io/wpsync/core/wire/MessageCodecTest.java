package io.wpsync.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.wpsync.core.hash.Digest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageCodecTest {
  private static final Digest D = Digest.of("object".getBytes(StandardCharsets.UTF_8));
  private static final Digest M = Digest.of("manifest".getBytes(StandardCharsets.UTF_8));

  static List<Message> everyMessage() {
    byte[] n = new byte[32];
    new Random(1).nextBytes(n);
    byte[] p = new byte[32];
    new Random(2).nextBytes(p);
    BitSet bits = new BitSet();
    bits.set(0);
    bits.set(7);
    bits.set(8);
    bits.set(12);
    return List.of(
        new Message.Hello(Frames.PROTOCOL_VERSION, "prod-eu", "node-ä-1", n),
        new Message.Challenge("node-2", n, p),
        new Message.Auth(p),
        new Message.AuthOk(),
        new Message.Error(ErrorCode.AUTH_FAILED, "bad proof"),
        new Message.GetPiece(42, D, 4 << 20, 3),
        new Message.Interested(M),
        new Message.Bitfield(M, 13, bits),
        new Message.Bitfield(M, 0, new BitSet()),
        new Message.Have(M, 12345),
        new Message.Reject(-7, ErrorCode.BUSY));
  }

  @Test
  void everyMessageRoundTripsThroughEncoderAndDecoder() {
    EmbeddedChannel out = new EmbeddedChannel(new MessageEncoder());
    EmbeddedChannel in = new EmbeddedChannel(new MessageDecoder());
    for (Message m : everyMessage()) {
      assertThat(out.writeOutbound(m)).isTrue();
      ByteBuf frame = out.readOutbound();
      in.writeInbound(frame);
      Message back = in.readInbound();
      assertThat(back).as(m.type().name()).isEqualTo(m);
    }
    assertThat(in.finish()).isFalse();
  }

  @Test
  void pieceRoundTripsWithoutCopyingAndAcrossSplitReads() {
    byte[] data = new byte[100_000];
    new Random(3).nextBytes(data);
    EmbeddedChannel out = new EmbeddedChannel(new MessageEncoder());
    out.writeOutbound(new Message.Piece(9, D, 2, 1L << 33, Unpooled.wrappedBuffer(data)));
    ByteBuf header = out.readOutbound();
    ByteBuf body = out.readOutbound();
    assertThat(body.readableBytes()).isEqualTo(data.length); // the data buffer itself, not a copy
    ByteBuf wire = Unpooled.wrappedBuffer(header, body);

    EmbeddedChannel in = new EmbeddedChannel(new MessageDecoder());
    while (wire.isReadable()) { // dribble the frame in 7 KB reads
      in.writeInbound(wire.readRetainedSlice(Math.min(7000, wire.readableBytes())));
    }
    wire.release();
    Message.Piece p = in.readInbound();
    assertThat(p.requestId()).isEqualTo(9);
    assertThat(p.object()).isEqualTo(D);
    assertThat(p.index()).isEqualTo(2);
    assertThat(p.objectSize()).isEqualTo(1L << 33);
    assertThat(ByteBufBytes.of(p.data())).isEqualTo(data);
    p.data().release();
    assertThat(in.finish()).isFalse();
  }

  @Test
  void truncatedFrameOfEveryTypeIsRejectedAsMalformed() {
    for (Message m : everyMessage()) {
      ByteBuf full = Unpooled.buffer();
      MessageCodec.encode(m, full);
      int bodyLength = full.readableBytes() - 4;
      if (bodyLength <= 1) {
        continue; // AUTH_OK has nothing to truncate
      }
      // a consistent length prefix around a body with its last byte missing
      ByteBuf cut = Unpooled.buffer();
      cut.writeInt(bodyLength - 1);
      cut.writeBytes(full, 4, bodyLength - 1);
      assertRejected(cut, ErrorCode.MALFORMED_FRAME);
    }
  }

  @Test
  void partialFrameWaitsForMoreBytes() {
    ByteBuf full = Unpooled.buffer();
    MessageCodec.encode(new Message.Have(M, 1), full);
    EmbeddedChannel in = new EmbeddedChannel(new MessageDecoder());
    in.writeInbound(full.readRetainedSlice(10));
    assertThat((Object) in.readInbound()).isNull();
    in.writeInbound(full.readRetainedSlice(full.readableBytes()));
    assertThat((Object) in.readInbound()).isEqualTo(new Message.Have(M, 1));
    full.release();
  }

  @Test
  void oversizeLengthIsRejectedBeforeThePayloadArrives() {
    ByteBuf b = Unpooled.buffer();
    b.writeInt(Frames.MAX_FRAME + 1);
    b.writeByte(MessageType.PIECE.code());
    assertRejected(b, ErrorCode.FRAME_TOO_LARGE);

    ByteBuf huge = Unpooled.buffer();
    huge.writeInt(0xFFFFFFFF);
    assertRejected(huge, ErrorCode.FRAME_TOO_LARGE);
  }

  @Test
  void unknownTypeEmptyFrameTrailingBytesAndBadFieldsAreMalformed() {
    assertRejected(Unpooled.buffer().writeInt(1).writeByte(200), ErrorCode.MALFORMED_FRAME);
    assertRejected(Unpooled.buffer().writeInt(0), ErrorCode.MALFORMED_FRAME);
    assertRejected(Unpooled.buffer().writeInt(2).writeByte(MessageType.AUTH_OK.code()).writeByte(0),
        ErrorCode.MALFORMED_FRAME);
    // bitfield whose spare bit is set
    ByteBuf bf = Unpooled.buffer().writeInt(1 + 32 + 4 + 1).writeByte(MessageType.BITFIELD.code());
    bf.writeBytes(M.toBytes()).writeInt(3).writeByte(0xFF);
    assertRejected(bf, ErrorCode.MALFORMED_FRAME);
    // GET_PIECE with a negative piece size
    ByteBuf g = Unpooled.buffer().writeInt(1 + 4 + 32 + 4 + 4).writeByte(MessageType.GET_PIECE.code());
    g.writeInt(1).writeBytes(D.toBytes()).writeInt(-1).writeInt(0);
    assertRejected(g, ErrorCode.MALFORMED_FRAME);
    // HELLO with an empty node id and invalid UTF-8 in the cluster id
    ByteBuf h = Unpooled.buffer().writeInt(1 + 2 + 3 + 2 + 32).writeByte(MessageType.HELLO.code());
    h.writeShort(1).writeShort(1).writeByte(0xC3).writeShort(0).writeBytes(new byte[32]);
    assertRejected(h, ErrorCode.MALFORMED_FRAME);
  }

  @Test
  void randomGarbageNeverEscapesAsAnythingButProtocolException() {
    Random r = new Random(4);
    for (int i = 0; i < 2000; i++) {
      byte[] junk = new byte[r.nextInt(200)];
      r.nextBytes(junk);
      if (r.nextBoolean() && junk.length >= 5) { // plausible length and a known type
        int len = junk.length - 4;
        junk[0] = 0;
        junk[1] = 0;
        junk[2] = (byte) (len >>> 8);
        junk[3] = (byte) len;
        junk[4] = (byte) (1 + r.nextInt(11));
      }
      EmbeddedChannel in = new EmbeddedChannel(new MessageDecoder());
      List<Throwable> errors = new ArrayList<>();
      try {
        in.writeInbound(Unpooled.wrappedBuffer(junk));
      } catch (ProtocolException e) {
        errors.add(e);
      }
      Object m;
      while ((m = in.readInbound()) != null) {
        if (m instanceof Message.Piece p) {
          p.data().release();
        }
      }
      try { // more bytes: either completes a pending frame, fails, or is swallowed after a failure
        in.writeInbound(Unpooled.wrappedBuffer(junk));
      } catch (ProtocolException e) {
        assertThat(errors).as("a second error after the first").isEmpty();
        errors.add(e);
      }
      in.finishAndReleaseAll();
      assertThat(errors).allMatch(e -> e instanceof ProtocolException);
    }
  }

  @Test
  void encoderRefusesFramesOverTheLimit() {
    BitSet bits = new BitSet();
    int count = (Frames.MAX_FRAME + 1) * 8;
    bits.set(count - 1);
    Message big = new Message.Bitfield(M, count, bits);
    ByteBuf out = Unpooled.buffer();
    assertThatThrownBy(() -> MessageCodec.encode(big, out)).isInstanceOf(IllegalArgumentException.class);
    assertThat(out.writerIndex()).isZero();
  }

  private static void assertRejected(ByteBuf bytes, ErrorCode code) {
    EmbeddedChannel in = new EmbeddedChannel(new MessageDecoder());
    assertThatThrownBy(() -> in.writeInbound(bytes))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(code));
    assertThat((Object) in.readInbound()).isNull();
    in.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 1, 4})); // even a valid frame now
    assertThat((Object) in.readInbound()).isNull();
    assertThat(in.finish()).isFalse();
  }

  /** Copies a buffer's readable bytes. */
  static final class ByteBufBytes {
    static byte[] of(ByteBuf b) {
      byte[] out = new byte[b.readableBytes()];
      b.getBytes(b.readerIndex(), out);
      return out;
    }
  }
}
