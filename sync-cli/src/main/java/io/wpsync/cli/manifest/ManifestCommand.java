package io.wpsync.cli.manifest;

import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.ManifestJson;
import io.wpsync.core.manifest.UnsafePathException;
import io.wpsync.core.scan.ScanRules;
import io.wpsync.core.scan.ScanStats;
import io.wpsync.core.scan.Scanner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code wpsync manifest DIR}: scans a wp-content tree with the same scanner and rules the agents
 * and the coordinator use, and prints its manifest as JSON or a short summary. Reads only; exit 1
 * with a one-line message when the tree cannot be described safely (e.g. a symlink leaving it).
 */
@Command(name = "manifest", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Prints the manifest of a wp-content tree (JSON or a summary).",
        "Lists every included file with its mode, size and SHA-256 (and piece digests for files",
        "larger than one piece), directories, and symlinks (recorded, never followed). The id is the",
        "SHA-256 of the canonical form: the same on every machine for the same tree."},
    footer = {"", "Default includes: " + "themes/**, plugins/**, mu-plugins/**, languages/**, * (top-level files)",
        "Default excludes: uploads/**, cache/**, upgrade/**, upgrade-temp-backup/**, wflogs/**, **/*.log",
        "", "Example:", "  wpsync manifest /srv/wp-content --output summary",
        "  wpsync manifest ./wp-content --include 'plugins/**' --exclude 'plugins/*/tests/**'"})
public final class ManifestCommand implements Callable<Integer> {
  /** What to print. */
  public enum Output { JSON, SUMMARY }

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "Root of the tree to scan (may be a symlink, e.g. 'current').")
  Path dir;

  @Option(names = "--include", paramLabel = "GLOB",
      description = "Glob relative to DIR to include (repeatable; replaces the default includes).")
  List<String> includes;

  @Option(names = "--exclude", paramLabel = "GLOB",
      description = "Glob relative to DIR to exclude (repeatable; replaces the default excludes).")
  List<String> excludes;

  @Option(names = "--piece-size", paramLabel = "BYTES", defaultValue = "4MiB", converter = ByteSizeConverter.class,
      description = "Files larger than this are listed with per-piece digests (64KiB..16MiB; default: ${DEFAULT-VALUE}).")
  int pieceSize;

  @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "json",
      description = "json (default) or summary.")
  Output output;

  @Override
  public Integer call() {
    ScanRules rules = rules();
    if (pieceSize < Manifest.MIN_PIECE_SIZE || pieceSize > Manifest.MAX_PIECE_SIZE) {
      throw new ParameterException(spec.commandLine(), String.format(
          "--piece-size %d is outside %d..%d bytes", pieceSize, Manifest.MIN_PIECE_SIZE, Manifest.MAX_PIECE_SIZE));
    }
    PrintWriter out = spec.commandLine().getOut();
    try (Scanner scanner = Scanner.builder().rules(rules).pieceSize(pieceSize).build()) {
      long started = System.nanoTime();
      Manifest m = scanner.scan(dir);
      double seconds = (System.nanoTime() - started) / 1e9;
      if (output == Output.SUMMARY) {
        printSummary(out, m, scanner.stats(), seconds);
      } else {
        ManifestJson.write(m, out, true);
      }
      out.flush();
      return 0;
    } catch (UnsafePathException | IOException | IllegalStateException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("wpsync manifest: " + describe(e));
      err.flush();
      return 1;
    }
  }

  private ScanRules rules() {
    try {
      return ScanRules.of(
          includes == null ? ScanRules.DEFAULT_INCLUDES : includes,
          excludes == null ? ScanRules.DEFAULT_EXCLUDES : excludes);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static void printSummary(PrintWriter out, Manifest m, ScanStats stats, double seconds) {
    int dirs = 0;
    int links = 0;
    for (ManifestEntry e : m.entries()) {
      if (e.isDirectory()) {
        dirs++;
      } else if (e.isSymlink()) {
        links++;
      }
    }
    out.printf("id          %s%n", m.id());
    out.printf("pieceSize   %d%n", m.pieceSize());
    out.printf("entries     %d (%d files, %d directories, %d symlinks)%n", m.size(), m.fileCount(), dirs, links);
    out.printf("totalBytes  %d (%s)%n", m.totalBytes(), human(m.totalBytes()));
    out.printf("objects     %d distinct contents%n", m.objectDigests().size());
    out.printf("scan        %.3f s, %d files read (%s)%n", seconds, stats.filesHashed(), human(stats.bytesHashed()));
  }

  private static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String units = "KMGTPE";
    int u = (63 - Long.numberOfLeadingZeros(bytes)) / 10;
    return String.format("%.1f %siB", bytes / Math.pow(1024, u), units.charAt(u - 1));
  }

  private static String describe(Exception e) {
    if (e instanceof NoSuchFileException n) {
      return "no such file or directory: " + n.getFile();
    }
    if (e instanceof NotDirectoryException n) {
      return "not a directory: " + n.getFile();
    }
    if (e instanceof AccessDeniedException a) {
      return "permission denied: " + a.getFile();
    }
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }
}
