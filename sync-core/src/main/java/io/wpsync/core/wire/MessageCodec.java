package io.wpsync.core.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.wpsync.core.hash.Digest;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;

/**
 * Byte layouts of every {@link Message} (all integers big-endian, strings u16-length-prefixed
 * UTF-8):
 *
 * <pre>
 * frame      := u32:length u8:type payload          (length = 1 + payload bytes)
 * HELLO      := u16:version str:clusterId str:nodeId 32:nonce
 * CHALLENGE  := str:nodeId 32:nonce 32:proof
 * AUTH       := 32:proof
 * AUTH_OK    := (empty)
 * ERROR      := u16:code str:text
 * GET_PIECE  := u32:requestId 32:object u32:pieceSize u32:index
 * PIECE      := u32:requestId 32:object u32:index u64:objectSize data (rest of the frame)
 * INTERESTED := 32:manifestId
 * BITFIELD   := 32:manifestId u32:pieceCount bytes[ceil(pieceCount/8)]  (bit i = byte i/8, mask 0x80>>i%8)
 * HAVE       := 32:manifestId u32:index
 * REJECT     := u32:requestId u16:code
 * </pre>
 *
 * {@link #decode} checks every length before reading, rejects trailing bytes and unknown types,
 * and throws {@link ProtocolException} with {@link ErrorCode#MALFORMED_FRAME} for anything that is
 * not exactly one well-formed message.
 */
public final class MessageCodec {
  private MessageCodec() {}

  /** Writes the whole frame of {@code m} (length prefix included) into {@code out}. */
  public static void encode(Message m, ByteBuf out) {
    if (m instanceof Message.Piece p) {
      int n = p.data().readableBytes();
      writePieceHeader(out, p.requestId(), p.object(), p.index(), p.objectSize(), n);
      out.writeBytes(p.data(), p.data().readerIndex(), n);
      return;
    }
    int start = out.writerIndex();
    out.writeInt(0);
    out.writeByte(m.type().code());
    switch (m.type()) {
      case HELLO -> {
        Message.Hello h = (Message.Hello) m;
        out.writeShort(h.version());
        writeString(out, h.clusterId());
        writeString(out, h.nodeId());
        out.writeBytes(h.nonce());
      }
      case CHALLENGE -> {
        Message.Challenge c = (Message.Challenge) m;
        writeString(out, c.nodeId());
        out.writeBytes(c.nonce());
        out.writeBytes(c.proof());
      }
      case AUTH -> out.writeBytes(((Message.Auth) m).proof());
      case AUTH_OK -> { }
      case ERROR -> {
        Message.Error e = (Message.Error) m;
        out.writeShort(e.code().number());
        writeString(out, cut(e.text()));
      }
      case GET_PIECE -> {
        Message.GetPiece g = (Message.GetPiece) m;
        out.writeInt(g.requestId());
        writeDigest(out, g.object());
        out.writeInt(g.pieceSize());
        out.writeInt(g.index());
      }
      case INTERESTED -> writeDigest(out, ((Message.Interested) m).manifestId());
      case BITFIELD -> {
        Message.Bitfield b = (Message.Bitfield) m;
        writeDigest(out, b.manifestId());
        out.writeInt(b.pieceCount());
        out.writeBytes(toWire(b.bits(), b.pieceCount()));
      }
      case HAVE -> {
        Message.Have h = (Message.Have) m;
        writeDigest(out, h.manifestId());
        out.writeInt(h.index());
      }
      case REJECT -> {
        Message.Reject r = (Message.Reject) m;
        out.writeInt(r.requestId());
        out.writeShort(r.code().number());
      }
      case PIECE -> throw new AssertionError("handled above");
    }
    int length = out.writerIndex() - start - Frames.LENGTH_FIELD;
    if (length > Frames.MAX_FRAME) {
      out.writerIndex(start);
      throw new IllegalArgumentException(m.type() + " frame of " + length + " bytes exceeds the limit");
    }
    out.setInt(start, length);
  }

  /**
   * A buffer with the length prefix, type and fixed fields of a PIECE frame whose {@code
   * dataLength} data bytes the caller sends right after it (e.g. as a zero-copy file region).
   */
  public static ByteBuf pieceHeader(
      ByteBufAllocator alloc, int requestId, Digest object, int index, long objectSize, int dataLength) {
    ByteBuf out = alloc.buffer(Frames.LENGTH_FIELD + 1 + Frames.PIECE_HEADER);
    writePieceHeader(out, requestId, object, index, objectSize, dataLength);
    return out;
  }

  private static void writePieceHeader(
      ByteBuf out, int requestId, Digest object, int index, long objectSize, int dataLength) {
    long length = 1L + Frames.PIECE_HEADER + dataLength;
    if (dataLength < 0 || length > Frames.MAX_FRAME) {
      throw new IllegalArgumentException("piece of " + dataLength + " bytes exceeds the frame limit");
    }
    out.writeInt((int) length);
    out.writeByte(MessageType.PIECE.code());
    out.writeInt(requestId);
    writeDigest(out, object);
    out.writeInt(index);
    out.writeLong(objectSize);
  }

  /**
   * Decodes one frame body ({@code u8 type | payload}, without the length prefix). A PIECE's data
   * is a retained slice of {@code frame}; the caller still releases {@code frame} itself.
   *
   * @throws ProtocolException if the frame is not exactly one well-formed message
   */
  public static Message decode(ByteBuf frame) {
    if (!frame.isReadable()) {
      throw malformed("empty frame (no type byte)");
    }
    int code = frame.readUnsignedByte();
    MessageType type = MessageType.of(code);
    if (type == null) {
      throw malformed("unknown message type " + code);
    }
    try {
      Message m = switch (type) {
        case HELLO -> new Message.Hello(
            frame.readUnsignedShort(), readString(frame), readString(frame), readBytes(frame, 32));
        case CHALLENGE -> new Message.Challenge(readString(frame), readBytes(frame, 32), readBytes(frame, 32));
        case AUTH -> new Message.Auth(readBytes(frame, 32));
        case AUTH_OK -> new Message.AuthOk();
        case ERROR -> new Message.Error(ErrorCode.of(frame.readUnsignedShort()), readString(frame));
        case GET_PIECE -> new Message.GetPiece(
            frame.readInt(), readDigest(frame), frame.readInt(), frame.readInt());
        case PIECE -> {
          int requestId = frame.readInt();
          Digest object = readDigest(frame);
          int index = frame.readInt();
          long size = frame.readLong();
          yield new Message.Piece(requestId, object, index, size, frame.readRetainedSlice(frame.readableBytes()));
        }
        case INTERESTED -> new Message.Interested(readDigest(frame));
        case BITFIELD -> readBitfield(frame);
        case HAVE -> new Message.Have(readDigest(frame), frame.readInt());
        case REJECT -> new Message.Reject(frame.readInt(), ErrorCode.of(frame.readUnsignedShort()));
      };
      if (frame.isReadable()) {
        if (m instanceof Message.Piece p) {
          p.data().release();
        }
        throw malformed(frame.readableBytes() + " trailing bytes after " + type);
      }
      return m;
    } catch (IndexOutOfBoundsException e) {
      throw malformed(type + " frame truncated");
    } catch (IllegalArgumentException e) {
      throw malformed(type + ": " + e.getMessage());
    }
  }

  private static Message.Bitfield readBitfield(ByteBuf frame) {
    Digest manifest = readDigest(frame);
    int count = frame.readInt();
    if (count < 0 || (count + 7L) / 8 != frame.readableBytes()) {
      throw malformed("bitfield of " + Integer.toUnsignedString(count) + " pieces has "
          + frame.readableBytes() + " bytes");
    }
    byte[] wire = new byte[frame.readableBytes()];
    frame.readBytes(wire);
    BitSet bits = new BitSet(count);
    for (int i = 0; i < wire.length * 8; i++) {
      if ((wire[i >>> 3] & (0x80 >>> (i & 7))) != 0) {
        if (i >= count) {
          throw malformed("bitfield has spare bit " + i + " set beyond " + count + " pieces");
        }
        bits.set(i);
      }
    }
    return new Message.Bitfield(manifest, count, bits);
  }

  private static byte[] toWire(BitSet bits, int count) {
    byte[] out = new byte[(count + 7) / 8];
    for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
      out[i >>> 3] |= (byte) (0x80 >>> (i & 7));
    }
    return out;
  }

  private static ProtocolException malformed(String why) {
    return new ProtocolException(ErrorCode.MALFORMED_FRAME, why);
  }

  private static void writeDigest(ByteBuf out, Digest d) {
    for (int i = 0; i < Digest.LENGTH; i++) {
      out.writeByte(d.byteAt(i));
    }
  }

  private static Digest readDigest(ByteBuf in) {
    return Digest.fromBytes(readBytes(in, Digest.LENGTH));
  }

  private static byte[] readBytes(ByteBuf in, int n) {
    byte[] b = new byte[n];
    in.readBytes(b);
    return b;
  }

  private static void writeString(ByteBuf out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeShort(b.length);
    out.writeBytes(b);
  }

  private static String readString(ByteBuf in) {
    int len = in.readUnsignedShort();
    if (len > in.readableBytes()) {
      throw new IndexOutOfBoundsException();
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(in.readSlice(len).nioBuffer())
          .toString();
    } catch (CharacterCodingException e) {
      throw malformed("string is not valid UTF-8");
    }
  }

  /** Cuts an error text to {@link Frames#MAX_ERROR_TEXT} UTF-8 bytes (on a char boundary). */
  private static String cut(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    if (b.length <= Frames.MAX_ERROR_TEXT) {
      return text;
    }
    int chars = Math.min(text.length(), Frames.MAX_ERROR_TEXT / 4);
    return text.substring(0, chars);
  }
}
