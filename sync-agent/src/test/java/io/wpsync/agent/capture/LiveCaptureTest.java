package io.wpsync.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wpsync.core.cluster.ProposalInfo;
import io.wpsync.core.cluster.ProposalState;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestCodec;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.release.ReleaseLayout;
import io.wpsync.core.release.ReleaseMaterializer;
import io.wpsync.core.release.ReleaseMode;
import io.wpsync.core.release.ReleaseOptions;
import io.wpsync.core.release.ReleaseSwitch;
import io.wpsync.core.scan.Scanner;
import io.wpsync.core.store.FileContentStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capture on a real live release directory (real store, materializer, switch, file watcher);
 * the coordinator is replaced by a proposer that records what it is given and checks that every
 * object of the proposed tree is in the agent's store, as the coordinator's fetch would.
 */
class LiveCaptureTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir
  Path tmp;

  private FileContentStore store;
  private ReleaseLayout layout;
  private ReleaseSwitch sw;
  private ReleaseMaterializer materializer;
  private LiveCapture capture;
  private final List<Proposed> proposals = new CopyOnWriteArrayList<>();

  record Proposed(String base, Digest parent, Manifest manifest) {}

  @BeforeEach
  void setUp() throws Exception {
    store = FileContentStore.open(tmp.resolve("data/store"));
    layout = new ReleaseLayout(tmp.resolve("root"));
    sw = new ReleaseSwitch(layout, Clock.systemUTC());
    materializer = new ReleaseMaterializer(layout, store, ReleaseOptions.defaults().withMode(ReleaseMode.LIVE)
        .withLinkedPaths(Map.of("uploads", Files.createDirectories(tmp.resolve("shared-uploads")))), Clock.systemUTC());
  }

  @AfterEach
  void tearDown() throws IOException {
    if (capture != null) {
      capture.close();
    }
    store.close();
  }

  private final Proposer recorder = (agent, base, parent, id, bytes, message) -> {
    Manifest m;
    try {
      m = ManifestCodec.decode(bytes);
      assertThat(m.id()).isEqualTo(id);
      for (Digest d : m.objectDigests()) {
        assertThat(store.contains(d)).as("object %s is in the agent's store for the coordinator to fetch", d).isTrue();
      }
    } catch (Exception e) {
      throw new IOException(e);
    }
    proposals.add(new Proposed(base, parent, m));
    return new ProposalInfo("p" + proposals.size(), agent, base, id.toString(), bytes.length, parent == null ? null : parent.toString(), message, 0, "c",
        0, 0, 0, ProposalState.QUEUED, null, null, null, null, List.of(), null, null, 0);
  };

  /** Publishes a release from a source tree (as the coordinator would) and materializes it LIVE. */
  private Manifest release(String id, Path source, ReleaseMaterializer.Reuse reuse) throws Exception {
    Manifest m;
    try (Scanner s = Scanner.builder().build()) {
      m = s.scan(source);
    }
    for (ManifestEntry e : m.uniqueObjects()) {
      store.putFile(source.resolve(e.path()), e.digest());
    }
    store.put(ManifestCodec.encode(m));
    materializer.materialize(id, m, reuse);
    return m;
  }

  private Path source(String version) throws IOException {
    Path src = tmp.resolve("src-" + version);
    Files.createDirectories(src.resolve("plugins/akismet"));
    Files.createDirectories(src.resolve("themes/demo"));
    Files.writeString(src.resolve("plugins/akismet/akismet.php"), "<?php // akismet");
    Files.writeString(src.resolve("themes/demo/style.css"), "/* demo " + version + " */");
    return src;
  }

  private LiveCapture start(CaptureSettings settings) throws Exception {
    capture = new LiveCapture("agent-1", layout, io.wpsync.core.store.ManifestCache.over(store), CaptureRules.of(settings.excludes(), List.of("uploads")),
        settings, recorder, tmp.resolve("data/capture"), Duration.ofMillis(300), new SimpleMeterRegistry(),
        Clock.systemUTC());
    capture.start(sw.current().orElse(null));
    return capture;
  }

  /** Release r0 current and captured (no excludes, fast settings), left trees watched for {@code retiredWatch}. */
  private void startOnR0(Duration retiredWatch) throws Exception {
    release("r0", source("0"), ReleaseMaterializer.Reuse.NONE);
    sw.switchTo("r0");
    capture = new LiveCapture("agent-1", layout, io.wpsync.core.store.ManifestCache.over(store),
        CaptureRules.of(List.of(), List.of("uploads")), fast(), recorder, tmp.resolve("data/capture"),
        retiredWatch, new SimpleMeterRegistry(), Clock.systemUTC());
    capture.start("r0");
  }

  /** Release r1 current and captured (fast settings), then r2 built from it and switched to. */
  private void switchFromR1ToR2() throws Exception {
    release("r1", source("1"), ReleaseMaterializer.Reuse.NONE);
    sw.switchTo("r1");
    start(fast());
    release("r2", source("2"), capture.reuseFor("r2"));
    capture.aroundSwitch("r1", "r2", () -> sw.switchTo("r2"));
  }

  private static CaptureSettings fast() {
    return CaptureSettings.defaults().withQuiet(Duration.ofMillis(100)).withMinInterval(Duration.ZERO);
  }

  private Path live() throws IOException {
    return sw.currentDir().orElseThrow();
  }

  @Test
  void aPluginWrittenIntoTheLiveTreeIsProposedOnceOnItsBase() throws Exception {
    release("r1", source("1"), ReleaseMaterializer.Reuse.NONE);
    sw.switchTo("r1");
    start(fast().withQuiet(Duration.ofMillis(300)));
    Thread.sleep(600); // the start-up rescan finds nothing
    assertThat(proposals).isEmpty();

    Path plugin = Files.createDirectories(live().resolve("plugins/hello/inc"));
    for (int i = 0; i < 200; i++) { // an unzip: many files in a burst
      Files.writeString(plugin.resolve("f" + i + ".php"), "<?php // " + i);
    }
    Files.writeString(live().resolve("uploads/photo.jpg"), "jpeg"); // linked path: never captured
    Files.writeString(live().resolve("plugins/hello/debug.log"), "log"); // excluded by the rules

    await().atMost(WAIT).until(() -> proposals.size() == 1);
    Thread.sleep(500);
    assertThat(proposals).hasSize(1);
    Proposed p = proposals.get(0);
    assertThat(p.base()).isEqualTo("r1");
    assertThat(p.manifest().entry("plugins/hello/inc/f199.php")).isPresent();
    assertThat(p.manifest().entry("plugins/hello/debug.log")).isEmpty();
    assertThat(p.manifest().entries()).noneMatch(e -> e.path().startsWith("uploads"));
    assertThat(capture.status().lastOutcome()).isEqualTo("proposed");
  }

  @Test
  void captureExcludesKeepWhatTheReleaseHad() throws Exception {
    Path src = source("1");
    Files.createDirectories(src.resolve("plugins/akismet/cache"));
    Files.writeString(src.resolve("plugins/akismet/cache/data.bin"), "release content");
    release("r1", src, ReleaseMaterializer.Reuse.NONE);
    sw.switchTo("r1");
    start(fast().withExcludes(List.of("plugins/*/cache/**")));

    Files.delete(live().resolve("plugins/akismet/cache/data.bin")); // a plugin clearing its cache
    Files.writeString(live().resolve("plugins/akismet/akismet.php"), "<?php // akismet 2");

    await().atMost(WAIT).until(() -> proposals.size() == 1);
    Manifest m = proposals.get(0).manifest();
    assertThat(m.entry("plugins/akismet/cache/data.bin")).as("excluded: keeps the release's content").isPresent();
    assertThat(Files.readString(live().resolve("plugins/akismet/akismet.php"))).contains("akismet 2");
  }

  @Test
  void beyondTheWatchLimitChangesAreFoundByThePeriodicRescan() throws Exception {
    release("r1", source("1"), ReleaseMaterializer.Reuse.NONE);
    sw.switchTo("r1");
    // one watch only (the root): plugins/ and below are unwatched, as when the inotify limit is hit
    start(fast().withMaxWatches(1).withUnwatchedRescan(Duration.ofSeconds(1)).withRescan(Duration.ofHours(1)));
    assertThat(capture.coverage().complete()).isFalse();
    assertThat(capture.coverage().reason()).contains("maximum of 1");
    Thread.sleep(300);

    Files.writeString(live().resolve("plugins/akismet/akismet.php"), "<?php // edited where nothing watches");

    await().atMost(WAIT).until(() -> proposals.size() == 1);
    assertThat(proposals.get(0).manifest().entry("plugins/akismet/akismet.php").orElseThrow().size())
        .isEqualTo("<?php // edited where nothing watches".length());
  }

  @Test
  void aWriteRacingTheSwitchIsProposedAsAFollowUpAndTheOldTreeIsKeptUntilSettled() throws Exception {
    release("r1", source("1"), ReleaseMaterializer.Reuse.NONE);
    sw.switchTo("r1");
    // a long quiet period: the write below is still being debounced when the switch comes
    start(CaptureSettings.defaults().withQuiet(Duration.ofSeconds(5)).withMaxWait(Duration.ofSeconds(5)));
    Path r1 = live();

    Manifest r2 = release("r2", source("2"), capture.reuseFor("r2"));
    capture.staged("r2"); // watched ahead of the switch
    Files.writeString(r1.resolve("plugins/akismet/late.php"), "<?php // written just before the switch");
    capture.aroundSwitch("r1", "r2", () -> sw.switchTo("r2"));

    assertThat(sw.current()).contains("r2");
    await().atMost(WAIT).until(() -> proposals.size() == 1);
    Proposed p = proposals.get(0);
    assertThat(p.base()).as("follow-up on the tree it was written in").isEqualTo("r1");
    assertThat(p.manifest().entry("plugins/akismet/late.php")).isPresent();
    assertThat(capture.uncaptured()).as("the old tree stays while it is watched").contains("r1");
    await().atMost(WAIT).until(() -> capture.uncaptured().isEmpty());

    // the new release shares unchanged files with the old one instead of copying them
    assertThat(inode(layout.releaseDir("r2").resolve("plugins/akismet/akismet.php")))
        .isEqualTo(inode(r1.resolve("plugins/akismet/akismet.php")));
    assertThat(Files.readString(layout.releaseDir("r2").resolve("themes/demo/style.css"))).contains("demo 2");
    assertThat(r2.entry("plugins/akismet/late.php")).isEmpty();
  }

  /**
   * More left trees than are watched at once: the oldest stop being watched before their grace
   * ends and are rescanned when they settle (off the capture thread, without the lock); a write
   * into one of them after its watcher closed is still found and proposed on its base.
   */
  @Test
  void aLeftTreeNoLongerWatchedIsRescannedAtTheEndAndLosesNoWrite() throws Exception {
    startOnR0(Duration.ofSeconds(3));
    int switches = LiveCapture.MAX_WATCHED_RETIRED + 2;
    for (int i = 1; i <= switches; i++) {
      String id = "r" + i;
      release(id, source(Integer.toString(i)), capture.reuseFor(id));
      capture.aroundSwitch("r" + (i - 1), id, () -> sw.switchTo(id));
    }
    assertThat(capture.uncaptured()).hasSize(switches); // every left tree kept through its grace
    // r0 left first: its watcher was closed when the cap was passed; write into it now
    Files.writeString(layout.releaseDir("r0").resolve("plugins/akismet/unseen.php"), "<?php // after the watch");

    await().atMost(WAIT).until(() -> capture.uncaptured().isEmpty());
    assertThat(proposals).hasSize(1);
    assertThat(proposals.get(0).base()).isEqualTo("r0");
    assertThat(proposals.get(0).manifest().entry("plugins/akismet/unseen.php")).isPresent();
    await().atMost(WAIT).untilAsserted(() -> assertThat(watcherThreads()).isEqualTo(liveAndSettledWatchers("r" + switches)));
  }

  @Test
  void aRollbackTargetIsPutBackToItsManifestFirst() throws Exception {
    switchFromR1ToR2();
    // WordPress edits a file of r2 in place: r1 shares that inode, so r1 changes too
    Files.writeString(live().resolve("plugins/akismet/akismet.php"), "<?php // edited in place in r2");
    assertThat(Files.readString(layout.releaseDir("r1").resolve("plugins/akismet/akismet.php"))).contains("in r2");

    capture.aroundSwitch("r2", "r1", () -> sw.switchTo("r1"));

    assertThat(Files.readString(live().resolve("plugins/akismet/akismet.php"))).isEqualTo("<?php // akismet");
  }

  @Test
  void aSettledOldReleaseIsRecycledIntoTheNextOne() throws Exception {
    switchFromR1ToR2();
    assertThat(capture.holds("r1")).as("not settled yet: in use").isNull();
    await().atMost(WAIT).until(() -> capture.uncaptured().isEmpty());
    assertThat(capture.quietSettled()).as("watched to the end, kept watched").containsExactly("r1");
    // where the capture does not look (excluded: no event): found by the recycler's listing
    Files.writeString(layout.releaseDir("r1").resolve("plugins/akismet/stale.log"), "left behind");

    var holds = capture.holds("r1");
    assertThat(holds.unlisted()).as("no rescan: what it holds is known").isNull();
    assertThat(holds.manifest().entry("themes/demo/style.css").orElseThrow().size())
        .isEqualTo(Files.size(layout.releaseDir("r1").resolve("themes/demo/style.css")));
    await().atMost(WAIT).untilAsserted(() -> assertThat(watcherThreads()).containsExactly("wpsync-watch-r2"));
    Manifest v3 = release3();
    var rec = new io.wpsync.core.release.ReleaseRecycler(layout, store, materializer.options(), Clock.systemUTC())
        .recycle("r1", holds.manifest(), holds.unlisted(), "r3", v3, capture.reuseFor("r3"));

    assertThat(rec).isPresent();
    assertThat(layout.releaseIds()).containsExactlyInAnyOrder("r2", "r3");
    assertThat(Files.readString(layout.releaseDir("r3").resolve("themes/demo/style.css"))).contains("demo 3");
    assertThat(Files.exists(layout.releaseDir("r3").resolve("plugins/akismet/stale.log"))).isFalse();
    capture.aroundSwitch("r2", "r3", () -> sw.switchTo("r3"));
    assertThat(sw.current()).contains("r3");
  }

  @Test
  void aSettledReleaseWrittenAfterItSettledIsRescannedBeforeItIsRecycled() throws Exception {
    switchFromR1ToR2();
    await().atMost(WAIT).until(() -> capture.quietSettled().contains("r1"));
    Files.writeString(layout.releaseDir("r1").resolve("plugins/akismet/late.php"), "<?php // after it settled");
    Files.writeString(layout.releaseDir("r1").resolve("plugins/akismet/stale.log"), "left behind");
    await().atMost(WAIT).until(() -> capture.quietSettled().isEmpty()); // the watcher saw it

    var holds = capture.holds("r1");
    assertThat(holds.manifest().entry("plugins/akismet/late.php")).as("found by the rescan").isPresent();
    assertThat(holds.unlisted()).as("what the rescan saw beside the manifest")
        .contains("plugins/akismet/stale.log", "uploads");
    assertThat(proposals).as("a settled tree is never captured").isEmpty();
    var rec = new io.wpsync.core.release.ReleaseRecycler(layout, store, materializer.options(), Clock.systemUTC())
        .recycle("r1", holds.manifest(), holds.unlisted(), "r3", release3(), capture.reuseFor("r3"));
    assertThat(rec).isPresent();
    assertThat(Files.exists(layout.releaseDir("r3").resolve("plugins/akismet/late.php"))).isFalse();
    assertThat(Files.exists(layout.releaseDir("r3").resolve("plugins/akismet/stale.log"))).isFalse();
  }

  /**
   * A left tree whose watch was given up early (more left trees than are watched at once) is
   * watched again when it settles; found unchanged, it stays watched, so recycling it needs no rescan.
   */
  @Test
  void aTreeUnwatchedEarlyIsWatchedAgainWhenItSettlesUnchanged() throws Exception {
    startOnR0(Duration.ofSeconds(4));
    release("r1", source("1"), capture.reuseFor("r1"));
    capture.aroundSwitch("r0", "r1", () -> sw.switchTo("r1"));
    Thread.sleep(1_500); // the others leave (within r0's grace) and settle 1.5 s after it
    int switches = LiveCapture.MAX_WATCHED_RETIRED + 1;
    for (int i = 2; i <= switches; i++) {
      String id = "r" + i;
      release(id, source(Integer.toString(i)), capture.reuseFor(id));
      capture.aroundSwitch("r" + (i - 1), id, () -> sw.switchTo(id));
    }
    assertThat(watcherThreads()).as("r0's watch was given up for the newer ones").doesNotContain("wpsync-watch-r0");

    await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> capture.quietSettled().contains("r0"));
    var holds = capture.holds("r0");
    assertThat(holds.unlisted()).as("known from the settle's rescan and the watch since: no rescan").isNull();
    assertThat(holds.manifest().entry("themes/demo/style.css")).isPresent();
    assertThat(proposals).isEmpty();
  }

  @Test
  void aSettledTreeMadeCurrentAgainIsWatchedOnce() throws Exception {
    switchFromR1ToR2();
    await().atMost(WAIT).until(() -> capture.quietSettled().contains("r1"));
    capture.aroundSwitch("r2", "r1", () -> sw.switchTo("r1")); // a rollback to the settled r1

    assertThat(capture.watchedSettled()).doesNotContain("r1");
    await().atMost(WAIT).untilAsserted(() -> assertThat(watcherThreads()).containsExactly("wpsync-watch-r1", "wpsync-watch-r2"));
    await().atMost(WAIT).until(() -> capture.uncaptured().isEmpty()); // r2 settles
    await().atMost(WAIT).untilAsserted(() -> assertThat(watcherThreads()).isEqualTo(liveAndSettledWatchers("r1")));
  }

  @Test
  void onlyTheNewestSettledTreesStayWatched() throws Exception {
    release("r0", source("0"), ReleaseMaterializer.Reuse.NONE);
    sw.switchTo("r0");
    start(fast());
    int switches = LiveCapture.MAX_WATCHED_SETTLED + 3;
    for (int i = 1; i <= switches; i++) {
      String id = "r" + i;
      release(id, source(Integer.toString(i)), capture.reuseFor(id));
      capture.aroundSwitch("r" + (i - 1), id, () -> sw.switchTo(id));
      await().atMost(WAIT).until(() -> capture.uncaptured().isEmpty());
    }
    assertThat(capture.quietSettled()).hasSize(LiveCapture.MAX_WATCHED_SETTLED)
        .contains("r" + (switches - 1));
    assertThat(watcherThreads()).hasSize(LiveCapture.MAX_WATCHED_SETTLED + 1); // and the live tree's
    capture.close();
    await().atMost(WAIT).untilAsserted(() -> assertThat(watcherThreads()).isEmpty());
  }

  @Test
  void switchesRacingSettlesAndCapturesNeverDeadlock() throws Exception {
    startOnR0(Duration.ofMillis(1));
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      for (int i = 1; i <= 30; i++) {
        String id = "r" + i;
        release(id, source(Integer.toString(i)), capture.reuseFor(id));
        capture.staged(id); // watched ahead on the capture thread, which is busy settling left trees
        Files.writeString(live().resolve("plugins/akismet/w" + i + ".php"), "<?php // " + i);
        capture.aroundSwitch("r" + (i - 1), id, () -> sw.switchTo(id));
      }
    });
    assertThat(sw.current()).contains("r30");
    await().atMost(WAIT).until(() -> capture.uncaptured().isEmpty());
    // every tree left behind stopped being watched but the newest settled ones: no inotify instance leaks
    await().atMost(WAIT).untilAsserted(() -> assertThat(watcherThreads()).isEqualTo(liveAndSettledWatchers("r30")));
  }

  /** The watcher threads there should be: the live tree's and those of the settled trees kept watched. */
  private List<String> liveAndSettledWatchers(String live) {
    Set<String> settled = capture.watchedSettled();
    assertThat(settled).hasSizeLessThanOrEqualTo(LiveCapture.MAX_WATCHED_SETTLED);
    return java.util.stream.Stream.concat(java.util.stream.Stream.of(live), settled.stream())
        .map(id -> "wpsync-watch-" + id).sorted().toList();
  }

  private static List<String> watcherThreads() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .filter(n -> n.startsWith("wpsync-watch-")).sorted().toList();
  }

  /** Version 3 of the source, published to the store without materializing it. */
  private Manifest release3() throws Exception {
    Path src = source("3");
    Manifest m;
    try (Scanner s = Scanner.builder().build()) {
      m = s.scan(src);
    }
    for (ManifestEntry e : m.uniqueObjects()) {
      store.putFile(src.resolve(e.path()), e.digest());
    }
    store.put(ManifestCodec.encode(m));
    return m;
  }

  private static Object inode(Path p) throws IOException {
    return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
  }
}
