package io.wpsync.faults.bed;

/**
 * One simulated machine: a network namespace {@code ns} with one interface {@code eth0} at
 * {@code ip} on the test bed's bridge, whose other end is {@code bridgePort} in the bridge's
 * namespace (where link faults are applied, see {@link NetnsNetwork}).
 *
 * @param name what the tests call it ("zk-1", "coord-2", "agent-3", "observer")
 */
public record Host(String name, String ns, String ip, String bridgePort) {
  @Override
  public String toString() {
    return name + "(" + ip + ")";
  }
}
