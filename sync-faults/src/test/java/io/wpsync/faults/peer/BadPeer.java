package io.wpsync.faults.peer;

import io.wpsync.faults.bed.FaultBed;
import io.wpsync.faults.bed.Host;
import io.wpsync.faults.bed.NsProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Starts a {@link BadPeerMain} on its own host of the test bed and waits until it serves. */
public final class BadPeer implements AutoCloseable {
  public static final int PORT = 7070;
  private final NsProcess process;

  private BadPeer(NsProcess process) {
    this.process = process;
  }

  /**
   * @param mode "corrupt" or "stall"
   * @param stallAfter file pieces served normally before a stalling peer hangs
   */
  public static BadPeer start(FaultBed bed, Host host, String id, String releaseId, String mode, int stallAfter)
      throws IOException, InterruptedException {
    List<String> args = List.of("-cp", System.getProperty("java.class.path"), BadPeerMain.class.getName(), id,
        host.ip(), Integer.toString(PORT), bed.zk().connectString(), bed.secretFile().toString(), releaseId, mode,
        Integer.toString(stallAfter), bed.dir().resolve(id).toString(), Long.toString(ProcessHandle.current().pid()));
    NsProcess p = NsProcess.start(id, host, NsProcess.java(List.of("-Xmx128m"), args),
        bed.dir().resolve("logs/" + id + ".log"), Map.of());
    BadPeer peer = new BadPeer(p);
    long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!p.logContains("READY")) {
      if (!p.isAlive() || System.nanoTime() > end) {
        p.kill();
        throw new IOException("bad peer " + id + " did not start: " + p.tail(20));
      }
      Thread.sleep(100);
    }
    return peer;
  }

  public NsProcess process() {
    return process;
  }

  @Override
  public void close() {
    process.stop(5);
  }

  @Override
  public String toString() {
    return "bad peer " + process;
  }
}
