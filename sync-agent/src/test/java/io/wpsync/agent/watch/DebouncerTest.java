package io.wpsync.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The debouncer driven by a hand-moved clock and a scheduler that runs tasks when time reaches them. */
class DebouncerTest {
  private static final long MS = 1_000_000L;

  /** Time and the tasks due at given times; {@link #advance} runs what falls due, in order. */
  static final class ManualTime {
    record Task(long at, long seq, Runnable r) {}

    long now;
    long seq;
    final List<Task> tasks = new ArrayList<>();

    void schedule(Runnable r, long delayNanos) {
      tasks.add(new Task(now + delayNanos, seq++, r));
    }

    void advance(long millis) {
      long end = now + millis * MS;
      while (true) {
        Task next = tasks.stream().filter(t -> t.at() <= end)
            .min(Comparator.comparingLong(Task::at).thenComparingLong(Task::seq)).orElse(null);
        if (next == null) {
          break;
        }
        tasks.remove(next);
        now = Math.max(now, next.at());
        next.r().run();
      }
      now = end;
    }
  }

  private final ManualTime time = new ManualTime();
  private final List<Long> runsAt = new ArrayList<>();

  private Debouncer debouncer(long quietMs, long maxWaitMs, long minIntervalMs) {
    return new Debouncer(Duration.ofMillis(quietMs), Duration.ofMillis(maxWaitMs), Duration.ofMillis(minIntervalMs),
        () -> time.now, time::schedule, () -> runsAt.add(time.now / MS));
  }

  @Test
  void runsOnceTheTreeHasBeenQuietLongEnough() {
    Debouncer d = debouncer(300, 10_000, 0);
    d.signal();
    time.advance(100);
    d.signal();
    time.advance(299);
    assertThat(runsAt).isEmpty();
    time.advance(1);
    assertThat(runsAt).containsExactly(400L);
    time.advance(5_000);
    assertThat(runsAt).hasSize(1);
  }

  @Test
  void aBurstOfAThousandWritesIsOneRun() {
    Debouncer d = debouncer(300, 10_000, 0);
    for (int i = 0; i < 1_000; i++) {
      d.signal();
      time.advance(2); // an unzip writing a file every 2 ms
    }
    time.advance(1_000);
    assertThat(runsAt).containsExactly(1_998L + 300); // the last write at 1,998 ms, then 300 ms of quiet
    assertThat(d.signals()).isEqualTo(1_000);
    assertThat(d.runs()).isEqualTo(1);
  }

  @Test
  void aWriterThatNeverStopsIsCapturedAfterMaxWait() {
    Debouncer d = debouncer(300, 2_000, 0);
    for (int i = 0; i < 50; i++) {
      d.signal();
      time.advance(100);
    }
    assertThat(runsAt).containsExactly(2_000L, 4_000L);
  }

  @Test
  void runsAreRateLimited() {
    Debouncer d = debouncer(100, 1_000, 5_000);
    d.signal();
    time.advance(200);
    assertThat(runsAt).containsExactly(100L);
    d.signal();
    time.advance(1_000);
    assertThat(runsAt).as("the second burst waits for the rate limit").hasSize(1);
    time.advance(4_000);
    assertThat(runsAt).containsExactly(100L, 5_100L);
  }

  @Test
  void aSignalDuringTheRunStartsANewBurst() {
    List<Long> at = new ArrayList<>();
    Debouncer[] holder = new Debouncer[1];
    holder[0] = new Debouncer(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ZERO, () -> time.now,
        time::schedule, () -> {
          at.add(time.now / MS);
          if (at.size() == 1) {
            holder[0].signal(); // a write landing while the capture runs
          }
        });
    holder[0].signal();
    time.advance(1_000);
    assertThat(at).containsExactly(100L, 200L);
    assertThat(holder[0].pending()).isFalse();
  }

  @Test
  void nothingRunsWithoutASignal() {
    debouncer(100, 1_000, 0);
    time.advance(10_000);
    assertThat(runsAt).isEmpty();
    assertThat(time.tasks).isEmpty();
  }

  @Test
  void refusesInconsistentDurations() {
    assertThatThrownBy(() -> debouncer(500, 100, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWait");
  }
}
