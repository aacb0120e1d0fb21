package io.wpsync.agent.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.io.Closeable;

/**
 * The JVM and process meters every wpsync daemon exposes next to its own: memory pools and
 * buffers, GC pauses, threads, class loading, CPU, open file descriptors, uptime (Micrometer's
 * binders; names such as {@code jvm_memory_used_bytes}, {@code process_cpu_usage}). Closing stops
 * the GC listener.
 *
 * <pre>{@code
 * try (ProcessMeters jvm = ProcessMeters.bindTo(registry)) { ... }
 * }</pre>
 */
public final class ProcessMeters implements Closeable {
  private final JvmGcMetrics gc;

  private ProcessMeters(JvmGcMetrics gc) {
    this.gc = gc;
  }

  /** Registers the JVM and process meters in {@code registry}. */
  public static ProcessMeters bindTo(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    return new ProcessMeters(gc);
  }

  @Override
  public void close() {
    gc.close();
  }
}
