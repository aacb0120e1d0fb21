package io.wpsync.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.scan.Scanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureRulesTest {
  @TempDir Path tree;

  private final CaptureRules rules = CaptureRules.of(List.of(), List.of("uploads"));

  @Test
  void aTreeThatStillHoldsItsReleaseYieldsThatVeryManifest() throws Exception {
    Files.createDirectories(tree.resolve("plugins/hello"));
    Files.writeString(tree.resolve("plugins/hello/hello.php"), "<?php // 1");
    Files.createDirectories(tree.resolve("uploads"));
    Files.writeString(tree.resolve("uploads/photo.jpg"), "jpeg"); // linked: never part of a capture
    try (Scanner scanner = Scanner.builder().rules(rules.scanRules()).build()) {
      Manifest release = rules.overlay(Manifest.empty(), scanner.scan(tree));

      List<ManifestEntry> again = scanner.scanEntries(tree);
      assertThat(rules.overlay(release, again, release)).isSameAs(release); // nothing rebuilt or revalidated

      Files.writeString(tree.resolve("plugins/hello/new.php"), "<?php // 2");
      Manifest changed = rules.overlay(release, scanner.scanEntries(tree), release);
      assertThat(changed).isNotSameAs(release);
      assertThat(changed.entry("plugins/hello/new.php")).isPresent();
      assertThat(changed.entry("uploads/photo.jpg")).isEmpty();
      assertThat(changed).isEqualTo(rules.overlay(release, scanner.scan(tree))); // same result as the plain path
    }
  }
}
