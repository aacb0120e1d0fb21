package io.wpsync.coordinator.zk;

/** A record read from a znode with the znode's data version, for compare-and-set writes. */
public record Versioned<T>(T value, int version) {}
