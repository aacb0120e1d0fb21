package io.wpsync.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.faults.bed.Daemon;
import io.wpsync.faults.bed.FaultBed;
import io.wpsync.faults.bed.FaultBedExtension;
import io.wpsync.faults.bed.RawHttp;
import io.wpsync.faults.bed.ZkEnsemble;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 8: hostile input to every listening port of every daemon: random bytes, truncated and
 * oversized frames and a wrong-cluster HELLO to the peer ports; random bytes, a malformed request
 * line, a huge header and half-sent requests to the HTTP ports; malformed JSON and requests without
 * or with a wrong token to the APIs; zip-slip and tar-slip bundles and an oversized upload to the
 * admin API; random bytes to ZooKeeper's client ports. Afterwards every daemon is up and healthy,
 * the peer servers counted the protocol errors, a normal release and rollout still work, and no
 * file appeared outside the daemons' directories.
 */
@ExtendWith(FaultBedExtension.class)
class BadInputIT {
  private static final Duration IO = Duration.ofSeconds(15);
  private final Random random = new Random(7);

  @Test
  void hostileInputToEveryPortLeavesEveryDaemonServing(FaultBed bed) throws Exception {
    String test = "hostileInput";
    TreeSet<String> outsideBefore = outsideFiles(bed);
    List<Socket> halfOpen = new ArrayList<>();
    try {
      for (Daemon d : bed.all()) {
        peerPort(d.p2p(), d.id());
        httpPort(d, halfOpen);
      }
      for (int i = 0; i < bed.zk().size(); i++) {
        InetSocketAddress zk = bed.tunnels().local(bed.zk().host(i).ip(), ZkEnsemble.CLIENT_PORT);
        assertClosedAfter(zk, randomBytes(16 << 10), "zk-" + (i + 1) + " client port, random bytes");
      }
      Daemon coordinator = bed.coordinators().get(0).isAlive() ? bed.coordinators().get(0) : bed.coordinators().get(1);
      adminApi(bed, coordinator);

      // while the half-sent requests still hang, correct clients are served
      for (Daemon d : bed.all()) {
        assertThat(d.probe("/healthz")).as("%s healthy with half-open connections pending", d.id()).isEqualTo(200);
      }
    } finally {
      for (Socket s : halfOpen) {
        s.close();
      }
    }

    for (Daemon d : bed.all()) {
      assertThat(d.isAlive()).as("%s still running", d.id()).isTrue();
      assertThat(d.probe("/healthz")).as("%s healthy", d.id()).isEqualTo(200);
    }
    bed.zk().awaitQuorum(Duration.ofSeconds(10));
    double protocolErrors = bed.agent(1).metric("wpsync_peer_protocol_errors_total");
    System.out.printf("%s: agent-1 counted %.0f peer protocol errors%n", test, protocolErrors);
    assertThat(protocolErrors).as("the peer server counted the bad frames").isGreaterThanOrEqualTo(3);

    long t0 = System.currentTimeMillis();
    String release = bed.publish(2, 64 << 10);
    bed.rolloutAndAwait(release);
    bed.recovery().since(test, "after the hostile input: a normal release + rollout to every agent", t0);
    assertThat(outsideFiles(bed)).as("no file appeared outside the daemons' directories").isEqualTo(outsideBefore);
  }

  // ---------------------------------------------------------------- peer port

  private void peerPort(InetSocketAddress p2p, String who) throws IOException {
    assertClosedAfter(p2p, randomBytes(64 << 10), who + " p2p, random bytes");
    ByteBuffer truncated = ByteBuffer.allocate(4 + 11).putInt(100).put((byte) 1).put(new byte[10]);
    assertClosedAfter(p2p, truncated.array(), who + " p2p, truncated frame then EOF");
    byte[] huge = ByteBuffer.allocate(5).putInt(Integer.MAX_VALUE).put((byte) 7).array();
    byte[] answer = assertClosedAfter(p2p, huge, who + " p2p, 2 GiB length prefix");
    assertThat(errorCode(answer)).as(who + ": FRAME_TOO_LARGE").isEqualTo(2);
    byte[] hello = hello("another-cluster", "intruder");
    answer = assertClosedAfter(p2p, hello, who + " p2p, HELLO of another cluster");
    assertThat(errorCode(answer)).as(who + ": WRONG_CLUSTER").isEqualTo(4);
    byte[] early = ByteBuffer.allocate(4 + 1 + 4 + 32 + 4 + 4).putInt(1 + 4 + 32 + 4 + 4).put((byte) 6).putInt(1)
        .put(new byte[32]).putInt(1 << 20).putInt(0).array();
    answer = assertClosedAfter(p2p, early, who + " p2p, GET_PIECE before authenticating");
    assertThat(errorCode(answer)).as(who + ": NOT_AUTHENTICATED").isEqualTo(6);
  }

  private static byte[] hello(String cluster, String node) {
    byte[] c = cluster.getBytes(StandardCharsets.UTF_8);
    byte[] n = node.getBytes(StandardCharsets.UTF_8);
    int len = 1 + 2 + 2 + c.length + 2 + n.length + 32;
    return ByteBuffer.allocate(4 + len).putInt(len).put((byte) 1).putShort((short) 1).putShort((short) c.length)
        .put(c).putShort((short) n.length).put(n).put(new byte[32]).array();
  }

  /** The code of an ERROR frame (type 5) at the start of {@code bytes}, or -1. */
  private static int errorCode(byte[] bytes) {
    if (bytes.length < 7 || bytes[4] != 5) {
      return -1;
    }
    return ByteBuffer.wrap(bytes, 5, 2).getShort() & 0xffff;
  }

  // ---------------------------------------------------------------- HTTP port

  private void httpPort(Daemon d, List<Socket> halfOpen) throws IOException {
    InetSocketAddress http = d.http();
    String who = d.id() + " http";
    answeredOrClosed(http, randomBytes(8 << 10), who + ", random bytes");
    answeredOrClosed(http, "BLAH\r\n\r\n".getBytes(StandardCharsets.US_ASCII), who + ", malformed request line");
    String big = "GET /status HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(200_000) + "\r\n\r\n";
    answeredOrClosed(http, big.getBytes(StandardCharsets.US_ASCII), who + ", 200 kB header");
    String badLength = "POST /status HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n";
    answeredOrClosed(http, badLength.getBytes(StandardCharsets.US_ASCII), who + ", negative Content-Length");
    for (int i = 0; i < 5; i++) {
      Socket s = new Socket();
      s.connect(http, 5_000);
      s.getOutputStream().write("GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
      halfOpen.add(s);
    }
    if (d.kind() == Daemon.Kind.AGENT) {
      RawHttp.Response r = RawHttp.postJson(http, "/api/v1/capture", null, "{}", IO);
      assertThat(r.status()).as(who + ": capture without a token").isEqualTo(401);
      r = RawHttp.postJson(http, "/api/v1/capture", "not-the-token", "{}", IO);
      assertThat(r.status()).as(who + ": capture with a wrong token").isIn(401, 403);
    }
  }

  // ---------------------------------------------------------------- admin API

  private void adminApi(FaultBed bed, Daemon c) throws Exception {
    InetSocketAddress http = c.http();
    String token = bed.token();
    String who = c.id() + " api";
    assertThat(RawHttp.get(http, "/api/v1/releases", null, IO).status()).as(who + " no token").isEqualTo(401);
    assertThat(RawHttp.postJson(http, "/api/v1/rollouts", null, "{\"release\":\"r0000000001\"}", IO).status())
        .as(who + " start without a token").isEqualTo(401);
    assertThat(RawHttp.postJson(http, "/api/v1/rollouts", "0".repeat(48), "{\"release\":\"r0000000001\"}", IO)
        .status()).as(who + " start with a wrong token").isIn(401, 403);
    for (String json : List.of("{\"release\":", "[1,2,3]", "{\"release\": 12}", "{\"release\":\"../../etc\"}",
        "{\"release\":\"r0000000001\",\"deadlineSeconds\":\"soon\"}", "\u0000\u0001garbage", "{\"release\":\"r9999999999\"}")) {
      RawHttp.Response r = RawHttp.postJson(http, "/api/v1/rollouts", token, json, IO);
      assertThat(r.status()).as(who + " rollout with body %s -> %s", json, r).isBetween(400, 499);
    }
    RawHttp.Response r = RawHttp.request(http, "POST", "/api/v1/rollouts", token, "application/json",
        "{\"release\":\"r00".getBytes(StandardCharsets.UTF_8), IO);
    assertThat(r.status()).as(who + " truncated JSON").isBetween(400, 499);

    Path dir = bed.dir();
    String up = "../".repeat(24) + dir.toString().substring(1);
    Path zipSlip = zip(dir.resolve("bundles/slip.zip"), List.of("evil-theme/style.css", up + "/slip-zip/evil.php"));
    r = RawHttp.postFile(http, "/api/v1/releases/theme", token, "application/zip", zipSlip, IO);
    assertThat(r.status()).as(who + " zip-slip (../) -> %s", r).isBetween(400, 499);
    Path zipAbs = zip(dir.resolve("bundles/abs.zip"), List.of("evil-theme/style.css", dir + "/slip-zip-abs/evil.php"));
    r = RawHttp.postFile(http, "/api/v1/releases/theme", token, "application/zip", zipAbs, IO);
    assertThat(r.status()).as(who + " zip with an absolute path -> %s", r).isBetween(400, 499);

    Path tarSlip = tar(dir.resolve("bundles/slip.tar"), t -> file(t, up + "/slip-tar/evil.php"));
    r = RawHttp.postFile(http, "/api/v1/releases", token, "application/x-tar", tarSlip, IO);
    assertThat(r.status()).as(who + " tar-slip (../) -> %s", r).isBetween(400, 499);
    Path tarLink = tar(dir.resolve("bundles/link.tar"), t -> {
      TarArchiveEntry link = new TarArchiveEntry("themes/escape", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName(dir.toString());
      t.putArchiveEntry(link);
      t.closeArchiveEntry();
      file(t, "themes/escape/slip-tar-link/evil.php");
    });
    r = RawHttp.postFile(http, "/api/v1/releases", token, "application/x-tar", tarLink, IO);
    assertThat(r.status()).as(who + " tar writing through a symlink that leaves the tree -> %s", r).isBetween(400, 499);
    Path tarHard = tar(dir.resolve("bundles/hard.tar"), t -> {
      TarArchiveEntry hard = new TarArchiveEntry("themes/passwd", TarArchiveEntry.LF_LINK);
      hard.setLinkName("/etc/passwd");
      t.putArchiveEntry(hard);
      t.closeArchiveEntry();
    });
    r = RawHttp.postFile(http, "/api/v1/releases", token, "application/x-tar", tarHard, IO);
    assertThat(r.status()).as(who + " tar hard link to /etc/passwd -> %s", r).isBetween(400, 499);

    int status = oversized(http, token, (FaultBed.MAX_UPLOAD_MIB + 1) << 20);
    assertThat(status).as(who + " upload 1 MiB over the --max-upload limit").isIn(413, -1);
    Files.deleteIfExists(zipSlip);
    Files.deleteIfExists(zipAbs);
    Files.deleteIfExists(tarSlip);
    Files.deleteIfExists(tarLink);
    Files.deleteIfExists(tarHard);
  }

  /** Sends {@code bytes} of upload; returns the status, or -1 if the server cut the connection first. */
  private int oversized(InetSocketAddress http, String token, int bytes) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(http, 5_000);
      s.setSoTimeout((int) IO.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/v1/releases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
          + "\r\nContent-Type: application/x-tar\r\nContent-Length: " + bytes + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = randomBytes(64 << 10);
      try {
        for (int sent = 0; sent < bytes; sent += chunk.length) {
          out.write(chunk);
        }
        out.flush();
      } catch (IOException e) {
        // refused early: the answer may still be readable
      }
      try {
        String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        return head.startsWith("HTTP/1.") ? Integer.parseInt(head.substring(9, 12)) : -1;
      } catch (IOException | NumberFormatException e) {
        return -1;
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** Sends {@code bytes}, half-closes, reads what comes back until the server closes (bounded). */
  private static byte[] assertClosedAfter(InetSocketAddress to, byte[] bytes, String what) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(to, 5_000);
      s.setSoTimeout((int) IO.toMillis());
      try {
        s.getOutputStream().write(bytes);
        s.shutdownOutput();
      } catch (IOException e) {
        return new byte[0]; // closed on us while we wrote: that is a close
      }
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      try {
        int n;
        while ((n = in.read(buf)) >= 0 && got.size() < (1 << 20)) {
          got.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError(what + ": connection still open after " + IO.toSeconds() + " s");
      } catch (IOException e) {
        // reset: closed
      }
      return got.toByteArray();
    }
  }

  /** Sends {@code bytes}; the server must answer with a 4xx or close, not hang or crash. */
  private static void answeredOrClosed(InetSocketAddress to, byte[] bytes, String what) throws IOException {
    byte[] got = assertClosedAfter(to, bytes, what);
    String text = new String(got, StandardCharsets.ISO_8859_1);
    if (text.startsWith("HTTP/1.")) {
      int status = Integer.parseInt(text.substring(9, 12));
      assertThat(status).as(what + " -> %s", text.lines().findFirst().orElse("")).isBetween(400, 499);
    }
  }

  private static Path zip(Path file, List<String> names) throws IOException {
    Files.createDirectories(file.getParent());
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
      for (String n : names) {
        z.putNextEntry(new ZipEntry(n));
        z.write("<?php echo 'owned';\n".getBytes(StandardCharsets.UTF_8));
        z.closeEntry();
      }
    }
    return file;
  }

  private interface TarBody {
    void write(TarArchiveOutputStream t) throws IOException;
  }

  private static Path tar(Path file, TarBody body) throws IOException {
    Files.createDirectories(file.getParent());
    try (OutputStream out = Files.newOutputStream(file); TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      file(t, "themes/ok/style.css");
      body.write(t);
      t.finish();
    }
    return file;
  }

  private static void file(TarArchiveOutputStream t, String name) throws IOException {
    byte[] data = "<?php echo 'owned';\n".getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(data.length);
    e.setMode(0644);
    t.putArchiveEntry(e);
    t.write(data);
    t.closeArchiveEntry();
  }

  /**
   * Every path under the run directory outside the daemons' own directories and the suite's working
   * folders: a bundle that escaped its extraction directory would add to it.
   */
  private static TreeSet<String> outsideFiles(FaultBed bed) throws IOException {
    Path dir = bed.dir();
    TreeSet<String> out = new TreeSet<>();
    try (Stream<Path> s = Files.walk(dir)) {
      s.map(p -> dir.relativize(p).toString()).filter(p -> !p.isEmpty())
          .filter(p -> !p.matches("(coord-\\d|agent-\\d|zk-\\d|bad-[a-z]+|logs|bundles|verify-store|agent-3-disk)(/.*)?"))
          .forEach(out::add);
    }
    return out;
  }
}
