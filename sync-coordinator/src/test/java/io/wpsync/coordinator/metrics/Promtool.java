package io.wpsync.coordinator.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Prometheus binaries for tests: where they are, and {@code promtool} runs with a timeout.
 * Missing binaries skip a test with a clear message, except under {@code CI=true}, where they fail
 * it (CI installs Debian's {@code prometheus} package, which ships both).
 */
final class Promtool {
  /** What a run printed and its exit code. */
  record Result(int exit, String output) {}

  private Promtool() {}

  /** The binary {@code name} from /usr/bin or the PATH. */
  static Optional<Path> find(String name) {
    List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin", name), Path.of("/usr/local/bin", name)));
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(java.io.File.pathSeparator)) {
        if (!d.isBlank()) {
          candidates.add(Path.of(d, name));
        }
      }
    }
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  /** The binary, or a skip (a failure when {@code CI=true}) explaining how to get it. */
  static Path require(String name) {
    Optional<Path> p = find(name);
    if (p.isPresent()) {
      return p.get();
    }
    String msg = name + " not found in /usr/bin or on PATH: install Debian's 'prometheus' package "
        + "(apt-get install prometheus; .ci/run does) to run the Prometheus checks";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError(msg + " (CI=true: this check must run in CI)");
    }
    org.junit.jupiter.api.Assumptions.abort(msg);
    throw new IllegalStateException("unreachable");
  }

  /** Runs {@code promtool args...}, feeding {@code stdin} (may be null), for at most 60 s. */
  static Result run(byte[] stdin, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(require("promtool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      try (OutputStream in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin);
        }
      }
      byte[] out;
      try (InputStream o = p.getInputStream()) {
        out = o.readAllBytes();
      }
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("promtool " + args[0] + " did not finish in 60 s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } finally {
      p.destroyForcibly();
    }
  }
}
