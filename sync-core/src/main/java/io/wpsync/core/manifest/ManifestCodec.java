package io.wpsync.core.manifest;

import io.wpsync.core.hash.Digest;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The canonical byte form of a {@link Manifest}: deterministic, so its SHA-256 is the manifest id.
 *
 * <pre>
 * manifest := "WPSM" u8:version(=1) u32:pieceSize u32:count entry*count
 * entry    := u8:type('F'|'D'|'L') u16:mode u16:pathLen utf8:path body
 * body(F)  := u64:size 32:sha256 u32:pieces 32*pieces
 * body(D)  := (nothing)
 * body(L)  := u16:targetLen utf8:target
 * </pre>
 *
 * All integers are big-endian. Entries are strictly ascending by UTF-8 path bytes. {@link #decode}
 * accepts only this exact form (so one tree has exactly one id) and validates every path with
 * {@link PathRules} before returning; it never trusts a length it has not bounds-checked.
 */
public final class ManifestCodec {
  private static final byte[] MAGIC = {'W', 'P', 'S', 'M'};
  private static final int VERSION = 1;
  /** Upper bound on entries in one manifest, far above any real wp-content tree. */
  public static final int MAX_ENTRIES = 5_000_000;

  private ManifestCodec() {}

  /** The canonical bytes of {@code m}. */
  public static byte[] encode(Manifest m) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + m.size() * 96);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
      out.writeByte(VERSION);
      out.writeInt(m.pieceSize());
      out.writeInt(m.size());
      for (ManifestEntry e : m.entries()) {
        out.writeByte(e.type().code());
        out.writeShort(e.mode());
        writeString(out, e.path());
        switch (e.type()) {
          case FILE -> {
            out.writeLong(e.size());
            out.write(e.digest().toBytes());
            out.writeInt(e.pieces().size());
            for (Digest p : e.pieces()) {
              out.write(p.toBytes());
            }
          }
          case SYMLINK -> writeString(out, e.target());
          case DIRECTORY -> { }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array stream does not fail
    }
    return bytes.toByteArray();
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0xFFFF) {
      throw new IllegalArgumentException("string longer than 65535 bytes: " + s.substring(0, 64) + "...");
    }
    out.writeShort(b.length);
    out.write(b);
  }

  /**
   * Parses canonical bytes.
   *
   * @throws ManifestFormatException if the bytes are not exactly one canonical manifest
   * @throws UnsafePathException if an entry breaks the path rules
   */
  public static Manifest decode(byte[] data) throws ManifestFormatException, UnsafePathException {
    ByteBuffer in = ByteBuffer.wrap(data);
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      byte[] magic = new byte[4];
      in.get(magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new ManifestFormatException("not a wpsync manifest (bad magic)");
      }
      int version = in.get() & 0xFF;
      if (version != VERSION) {
        throw new ManifestFormatException("manifest format version " + version + " is not supported (this build reads " + VERSION + ")");
      }
      int pieceSize = in.getInt();
      try {
        Manifest.checkPieceSize(pieceSize);
      } catch (IllegalArgumentException e) {
        throw new ManifestFormatException(e.getMessage());
      }
      int count = in.getInt();
      if (count < 0 || count > MAX_ENTRIES) {
        throw new ManifestFormatException("entry count " + Integer.toUnsignedString(count) + " out of range");
      }
      List<ManifestEntry> entries = new ArrayList<>(Math.min(count, 1 << 16));
      String previous = null;
      for (int i = 0; i < count; i++) {
        EntryType type;
        try {
          type = EntryType.fromCode(in.get() & 0xFF);
        } catch (IllegalArgumentException e) {
          throw new ManifestFormatException("entry " + i + ": " + e.getMessage());
        }
        int mode = in.getShort() & 0xFFFF;
        String path = readString(in, utf8, "entry " + i + " path");
        if (previous != null && PathRules.compareUtf8(previous, path) >= 0) {
          throw new ManifestFormatException("entries not strictly sorted at '" + UnsafePathException.printable(path) + "'");
        }
        previous = path;
        try {
          entries.add(switch (type) {
            case FILE -> {
              long size = in.getLong();
              Digest digest = readDigest(in);
              int pieces = in.getInt();
              if (pieces < 0 || (long) pieces * Digest.LENGTH > in.remaining()) {
                throw new ManifestFormatException(path + ": piece count " + pieces + " exceeds the data");
              }
              List<Digest> pl = new ArrayList<>(pieces);
              for (int p = 0; p < pieces; p++) {
                pl.add(readDigest(in));
              }
              yield ManifestEntry.file(path, mode, size, digest, pl);
            }
            case DIRECTORY -> ManifestEntry.directory(path, mode);
            case SYMLINK -> new ManifestEntry(path, EntryType.SYMLINK, mode, 0, null,
                readString(in, utf8, path + " target"), List.of());
          });
        } catch (IllegalArgumentException e) {
          throw new ManifestFormatException("entry " + i + ": " + e.getMessage());
        }
      }
      if (in.hasRemaining()) {
        throw new ManifestFormatException(in.remaining() + " trailing bytes after the last entry");
      }
      return Manifest.ofSorted(pieceSize, entries, Digest.of(data)); // canonical: the bytes are the id's input
    } catch (BufferUnderflowException e) {
      throw new ManifestFormatException("manifest truncated at byte " + in.position() + " of " + data.length);
    }
  }

  private static Digest readDigest(ByteBuffer in) {
    byte[] b = new byte[Digest.LENGTH];
    in.get(b);
    return Digest.fromBytes(b);
  }

  private static String readString(ByteBuffer in, CharsetDecoder utf8, String what) throws ManifestFormatException {
    int len = in.getShort() & 0xFFFF;
    if (len > in.remaining()) {
      throw new BufferUnderflowException();
    }
    ByteBuffer slice = in.slice(in.position(), len);
    in.position(in.position() + len);
    try {
      CharBuffer chars = utf8.reset().decode(slice);
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new ManifestFormatException(what + " is not valid UTF-8");
    }
  }
}
