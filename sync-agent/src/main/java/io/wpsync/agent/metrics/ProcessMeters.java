package io.wpsync.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.io.Closeable;
import java.lang.management.ManagementFactory;

/**
 * The JVM and process meters every wpsync daemon exposes next to its own: memory pools and
 * buffers, GC pauses, threads, class loading, CPU, open file descriptors, uptime (Micrometer's
 * binders; names such as {@code jvm_memory_used_bytes}, {@code process_cpu_usage}). Closing stops
 * the GC listener. Two of Micrometer's names break the Prometheus conventions ({@code promtool check
 * metrics} says so) and are replaced: {@code system_cpu_count} (a gauge must not end in {@code
 * _count}) is exposed as {@code system_cpus}, and {@code process_cpu_time_ns_total} (nanoseconds)
 * as the standard {@code process_cpu_seconds_total}. Call it before any other meter is registered:
 * it adds the registry's meter filters.
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
    registry.config()
        .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")))
        .meterFilter(new MeterFilter() {
          @Override
          public Meter.Id map(Meter.Id id) {
            return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
          }
        });
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      FunctionCounter.builder("process.cpu", sun, b -> Math.max(0, b.getProcessCpuTime()) / 1e9)
          .description("CPU time used by the JVM process")
          .baseUnit("seconds")
          .register(registry);
    }
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
