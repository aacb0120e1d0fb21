package io.wpsync.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's first quick-start command for real: {@code java -jar wpsync.jar demo} as a
 * separate process (which starts ZooKeeper, a coordinator and three agents as processes of their
 * own), and checks it succeeds, says what it did, and leaves no process behind.
 */
class DemoIT {
  @TempDir Path tmp;

  @Test
  void demoRunsReleaseRolloutChangeAndRollbackThenStopsEverything() throws Exception {
    Path jar = Path.of("target", "wpsync.jar").toAbsolutePath();
    assertThat(jar).as("the shaded jar is built in the package phase").exists();
    Path out = tmp.resolve("demo.out");
    Process p = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar.toString(), "demo", "--dir", tmp.resolve("demo").toString()))
        .redirectErrorStream(true)
        .redirectOutput(out.toFile())
        .start();
    try {
      boolean finished = p.waitFor(4, TimeUnit.MINUTES);
      String text = Files.readString(out, StandardCharsets.UTF_8);
      assertThat(finished).as("demo finished in time; output:%n%s", text).isTrue();
      assertThat(p.exitValue()).as("demo exit code; output:%n%s", text).isZero();
      assertThat(text)
          .contains("theme version 1.0")
          .contains("theme version 1.1")
          .contains("decision: COMMITTED")
          .contains("Everything is stopped");
      assertThat(text.lines().filter(l -> l.contains(": current -> releases/")).count()).isEqualTo(9);
      assertThat(p.descendants().filter(ProcessHandle::isAlive).count()).as("processes left running").isZero();
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }
}
