package io.wpsync.core.release;

import io.wpsync.core.hash.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a complete release holds: written ({@code releases/.meta/<id>.release}) by the materializer
 * just before the release directory appears, so a release directory with a record is a finished
 * one. Text form, one {@code key=value} per line:
 *
 * <pre>
 * manifest=sha256:…
 * mode=READ_ONLY
 * created=2026-01-01T00:00:00Z
 * link=uploads=/shared/uploads      (one per linked path)
 * </pre>
 */
public record ReleaseRecord(
    String id, Digest manifestId, ReleaseMode mode, Instant createdAt, Map<String, Path> linkedPaths) {

  public ReleaseRecord {
    ReleaseLayout.checkId(id);
    Objects.requireNonNull(manifestId, "manifestId");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(createdAt, "createdAt");
    linkedPaths = Collections.unmodifiableMap(new TreeMap<>(linkedPaths));
  }

  byte[] encode() {
    StringBuilder b = new StringBuilder();
    b.append("manifest=").append(manifestId).append('\n');
    b.append("mode=").append(mode.name()).append('\n');
    b.append("created=").append(createdAt).append('\n');
    linkedPaths.forEach((name, path) -> b.append("link=").append(name).append('=').append(path).append('\n'));
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  static ReleaseRecord decode(String id, byte[] data) throws IOException {
    Digest manifest = null;
    ReleaseMode mode = null;
    Instant created = null;
    Map<String, Path> links = new TreeMap<>();
    try {
      for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
        if (line.isEmpty()) {
          continue;
        }
        int eq = line.indexOf('=');
        if (eq < 0) {
          throw new IllegalArgumentException("line without '=': " + line);
        }
        String value = line.substring(eq + 1);
        switch (line.substring(0, eq)) {
          case "manifest" -> manifest = Digest.parse(value);
          case "mode" -> mode = ReleaseMode.valueOf(value);
          case "created" -> created = Instant.parse(value);
          case "link" -> {
            int eq2 = value.indexOf('=');
            if (eq2 < 0) {
              throw new IllegalArgumentException("link without '=': " + line);
            }
            links.put(value.substring(0, eq2), Path.of(value.substring(eq2 + 1)));
          }
          default -> { } // a newer field: ignore
        }
      }
      if (manifest == null || mode == null || created == null) {
        throw new IllegalArgumentException("manifest, mode and created are required");
      }
      return new ReleaseRecord(id, manifest, mode, created, links);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new IOException("release record of '" + id + "' is malformed: " + e.getMessage(), e);
    }
  }
}
