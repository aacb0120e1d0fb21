package io.wpsync.core.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.core.store.FileContentStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The atomicity guarantee of the switch, under load: while {@code current} flips between releases
 * A and B at least 1,000 times, readers that resolve {@code current} once per "request" (as PHP does
 * with a resolved document root) and then read files x and y under the resolved directory never
 * see a mixed pair and never fail a read. A control reader that goes through {@code current/x}
 * and {@code current/y} separately must see mixed pairs, proving the test can observe a switch
 * between two reads at all.
 */
class ReleaseSwitchAtomicityTest {
  static final int SWITCHES = 1_000;
  static final int MAX_SWITCHES = 20_000;
  static final long BUDGET_NANOS = 8_000_000_000L;
  static final int READERS = 3;
  static final int FILE_SIZE = 4096;

  @TempDir Path tempDir;
  Path dir;
  FileContentStore store;
  ReleaseLayout layout;
  ReleaseSwitch sw;

  /**
   * On tmpfs when there is one: what is under test is rename(2) of a symlink and path resolution,
   * which the kernel's VFS does the same way on every filesystem; on a busy disk the fsync in every
   * switch would otherwise make 1,000 switches take far longer than this test may.
   */
  @BeforeEach
  void setUp() throws IOException {
    Path shm = Path.of("/dev/shm");
    dir = Files.isDirectory(shm) && Files.isWritable(shm)
        ? Files.createTempDirectory(shm, "wpsync-atomicity-") : tempDir;
    store = FileContentStore.open(dir.resolve("store"));
    layout = new ReleaseLayout(dir.resolve("root"));
    sw = new ReleaseSwitch(layout, Clock.systemUTC());
    ReleaseMaterializer m = new ReleaseMaterializer(layout, store, ReleaseOptions.defaults(), Clock.systemUTC());
    for (String id : List.of("A", "B")) {
      m.materialize(id, new TreeBuilder(store)
          .file("x", 0644, content(id, "x"))
          .file("y", 0644, content(id, "y"))
          .build());
    }
    sw.switchTo("A");
  }

  @AfterEach
  void tearDown() throws IOException {
    store.close();
    if (!dir.equals(tempDir)) {
      Trees.deleteTree(dir);
    }
  }

  /** {@code FILE_SIZE} bytes: the release letter, then the file name, then the letter repeated. */
  static String content(String release, String name) {
    return release + name + release.repeat(FILE_SIZE - 2);
  }

  /** The release a file's content belongs to, or null if it is not a whole file of either. */
  static String releaseOf(String text, String name) {
    for (String id : List.of("A", "B")) {
      if (text.equals(content(id, name))) {
        return id;
      }
    }
    return null;
  }

  /** Counters shared by the reader threads. */
  static final class Tally {
    final AtomicLong pairs = new AtomicLong();
    final AtomicLong mixed = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong sawA = new AtomicLong();
    final AtomicLong sawB = new AtomicLong();
    final AtomicReference<String> firstProblem = new AtomicReference<>();

    void problem(String p) {
      failures.incrementAndGet();
      firstProblem.compareAndSet(null, p);
    }
  }

  @Test
  @Timeout(60)
  void readersThatResolveCurrentOnceNeverSeeAMixedPair() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    Tally once = new Tally();
    Tally control = new Tally();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < READERS; i++) {
      boolean realPath = i % 2 == 0;
      threads.add(new Thread(() -> readResolvedOnce(realPath, stop, once), "reader-" + i));
    }
    threads.add(new Thread(() -> readThroughCurrent(stop, control), "control-reader"));
    threads.forEach(Thread::start);

    int switches = 0;
    long start = System.nanoTime();
    try {
      while (switches < MAX_SWITCHES && System.nanoTime() - start < BUDGET_NANOS
          && (switches < SWITCHES || control.mixed.get() == 0)) {
        sw.switchTo(switches % 2 == 0 ? "B" : "A");
        switches++;
      }
    } finally {
      stop.set(true);
      for (Thread t : threads) {
        t.join(10_000);
      }
    }
    long seconds = (System.nanoTime() - start) / 1_000_000;
    String summary = String.format(
        "%d switches in %d ms; resolve-once readers: %d pairs, %d mixed, %d failed (A %d, B %d), first problem %s;"
            + " control: %d pairs, %d mixed, %d failed",
        switches, seconds, once.pairs.get(), once.mixed.get(), once.failures.get(), once.sawA.get(),
        once.sawB.get(), once.firstProblem.get(), control.pairs.get(), control.mixed.get(), control.failures.get());
    System.out.println(summary);

    assertThat(switches).as(summary).isGreaterThanOrEqualTo(SWITCHES);
    assertThat(once.failures.get()).as(summary).isZero();
    assertThat(once.mixed.get()).as(summary).isZero();
    assertThat(once.sawA.get()).as(summary).isPositive();
    assertThat(once.sawB.get()).as(summary).isPositive();
    assertThat(control.failures.get()).as(summary).isZero();
    assertThat(control.mixed.get()).as(summary).isPositive();
  }

  /** Like a PHP request with a resolved document root: resolve {@code current} once, read x and y under it. */
  private void readResolvedOnce(boolean realPath, AtomicBoolean stop, Tally tally) {
    while (!stop.get()) {
      try {
        Path release = realPath
            ? layout.currentLink().toRealPath()
            : layout.root().resolve(Files.readSymbolicLink(layout.currentLink()));
        String x = releaseOf(Files.readString(release.resolve("x")), "x");
        String y = releaseOf(Files.readString(release.resolve("y")), "y");
        tally.pairs.incrementAndGet();
        if (x == null || y == null) {
          tally.problem("a torn or foreign file under " + release);
        } else if (!x.equals(y)) {
          tally.mixed.incrementAndGet();
        } else {
          (x.equals("A") ? tally.sawA : tally.sawB).incrementAndGet();
        }
      } catch (IOException | RuntimeException e) {
        tally.problem(e.toString());
      }
    }
  }

  /** The wrong way: every file through {@code current/}, so a switch between the two reads mixes them. */
  private void readThroughCurrent(AtomicBoolean stop, Tally tally) {
    Path current = layout.currentLink();
    while (!stop.get()) {
      try {
        String x = releaseOf(Files.readString(current.resolve("x")), "x");
        String y = releaseOf(Files.readString(current.resolve("y")), "y");
        tally.pairs.incrementAndGet();
        if (x == null || y == null) {
          tally.problem("a torn or foreign file");
        } else if (!x.equals(y)) {
          tally.mixed.incrementAndGet();
        }
      } catch (IOException | RuntimeException e) {
        tally.problem(e.toString());
      }
    }
  }
}
