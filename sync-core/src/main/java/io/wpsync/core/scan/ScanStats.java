package io.wpsync.core.scan;

/**
 * Cumulative counters of one {@link Scanner}, for metrics and benchmarks: scans finished, files
 * and bytes actually read, cache hits and misses, hash retries after a concurrent change, and
 * entries skipped because they are neither file, directory nor symlink.
 */
public record ScanStats(
    long scans, long filesHashed, long bytesHashed, long cacheHits, long cacheMisses, long retries,
    long skippedSpecial) { }
