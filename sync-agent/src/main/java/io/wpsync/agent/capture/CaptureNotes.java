package io.wpsync.agent.capture;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.release.ReleaseLayout;
import io.wpsync.core.store.Durable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * What the capture knows about each release directory, kept across restarts in {@code
 * <data>/capture/<release>.json} (written atomically and durably):
 * <ul>
 *   <li>{@code captured}: the manifest id of the latest state of the directory a coordinator
 *       acknowledged (null: nothing beyond the release itself);</li>
 *   <li>{@code served}: the directory was {@code current} here, so WordPress may have written it;</li>
 *   <li>{@code settled}: after it stopped being current, it was checked and holds nothing uncaptured.</li>
 * </ul>
 */
final class CaptureNotes {
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Note(String captured, boolean served, boolean settled) {
    static final Note NONE = new Note(null, false, false);

    Note withCaptured(String manifestId) {
      return new Note(manifestId, served, settled);
    }
  }

  private final Path dir;

  CaptureNotes(Path dir) {
    this.dir = dir;
  }

  Note read(String releaseId) throws IOException {
    try {
      return ClusterJson.read(Files.readAllBytes(file(releaseId)), Note.class);
    } catch (NoSuchFileException e) {
      return Note.NONE;
    }
  }

  void write(String releaseId, Note note) throws IOException {
    Files.createDirectories(dir);
    Durable.writeAtomically(file(releaseId), ClusterJson.write(note), dir, true);
  }

  /** Release ids with a note whose directory is {@code served} and not {@code settled}. */
  Set<String> unsettled() throws IOException {
    Set<String> out = new java.util.TreeSet<>();
    for (String id : ids()) {
      Note n = read(id);
      if (n.served() && !n.settled()) {
        out.add(id);
      }
    }
    return out;
  }

  /** Deletes the notes of releases that no longer exist. */
  void prune(Set<String> existing) throws IOException {
    for (String id : ids()) {
      if (!existing.contains(id)) {
        Files.deleteIfExists(file(id));
      }
    }
  }

  private Set<String> ids() throws IOException {
    Set<String> out = new java.util.TreeSet<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
      for (Path p : s) {
        String name = p.getFileName().toString();
        String id = name.substring(0, name.length() - 5);
        if (ReleaseLayout.isValidId(id)) {
          out.add(id);
        }
      }
    }
    return out;
  }

  Optional<Path> fileIfExists(String releaseId) {
    Path f = file(releaseId);
    return Files.exists(f) ? Optional.of(f) : Optional.empty();
  }

  private Path file(String releaseId) {
    return dir.resolve(ReleaseLayout.checkId(releaseId) + ".json");
  }
}
