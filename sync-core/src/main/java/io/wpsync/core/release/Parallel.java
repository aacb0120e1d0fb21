package io.wpsync.core.release;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a blocking file operation over many items on a few short-lived threads. The first failure
 * is rethrown after every started task has stopped, so the caller can clean up safely.
 */
final class Parallel {
  private static final AtomicInteger THREADS = new AtomicInteger();

  private Parallel() {}

  interface IoAction<T> {
    void run(T item) throws IOException;
  }

  static <T> void forEach(List<T> items, int threads, String name, IoAction<T> action) throws IOException {
    if (threads <= 1 || items.size() < 64) {
      for (T item : items) {
        action.run(item);
      }
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "wpsync-" + name + "-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      int chunks = threads * 4;
      int chunkSize = (items.size() + chunks - 1) / chunks;
      List<Future<?>> futures = new ArrayList<>();
      for (int from = 0; from < items.size(); from += chunkSize) {
        List<T> chunk = items.subList(from, Math.min(items.size(), from + chunkSize));
        futures.add(pool.submit(() -> {
          for (T item : chunk) {
            if (Thread.currentThread().isInterrupted()) {
              throw new InterruptedIOException(name + " cancelled");
            }
            action.run(item);
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted during " + name);
    } finally {
      pool.shutdownNow();
      try {
        pool.awaitTermination(5, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
