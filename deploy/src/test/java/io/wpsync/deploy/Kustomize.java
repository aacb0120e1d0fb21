package io.wpsync.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Renders kustomizations with the real {@code kubectl kustomize}. Without kubectl the calling test is
 * skipped with a message, except in CI ({@code CI=true}), where a missing kubectl is a failure: the
 * manifests must be proven there.
 */
final class Kustomize {
  private Kustomize() {}

  /** The deploy/ directory (this module's base directory, where Maven runs its tests). */
  static Path deployDir() {
    Path here = Path.of("").toAbsolutePath();
    Path dir = Files.isDirectory(here.resolve("overlays")) ? here : here.resolve("deploy");
    if (!Files.isDirectory(dir.resolve("overlays"))) {
      throw new IllegalStateException("cannot find deploy/overlays from " + here);
    }
    return dir;
  }

  static Path repoDir() {
    return deployDir().getParent();
  }

  /** Every directory under deploy/ holding a kustomization.yaml, relative to deploy/, sorted. */
  static List<String> kustomizations() throws IOException {
    Path root = deployDir();
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(p -> p.getFileName().toString().equals("kustomization.yaml"))
          .map(p -> root.relativize(p.getParent()).toString().replace('\\', '/'))
          .filter(p -> !p.startsWith("target") && !p.startsWith("src"))
          .sorted()
          .toList();
    }
  }

  static String kubectl() {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, "kubectl");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
    if (ci) {
      throw new AssertionError("kubectl is not on PATH but CI=true: the kustomize overlays under deploy/ must be"
          + " rendered in CI (install kubectl, which bundles kustomize)");
    }
    Assumptions.abort("kubectl is not on PATH: kustomize rendering of deploy/ skipped (it fails instead when CI=true)");
    return null;
  }

  /** {@code kubectl kustomize deploy/<relativeDir>}; fails with kustomize's message on an error. */
  static String render(String relativeDir) throws IOException, InterruptedException {
    String kubectl = kubectl();
    Path dir = deployDir().resolve(relativeDir);
    Path err = Files.createTempFile("kustomize", ".err");
    try {
      Process p = new ProcessBuilder(kubectl, "kustomize", dir.toString())
          .redirectError(err.toFile())
          .start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("kubectl kustomize " + relativeDir + " did not finish in 60 s");
      }
      if (p.exitValue() != 0) {
        throw new AssertionError("kubectl kustomize " + relativeDir + " failed (exit " + p.exitValue() + "): "
            + Files.readString(err, StandardCharsets.UTF_8).strip());
      }
      return new String(out, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(err);
    }
  }
}
