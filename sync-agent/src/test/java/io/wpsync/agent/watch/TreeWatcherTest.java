package io.wpsync.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wpsync.core.scan.ScanRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher on a real directory tree with the platform's watch service. */
class TreeWatcherTest {
  @TempDir
  Path tmp;

  private final Set<String> changed = ConcurrentHashMap.newKeySet();
  private final Set<String> incomplete = ConcurrentHashMap.newKeySet();
  private final AtomicInteger overflows = new AtomicInteger();
  private TreeWatcher watcher;

  private final TreeWatcher.Listener listener = new TreeWatcher.Listener() {
    @Override
    public void changed(String path) {
      changed.add(path);
    }

    @Override
    public void overflow() {
      overflows.incrementAndGet();
    }

    @Override
    public void incomplete(String path, String reason) {
      incomplete.add(path);
    }
  };

  @AfterEach
  void tearDown() {
    if (watcher != null) {
      watcher.close();
    }
  }

  private Path tree() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("live"));
    Files.createDirectories(root.resolve("plugins/foo/inc"));
    Files.createDirectories(root.resolve("themes/bar"));
    Files.createDirectories(root.resolve("uploads/2026"));
    Files.createDirectories(root.resolve("cache/page"));
    Files.writeString(root.resolve("plugins/foo/foo.php"), "<?php");
    Files.createDirectories(tmp.resolve("shared"));
    Files.createSymbolicLink(root.resolve("media"), tmp.resolve("shared"));
    return root;
  }

  @Test
  void reportsChangesToRecordedPathsAndWatchesNewDirectories() throws Exception {
    Path root = tree();
    watcher = new TreeWatcher(root, ScanRules.defaults(), Integer.MAX_VALUE, listener, "t").start();
    // root, plugins, plugins/foo, plugins/foo/inc, themes, themes/bar: never uploads/, cache/ or the link
    assertThat(watcher.coverage()).isEqualTo(new WatchCoverage(6, 0, 0, null));

    Files.writeString(root.resolve("plugins/foo/foo.php"), "<?php // edited");
    await().atMost(Duration.ofSeconds(10)).until(() -> changed.contains("plugins/foo/foo.php"));

    // a new plugin directory arrives with content (a rename of an unzipped tree)
    Path staged = Files.createDirectories(tmp.resolve("upgrade/newplug/sub"));
    Files.writeString(staged.resolve("x.php"), "<?php");
    Files.move(tmp.resolve("upgrade/newplug"), root.resolve("plugins/newplug"));
    await().atMost(Duration.ofSeconds(10)).until(() -> changed.contains("plugins/newplug"));
    await().atMost(Duration.ofSeconds(10)).until(() -> watcher.coverage().watched() == 8);
    Files.writeString(root.resolve("plugins/newplug/sub/y.php"), "<?php");
    await().atMost(Duration.ofSeconds(10)).until(() -> changed.contains("plugins/newplug/sub/y.php"));
    assertThat(incomplete).isEmpty();
  }

  @Test
  void excludedPathsAndLinkedPathsRaiseNoEvents() throws Exception {
    Path root = tree();
    watcher = new TreeWatcher(root, ScanRules.defaults(), Integer.MAX_VALUE, listener, "t").start();
    Files.writeString(root.resolve("uploads/2026/photo.jpg"), "jpg");
    Files.writeString(root.resolve("cache/page/index.html"), "html");
    Files.writeString(tmp.resolve("shared/through-the-link.txt"), "x");
    Files.writeString(root.resolve("plugins/foo/debug.log"), "log lines"); // **/*.log is excluded
    Files.writeString(root.resolve("plugins/foo/marker.php"), "<?php"); // a recorded path, to know events flowed
    await().atMost(Duration.ofSeconds(10)).until(() -> changed.contains("plugins/foo/marker.php"));
    Thread.sleep(200);
    assertThat(changed).containsExactly("plugins/foo/marker.php");
  }

  @Test
  void directoriesBeyondTheWatchLimitAreReportedAndCounted() throws Exception {
    Path root = tree();
    for (int i = 0; i < 5; i++) {
      Files.createDirectories(root.resolve("plugins/p" + i));
    }
    watcher = new TreeWatcher(root, ScanRules.defaults(), 4, listener, "t").start();
    WatchCoverage c = watcher.coverage();
    assertThat(c.watched()).isEqualTo(4);
    assertThat(c.unwatched()).isEqualTo(7);
    assertThat(c.complete()).isFalse();
    assertThat(c.reason()).contains("maximum of 4");
    assertThat(incomplete).hasSize(7);
  }

  @Test
  void recognisesTheKernelLimitMessages() {
    assertThat(InotifyLimit.isLimit(new IOException("User limit of inotify watches reached"))).isTrue();
    assertThat(InotifyLimit.isLimit(new IOException("User limit of inotify instances reached or too many open files")))
        .isTrue();
    assertThat(InotifyLimit.isLimit(new IOException("Permission denied"))).isFalse();
    assertThat(InotifyLimit.advice(100_000)).contains("fs.inotify.max_user_watches");
    assertThat(List.of(InotifyLimit.read(tmp.resolve("missing")).isPresent())).containsExactly(false);
    if (Files.exists(InotifyLimit.MAX_USER_WATCHES)) { // procfs reports size 0: it must be read as a stream
      assertThat(InotifyLimit.maxUserWatches().orElseThrow()).isGreaterThan(100);
    }
  }
}
