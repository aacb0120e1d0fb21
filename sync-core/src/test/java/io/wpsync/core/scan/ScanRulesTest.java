package io.wpsync.core.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScanRulesTest {
  private final ScanRules defaults = ScanRules.defaults();

  @Test
  void defaultsRecordCodeAndTopLevelDropIns() {
    assertThat(defaults.recordsFile("themes/twentytwenty/style.css")).isTrue();
    assertThat(defaults.recordsFile("plugins/akismet/akismet.php")).isTrue();
    assertThat(defaults.recordsFile("mu-plugins/loader.php")).isTrue();
    assertThat(defaults.recordsFile("languages/de_DE.mo")).isTrue();
    assertThat(defaults.recordsFile("object-cache.php")).isTrue();
    assertThat(defaults.recordsFile("advanced-cache.php")).isTrue();
    assertThat(defaults.recordsFile("sunrise.php")).isTrue();
  }

  @Test
  void defaultsSkipMediaCachesAndLogs() {
    assertThat(defaults.recordsFile("uploads/2024/01/cat.jpg")).isFalse();
    assertThat(defaults.recordsFile("cache/page.html")).isFalse();
    assertThat(defaults.recordsFile("upgrade/tmp.zip")).isFalse();
    assertThat(defaults.recordsFile("wflogs/rules.php")).isFalse();
    assertThat(defaults.recordsFile("plugins/x/debug.log")).isFalse();
    assertThat(defaults.recordsFile("debug.log")).isFalse();
    assertThat(defaults.descendsInto("uploads")).isFalse();
    assertThat(defaults.recordsDirectory("uploads")).isFalse();
  }

  @Test
  void unknownTopLevelDirectoriesAreNeitherWalkedNorRecorded() {
    assertThat(defaults.descendsInto("ai1wm-backups")).isFalse();
    assertThat(defaults.recordsDirectory("ai1wm-backups")).isFalse();
    assertThat(defaults.recordsFile("ai1wm-backups/site.wpress")).isFalse();
  }

  @Test
  void directoriesInsideIncludedTreesAreRecordedEvenWhenEmpty() {
    assertThat(defaults.recordsDirectory("themes")).isTrue();
    assertThat(defaults.descendsInto("themes")).isTrue();
    assertThat(defaults.recordsDirectory("themes/a/empty")).isTrue();
  }

  @Test
  void narrowIncludesWalkOnlyTowardsTheirMatches() {
    ScanRules r = ScanRules.of(List.of("plugins/akismet/**"), List.of());
    assertThat(r.descendsInto("plugins")).isTrue();
    assertThat(r.recordsDirectory("plugins")).isFalse(); // only as the parent of what it holds
    assertThat(r.descendsInto("plugins/other")).isFalse();
    assertThat(r.recordsFile("plugins/akismet/a/b.php")).isTrue();
    assertThat(r.recordsFile("plugins/other/b.php")).isFalse();
  }

  @Test
  void anExcludedDirectoryExcludesItsSubtree() {
    ScanRules r = ScanRules.of(List.of("**"), List.of("**/node_modules"));
    assertThat(r.recordsFile("themes/a/node_modules/x/y.js")).isFalse();
    assertThat(r.descendsInto("themes/a/node_modules")).isFalse();
    assertThat(r.recordsFile("themes/a/y.js")).isTrue();
  }

  @Test
  void globSyntax() {
    assertThat(GlobPattern.compile("*.php").matches("index.php")).isTrue();
    assertThat(GlobPattern.compile("*.php").matches("a/index.php")).isFalse();
    assertThat(GlobPattern.compile("**/*.php").matches("index.php")).isTrue();
    assertThat(GlobPattern.compile("**/*.php").matches("a/b/c.php")).isTrue();
    assertThat(GlobPattern.compile("a/**/z").matches("a/z")).isTrue();
    assertThat(GlobPattern.compile("a/**/z").matches("a/b/c/z")).isTrue();
    assertThat(GlobPattern.compile("a/**/z").matches("a/b/c/y")).isFalse();
    assertThat(GlobPattern.compile("*.{js,css}").matches("a.css")).isTrue();
    assertThat(GlobPattern.compile("*.{js,css}").matches("a.php")).isFalse();
    assertThat(GlobPattern.compile("file-?.[0-9]").matches("file-a.7")).isTrue();
    assertThat(GlobPattern.compile("file-?.[!0-9]").matches("file-a.7")).isFalse();
    assertThat(GlobPattern.compile("a+b(1).txt").matches("a+b(1).txt")).isTrue();
    assertThat(GlobPattern.compile("\\*.txt").matches("*.txt")).isTrue();
    assertThat(GlobPattern.compile("\\*.txt").matches("a.txt")).isFalse();
    assertThat(GlobPattern.compile("café/*").matches("café/ü.php")).isTrue();
    assertThat(GlobPattern.compile("*").matches(".htaccess")).isTrue();
    assertThat(GlobPattern.compile("wp-*").matches("wp-config.php")).isTrue();
    assertThat(GlobPattern.compile("wp-*").matches("xwp-config.php")).isFalse();
    assertThat(GlobPattern.compile("*cache*").matches("object-cache.php")).isTrue();
    assertThat(GlobPattern.compile("*cache*").matches("objects.php")).isFalse();
    assertThat(GlobPattern.compile("a*b").matches("a-long-b")).isTrue();
    assertThat(GlobPattern.compile("a*b").matches("a-long-c")).isFalse();
    assertThat(GlobPattern.compile("*.log").matches("debug.log")).isTrue();
    assertThat(GlobPattern.compile("*.log").matches("debug.log.1")).isFalse();
  }

  @Test
  void malformedPatternsAreRefusedWithTheirText() {
    for (String bad : List.of("", "/abs/**", "dir/", "a//b", "a/../b", "./a", "[abc", "{a,b", "a\\")) {
      assertThatThrownBy(() -> ScanRules.of(List.of(bad), List.of()), bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("glob");
    }
  }
}
