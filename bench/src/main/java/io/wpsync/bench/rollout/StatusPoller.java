package io.wpsync.bench.rollout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Status polling at a fixed rate, as dashboards and {@code wpsync rollout status --wait} clients
 * do: alternately {@code GET /api/v1/rollouts/{id}} (the rollout in progress, or the last one) and
 * {@code GET /api/v1/agents}, with the read token, from its own thread pool. A tick finds a free
 * thread or is counted as skipped (never queued), so the achieved rate is reported honestly.
 * Between {@link #start()} and {@link #stop()} it records every request's latency and status.
 */
final class StatusPoller {
  /** What one polling period did. */
  record Stats(long requests, long errors, long skipped, double seconds, Samples latencyMillis) {
    double achievedRps() {
      return seconds <= 0 ? 0 : requests / seconds;
    }
  }

  private final URI server;
  private final String token;
  private final int rps;
  private final Supplier<String> rolloutId;
  private final HttpClient http;
  private final ExecutorService workers;
  private final Semaphore free;
  private final int threads;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong tick = new AtomicLong();
  private Samples latency = new Samples();
  private ScheduledExecutorService ticker;
  private long startedNanos;

  StatusPoller(URI server, String readToken, int rps, int threads, Supplier<String> rolloutId) {
    if (rps <= 0) {
      throw new IllegalArgumentException("rps must be positive, got " + rps);
    }
    this.server = server;
    this.token = readToken;
    this.rps = rps;
    this.rolloutId = rolloutId;
    this.workers = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "status-poller");
      t.setDaemon(true);
      return t;
    });
    this.free = new Semaphore(threads);
    this.threads = threads;
    // its own default executor: the workers block in send(), the client's internals must not need them
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  }

  /** Begins polling at the configured rate. */
  synchronized void start() {
    if (ticker != null) {
      throw new IllegalStateException("already polling");
    }
    requests.set(0);
    errors.set(0);
    skipped.set(0);
    latency = new Samples();
    startedNanos = System.nanoTime();
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "status-poller-tick");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(this::tick, 0, 1_000_000_000L / rps, TimeUnit.NANOSECONDS);
  }

  private void tick() {
    if (!free.tryAcquire()) {
      skipped.incrementAndGet();
      return;
    }
    String id = rolloutId.get();
    String path = tick.getAndIncrement() % 2 == 0 && id != null ? "/api/v1/rollouts/" + id : "/api/v1/agents";
    try {
      workers.execute(() -> {
        try {
          request(path);
        } finally {
          free.release();
        }
      });
    } catch (RuntimeException e) {
      free.release();
    }
  }

  private void request(String path) {
    long t0 = System.nanoTime();
    try {
      var r = http.send(HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofSeconds(10))
          .header("Authorization", "Bearer " + token).GET().build(), BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        errors.incrementAndGet();
      }
    } catch (IOException e) {
      errors.incrementAndGet();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    requests.incrementAndGet();
    latency.add((System.nanoTime() - t0) / 1e6);
  }

  /** Stops the ticker, waits (bounded) for requests in flight, and returns what this period did. */
  synchronized Stats stop() throws InterruptedException {
    if (ticker == null) {
      throw new IllegalStateException("not polling");
    }
    ticker.shutdownNow();
    ticker.awaitTermination(5, TimeUnit.SECONDS);
    ticker = null;
    double seconds = (System.nanoTime() - startedNanos) / 1e9;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (free.availablePermits() < threads && System.nanoTime() < end) { // requests in flight
      Thread.sleep(5);
    }
    return new Stats(requests.get(), errors.get(), skipped.get(), seconds, latency.copy());
  }

  /** Stops the worker threads for good. */
  void shutdown() {
    workers.shutdownNow();
  }
}
