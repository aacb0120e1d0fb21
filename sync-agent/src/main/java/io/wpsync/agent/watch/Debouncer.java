package io.wpsync.agent.watch;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Turns a burst of change signals into one action, run once the burst has been quiet long enough.
 *
 * <p>Guarantees: after a {@link #signal}, the action runs once no signal has arrived for {@code
 * quiet} (so a plugin unzip in progress is never captured half-way), but no later than {@code
 * maxWait} after the first signal of the burst (so a file written every 100 ms cannot postpone a
 * capture forever); two runs start at least {@code minInterval} apart (rate limit). Signals that
 * arrive while the action runs start a new burst, handled after it. Every decision is taken under
 * one lock with the injected clock and scheduler, so tests drive time by hand; with a
 * single-threaded scheduler runs never overlap.
 *
 * <pre>{@code
 * Debouncer d = new Debouncer(Duration.ofMillis(300), Duration.ofSeconds(10), Duration.ofSeconds(1),
 *     System::nanoTime, (task, nanos) -> executor.schedule(task, nanos, TimeUnit.NANOSECONDS), capture::run);
 * watcher.onChange(d::signal);
 * }</pre>
 */
public final class Debouncer {
  /** Runs a task after a delay (a {@code ScheduledExecutorService} in production). */
  @FunctionalInterface
  public interface Scheduler {
    void schedule(Runnable task, long delayNanos);
  }

  private final long quiet;
  private final long maxWait;
  private final long minInterval;
  private final LongSupplier nanoTime;
  private final Scheduler scheduler;
  private final Runnable action;

  // guarded by this
  private boolean burst;
  private long firstAt;
  private long lastAt;
  private boolean checkPending;
  private boolean fired;
  private long lastFireAt;
  private long signals;
  private long runs;

  public Debouncer(Duration quiet, Duration maxWait, Duration minInterval, LongSupplier nanoTime, Scheduler scheduler,
      Runnable action) {
    if (quiet.isNegative() || maxWait.compareTo(quiet) < 0 || minInterval.isNegative()) {
      throw new IllegalArgumentException(String.format(
          "need 0 <= quiet (%s) <= maxWait (%s) and minInterval (%s) >= 0", quiet, maxWait, minInterval));
    }
    this.quiet = quiet.toNanos();
    this.maxWait = maxWait.toNanos();
    this.minInterval = minInterval.toNanos();
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.action = Objects.requireNonNull(action, "action");
  }

  /** Something changed: (re)starts the quiet period. Cheap; safe from any thread. */
  public void signal() {
    long now = nanoTime.getAsLong();
    long delay;
    synchronized (this) {
      signals++;
      if (!burst) {
        burst = true;
        firstAt = now;
      }
      lastAt = now;
      if (checkPending) {
        return; // the pending check re-evaluates; the due time only moves later
      }
      checkPending = true;
      delay = Math.max(0, due() - now);
    }
    scheduler.schedule(this::check, delay);
  }

  /** When the current burst may run: quiet (capped by maxWait) and not before the rate limit allows. */
  private long due() {
    long settled = Math.min(lastAt + quiet, firstAt + maxWait);
    return fired ? Math.max(settled, lastFireAt + minInterval) : settled;
  }

  private void check() {
    long now = nanoTime.getAsLong();
    synchronized (this) {
      checkPending = false;
      if (!burst) {
        return;
      }
      long due = due();
      if (now < due) {
        checkPending = true;
        scheduler.schedule(this::check, due - now);
        return;
      }
      burst = false;
      fired = true;
      lastFireAt = now;
      runs++;
    }
    action.run();
  }

  /** Signals received since creation. */
  public synchronized long signals() {
    return signals;
  }

  /** Times the action ran. */
  public synchronized long runs() {
    return runs;
  }

  /** True while a burst waits for its quiet period. */
  public synchronized boolean pending() {
    return burst;
  }
}
