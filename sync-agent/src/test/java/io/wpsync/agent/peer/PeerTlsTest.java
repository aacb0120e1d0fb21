package io.wpsync.agent.peer;

import static io.wpsync.agent.peer.PeerTestSupport.auth;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wpsync.agent.peer.client.PeerClient;
import io.wpsync.agent.peer.client.PeerClientConfig;
import io.wpsync.agent.peer.client.PeerConnection;
import io.wpsync.agent.peer.client.PeerListener;
import io.wpsync.agent.peer.server.PeerServer;
import io.wpsync.agent.peer.server.PeerServerConfig;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.store.FileContentStore;
import io.wpsync.core.wire.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS between peers, with certificates made by the openssl CLI (skipped where it is missing): pieces
 * flow through ChunkedNioFile; host-name verification accepts a certificate with the peer's IP as
 * subjectAltName and refuses one without, unless verification is turned off.
 */
class PeerTlsTest {
  private static final int PS = 64 * 1024;
  @TempDir Path dir;

  private void openssl(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
    }
  }

  private static boolean hasOpenssl() {
    try {
      return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  /** A CA, then a node certificate signed by it, with or without an IP subjectAltName. */
  private void makeCerts() throws Exception {
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=wpsync-test-ca");
    Files.writeString(dir.resolve("san.cnf"), "subjectAltName=IP:127.0.0.1\n");
    Files.writeString(dir.resolve("nosan.cnf"), "basicConstraints=CA:FALSE\n");
    for (String name : List.of("san", "nosan")) {
      openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
          "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=node-" + name);
      openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
          "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".cnf");
    }
  }

  private PeerTls tls(String name, boolean verifyHostname) {
    return new PeerTls(dir.resolve(name + ".pem"), dir.resolve(name + ".key"), dir.resolve("ca.pem"), verifyHostname);
  }

  @Test
  void piecesFlowOverMutualTlsAndHostnamesAreCheckedAgainstIpSans() throws Exception {
    assumeTrue(hasOpenssl(), "openssl CLI not installed");
    makeCerts();
    TestRelease release = TestRelease.generate(3, PS, 2, 100, 1, 3 * PS);
    ManifestEntry big = release.manifest.uniqueObjects().stream().filter(e -> e.pieceCount() > 1).findFirst().orElseThrow();
    try (FileContentStore store = FileContentStore.open(dir.resolve("store"))) {
      release.storeInto(store);
      for (String serverCert : List.of("san", "nosan")) {
        PeerServer server = PeerServer.start(PeerServerConfig.defaults("127.0.0.1", 0, auth("srv"))
            .withIoThreads(1).withTls(tls(serverCert, false).serverContext()),
            store, new LocalAvailability(store), new SimpleMeterRegistry());
        PeerAddress addr = new PeerAddress("srv", "127.0.0.1", server.port(), true, null);
        try (server;
            PeerClient strict = new PeerClient(PeerClientConfig.defaults(auth("c1")).withIoThreads(1)
                .withTls(tls("san", true).clientContext()), new SimpleMeterRegistry());
            PeerClient lax = new PeerClient(PeerClientConfig.defaults(auth("c2")).withIoThreads(1)
                .withTls(tls("san", false).clientContext()), new SimpleMeterRegistry())) {
          if (serverCert.equals("san")) {
            fetchAndCheck(strict.connect(addr, PeerListener.NONE).get(10, TimeUnit.SECONDS), big);
          } else {
            assertThatThrownBy(() -> strict.connect(addr, PeerListener.NONE).get(10, TimeUnit.SECONDS))
                .hasStackTraceContaining("No subject alternative names");
          }
          fetchAndCheck(lax.connect(addr, PeerListener.NONE).get(10, TimeUnit.SECONDS), big);
        }
      }
    }
  }

  private static void fetchAndCheck(PeerConnection c, ManifestEntry big) throws Exception {
    for (int i = 0; i < big.pieceCount(); i++) {
      Message.Piece p = c.getPiece(big.digest(), PS, i).get(10, TimeUnit.SECONDS);
      byte[] b = new byte[p.data().readableBytes()];
      p.data().readBytes(b);
      p.data().release();
      assertThat(Digest.of(b)).isEqualTo(big.pieceDigest(i));
    }
    c.close();
  }
}
