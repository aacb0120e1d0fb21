package io.wpsync.core.cluster;

/**
 * A published release ({@code /releases/<id>}). The manifest itself travels as an object through
 * the peer protocol; this record only names it. A release is published once {@code copies} stores
 * hold every object (normally 2; 1 in a single-coordinator setup, which the log says).
 */
public record ReleaseInfo(
    String id,
    String manifestId,
    long manifestBytes,
    String parent,
    String author,
    String message,
    long createdAt,
    long totalBytes,
    int fileCount,
    int copies) {}
