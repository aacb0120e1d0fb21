package io.wpsync.core.store;

import io.wpsync.core.hash.Digest;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The persisted verified-piece bitmap of a partial object ({@code partial/<hex>.pieces}).
 *
 * <pre>
 * file := "WPSP" u8:version(=1) 32:objectDigest u64:size u32:pieceSize u32:pieceCount
 *         32:piecesHash u32:bitmapLen bitmap[bitmapLen] u32:crc32c(all preceding bytes)
 * </pre>
 *
 * The file is only ever replaced atomically ({@link Durable#writeAtomically}, durable), and only
 * after the data of every piece it lists has been fsynced. {@link #read} returns empty for a file
 * that is missing, torn or not in this format, so a bad bitmap costs a refetch, never a corrupt
 * object.
 */
final class PieceBitmapFile {
  private static final byte[] MAGIC = {'W', 'P', 'S', 'P'};
  private static final int VERSION = 1;

  private PieceBitmapFile() {}

  /** What a bitmap file says, before it is matched to a layout. */
  record Snapshot(Digest digest, long size, int pieceSize, int pieceCount, Digest piecesHash, BitSet bits) {
    /** True if this bitmap was written for exactly {@code layout}. */
    boolean matches(PieceLayout layout) {
      return digest.equals(layout.digest())
          && size == layout.size()
          && pieceSize == layout.pieceSize()
          && pieceCount == layout.pieceCount()
          && piecesHash.equals(layout.piecesHash());
    }
  }

  static void write(Path file, Path tmpDir, PieceLayout layout, Digest piecesHash, BitSet bits)
      throws IOException {
    byte[] bitmap = Arrays.copyOf(bits.toByteArray(), (layout.pieceCount() + 7) / 8);
    ByteBuffer out = ByteBuffer.allocate(4 + 1 + 32 + 8 + 4 + 4 + 32 + 4 + bitmap.length + 4);
    out.put(MAGIC).put((byte) VERSION).put(layout.digest().toBytes()).putLong(layout.size())
        .putInt(layout.pieceSize()).putInt(layout.pieceCount()).put(piecesHash.toBytes())
        .putInt(bitmap.length).put(bitmap);
    CRC32C crc = new CRC32C();
    crc.update(out.array(), 0, out.position());
    out.putInt((int) crc.getValue());
    Durable.writeAtomically(file, out.array(), tmpDir, true);
  }

  static Optional<Snapshot> read(Path file) throws IOException {
    byte[] data;
    try {
      data = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (data.length < 4) {
      return Optional.empty();
    }
    CRC32C crc = new CRC32C();
    crc.update(data, 0, data.length - 4);
    ByteBuffer in = ByteBuffer.wrap(data);
    if (in.getInt(data.length - 4) != (int) crc.getValue()) {
      return Optional.empty();
    }
    try {
      byte[] magic = new byte[4];
      in.get(magic);
      if (!Arrays.equals(magic, MAGIC) || in.get() != VERSION) {
        return Optional.empty();
      }
      Digest digest = readDigest(in);
      long size = in.getLong();
      int pieceSize = in.getInt();
      int pieceCount = in.getInt();
      Digest piecesHash = readDigest(in);
      int len = in.getInt();
      if (pieceCount < 0 || len != (pieceCount + 7) / 8 || len > in.remaining() - 4) {
        return Optional.empty();
      }
      byte[] bitmap = new byte[len];
      in.get(bitmap);
      BitSet bits = BitSet.valueOf(bitmap);
      if (bits.length() > pieceCount) {
        return Optional.empty();
      }
      return Optional.of(new Snapshot(digest, size, pieceSize, pieceCount, piecesHash, bits));
    } catch (BufferUnderflowException e) {
      return Optional.empty();
    }
  }

  private static Digest readDigest(ByteBuffer in) {
    byte[] b = new byte[Digest.LENGTH];
    in.get(b);
    return Digest.fromBytes(b);
  }
}
