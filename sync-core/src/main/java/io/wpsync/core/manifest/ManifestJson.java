package io.wpsync.core.manifest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import io.wpsync.core.hash.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The human-readable JSON form of a {@link Manifest}, streamed with Jackson (no object tree, so
 * large manifests cost little memory).
 *
 * <pre>
 * {"id":"sha256:..","pieceSize":4194304,"fileCount":2,"totalBytes":9000000,"entries":[
 *   {"path":"themes","type":"directory","mode":"0755"},
 *   {"path":"themes/a.zip","type":"file","mode":"0644","size":9000000,"sha256":"..","pieces":["..",".."]},
 *   {"path":"themes/current","type":"symlink","target":"a"}]}
 * </pre>
 *
 * <p>{@code pieces} is written only for files larger than one piece. {@link #read} is strict: every
 * entry goes through {@link Manifest#of} (the same path rules as the canonical form), unknown or
 * duplicate fields, fields that do not belong to the entry's type, and trailing content are
 * refused; {@code id}, {@code fileCount} and {@code totalBytes} are optional on input but, when
 * present, must agree with the entries. Errors name the line and column.
 */
public final class ManifestJson {
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private ManifestJson() {}

  /** Writes {@code m} as UTF-8 JSON; {@code pretty} puts one entry per line. Does not close {@code out}. */
  public static void write(Manifest m, OutputStream out, boolean pretty) throws IOException {
    try (JsonGenerator g = JSON.createGenerator(out)) {
      write(m, g, pretty);
    }
  }

  /** Writes {@code m} as JSON text; {@code pretty} puts one entry per line. Does not close {@code out}. */
  public static void write(Manifest m, Writer out, boolean pretty) throws IOException {
    try (JsonGenerator g = JSON.createGenerator(out)) {
      write(m, g, pretty);
    }
  }

  private static void write(Manifest m, JsonGenerator g, boolean pretty) throws IOException {
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    if (pretty) {
      g.setPrettyPrinter(new OneEntryPerLine());
    }
    g.writeStartObject();
    g.writeStringField("id", m.id().toString());
    g.writeNumberField("pieceSize", m.pieceSize());
    g.writeNumberField("fileCount", m.fileCount());
    g.writeNumberField("totalBytes", m.totalBytes());
    g.writeFieldName("entries");
    g.writeStartArray();
    for (ManifestEntry e : m.entries()) {
      writeEntry(g, e);
    }
    g.writeEndArray();
    g.writeEndObject();
    if (pretty) {
      g.writeRaw('\n');
    }
  }

  /** Compact JSON, except that each element of the top-level {@code entries} array gets its own line. */
  private static final class OneEntryPerLine extends MinimalPrettyPrinter {
    private static boolean inEntries(JsonGenerator g) {
      JsonStreamContext array = g.getOutputContext();
      JsonStreamContext object = array.getParent();
      return array.inArray() && object != null && object.getParent() != null && object.getParent().inRoot();
    }

    @Override
    public void beforeArrayValues(JsonGenerator g) throws IOException {
      if (inEntries(g)) {
        g.writeRaw("\n  ");
      }
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      super.writeArrayValueSeparator(g);
      beforeArrayValues(g);
    }

    @Override
    public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
      if (nrOfValues > 0 && inEntries(g)) {
        g.writeRaw('\n');
      }
      super.writeEndArray(g, nrOfValues);
    }
  }

  private static void writeEntry(JsonGenerator g, ManifestEntry e) throws IOException {
    g.writeStartObject();
    g.writeStringField("path", e.path());
    g.writeStringField("type", e.type().name().toLowerCase(Locale.ROOT));
    if (!e.isSymlink() || e.mode() != 0777) {
      g.writeStringField("mode", String.format("%04o", e.mode()));
    }
    switch (e.type()) {
      case FILE -> {
        g.writeNumberField("size", e.size());
        g.writeStringField("sha256", e.digest().hex());
        if (!e.pieces().isEmpty()) {
          g.writeFieldName("pieces");
          g.writeStartArray();
          for (Digest p : e.pieces()) {
            g.writeString(p.hex());
          }
          g.writeEndArray();
        }
      }
      case SYMLINK -> g.writeStringField("target", e.target());
      case DIRECTORY -> { }
    }
    g.writeEndObject();
  }

  /** The JSON text of {@code m}. */
  public static String toJson(Manifest m, boolean pretty) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + m.size() * 128);
    try {
      write(m, out, pretty);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array stream does not fail
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Parses JSON text. */
  public static Manifest fromJson(String json) throws ManifestFormatException, UnsafePathException {
    try (JsonParser p = JSON.createParser(json)) {
      return parse(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a string does not fail to read
    }
  }

  /**
   * Reads one manifest, which must be all of {@code in}'s content.
   *
   * @throws ManifestFormatException if it is not well-formed manifest JSON (with line and column)
   * @throws UnsafePathException if an entry breaks the path rules
   * @throws IOException if {@code in} fails
   */
  public static Manifest read(InputStream in) throws IOException, ManifestFormatException, UnsafePathException {
    try (JsonParser p = JSON.createParser(in)) {
      return parse(p);
    }
  }

  private static Manifest parse(JsonParser p) throws IOException, ManifestFormatException, UnsafePathException {
    try {
      return new Reader(p).manifest();
    } catch (JsonProcessingException e) {
      // Jackson names the source as "[Source: REDACTED ...; line: 1, column: 3]": keep the position only
      String message = e.getOriginalMessage().replaceAll("\\[Source: [^;]*; ", "[");
      throw new ManifestFormatException(at(e.getLocation()) + message, e);
    }
  }

  private static String at(JsonLocation loc) {
    return loc == null ? "manifest JSON: "
        : "manifest JSON line " + loc.getLineNr() + " column " + loc.getColumnNr() + ": ";
  }

  /** One pass over the tokens; every check reports where it failed. */
  private static final class Reader {
    private final JsonParser p;

    Reader(JsonParser p) {
      this.p = p;
    }

    Manifest manifest() throws IOException, ManifestFormatException, UnsafePathException {
      expect(p.nextToken(), JsonToken.START_OBJECT, "a manifest object");
      String id = null;
      Integer pieceSize = null;
      Long fileCount = null;
      Long totalBytes = null;
      List<ManifestEntry> entries = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "id" -> id = text(t, field);
          case "pieceSize" -> pieceSize = (int) number(t, field, Manifest.MIN_PIECE_SIZE, Manifest.MAX_PIECE_SIZE);
          case "fileCount" -> fileCount = number(t, field, 0, Long.MAX_VALUE);
          case "totalBytes" -> totalBytes = number(t, field, 0, Long.MAX_VALUE);
          case "entries" -> entries = entries(t);
          default -> throw fail("unknown field '" + field + "'");
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT) {
        throw fail("malformed manifest object");
      }
      if (p.nextToken() != null) {
        throw fail("trailing content after the manifest object");
      }
      if (pieceSize == null || entries == null) {
        throw new ManifestFormatException("manifest JSON: missing " + (pieceSize == null ? "'pieceSize'" : "'entries'"));
      }
      Manifest m = Manifest.of(pieceSize, entries);
      if (id != null) {
        Digest claimed;
        try {
          claimed = Digest.parse(id);
        } catch (IllegalArgumentException e) {
          throw new ManifestFormatException("manifest JSON: 'id' " + e.getMessage());
        }
        if (!claimed.equals(m.id())) {
          throw new ManifestFormatException("manifest JSON: 'id' says " + claimed + " but the entries give " + m.id()
              + " (edited by hand? drop the id to accept the entries)");
        }
      }
      if (fileCount != null && fileCount != m.fileCount()) {
        throw new ManifestFormatException("manifest JSON: 'fileCount' says " + fileCount + " but there are " + m.fileCount() + " files");
      }
      if (totalBytes != null && totalBytes != m.totalBytes()) {
        throw new ManifestFormatException("manifest JSON: 'totalBytes' says " + totalBytes + " but the files add up to " + m.totalBytes());
      }
      return m;
    }

    private List<ManifestEntry> entries(JsonToken t) throws IOException, ManifestFormatException {
      expect(t, JsonToken.START_ARRAY, "'entries' to be an array");
      List<ManifestEntry> out = new ArrayList<>();
      JsonToken next;
      while ((next = p.nextToken()) != JsonToken.END_ARRAY) {
        if (out.size() >= ManifestCodec.MAX_ENTRIES) {
          throw fail("more than " + ManifestCodec.MAX_ENTRIES + " entries");
        }
        out.add(entry(next, out.size()));
      }
      return out;
    }

    private ManifestEntry entry(JsonToken t, int index) throws IOException, ManifestFormatException {
      expect(t, JsonToken.START_OBJECT, "entry " + index + " to be an object");
      String path = null;
      String type = null;
      String mode = null;
      Long size = null;
      String sha = null;
      String target = null;
      List<Digest> pieces = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        switch (field) {
          case "path" -> path = text(v, field);
          case "type" -> type = text(v, field);
          case "mode" -> mode = text(v, field);
          case "size" -> size = number(v, field, 0, Long.MAX_VALUE);
          case "sha256" -> sha = text(v, field);
          case "target" -> target = text(v, field);
          case "pieces" -> pieces = digests(v);
          default -> throw fail("entry " + index + ": unknown field '" + field + "'");
        }
      }
      String where = "entry " + index + (path == null ? "" : " '" + UnsafePathException.printable(path) + "'");
      if (path == null || type == null) {
        throw fail(where + ": needs 'path' and 'type'");
      }
      try {
        return switch (type) {
          case "file" -> {
            if (size == null || sha == null || mode == null) {
              throw fail(where + ": a file needs 'mode', 'size' and 'sha256'");
            }
            only(where, "a file", target == null);
            yield ManifestEntry.file(path, mode(mode, where), size, Digest.parse(sha), pieces);
          }
          case "directory" -> {
            if (mode == null) {
              throw fail(where + ": a directory needs 'mode'");
            }
            only(where, "a directory", size == null && sha == null && target == null && pieces == null);
            yield ManifestEntry.directory(path, mode(mode, where));
          }
          case "symlink" -> {
            if (target == null) {
              throw fail(where + ": a symlink needs 'target'");
            }
            only(where, "a symlink", size == null && sha == null && pieces == null);
            yield new ManifestEntry(path, EntryType.SYMLINK, mode == null ? 0777 : mode(mode, where), 0, null,
                target, List.of());
          }
          default -> throw fail(where + ": unknown type '" + type + "' (file, directory or symlink)");
        };
      } catch (IllegalArgumentException e) {
        throw fail(where + ": " + e.getMessage());
      }
    }

    private void only(String where, String what, boolean ok) throws ManifestFormatException {
      if (!ok) {
        throw fail(where + ": field does not belong to " + what);
      }
    }

    private int mode(String text, String where) throws ManifestFormatException {
      if (!text.matches("[0-7]{1,5}")) {
        throw fail(where + ": mode '" + text + "' is not octal like \"0644\"");
      }
      int m = Integer.parseInt(text, 8);
      if (m > 07777) {
        throw fail(where + ": mode " + text + " has bits beyond 07777");
      }
      return m;
    }

    private List<Digest> digests(JsonToken t) throws IOException, ManifestFormatException {
      expect(t, JsonToken.START_ARRAY, "'pieces' to be an array");
      List<Digest> out = new ArrayList<>();
      JsonToken next;
      while ((next = p.nextToken()) != JsonToken.END_ARRAY) {
        String s = text(next, "pieces[" + out.size() + "]");
        try {
          out.add(Digest.parse(s));
        } catch (IllegalArgumentException e) {
          throw fail("pieces[" + out.size() + "]: " + e.getMessage());
        }
      }
      return out;
    }

    private String text(JsonToken t, String field) throws IOException, ManifestFormatException {
      if (t != JsonToken.VALUE_STRING) {
        throw fail("'" + field + "' must be a string, got " + describe(t));
      }
      return p.getText();
    }

    private long number(JsonToken t, String field, long min, long max) throws IOException, ManifestFormatException {
      if (t != JsonToken.VALUE_NUMBER_INT) {
        throw fail("'" + field + "' must be an integer, got " + describe(t));
      }
      long v = p.getLongValue();
      if (v < min || v > max) {
        throw fail("'" + field + "' " + v + " outside [" + min + ", " + max + "]");
      }
      return v;
    }

    private void expect(JsonToken t, JsonToken want, String what) throws ManifestFormatException {
      if (t != want) {
        throw fail("expected " + what + ", got " + describe(t));
      }
    }

    private String describe(JsonToken t) {
      return t == null ? "end of input" : t.asString() != null ? "'" + t.asString() + "'" : t.name().toLowerCase(Locale.ROOT);
    }

    private ManifestFormatException fail(String message) {
      return new ManifestFormatException(at(p.currentLocation()) + message);
    }
  }
}
