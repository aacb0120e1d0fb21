package io.wpsync.agent.peer;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * Optional TLS for peer connections, from PEM files: this node's certificate chain and private key
 * (PKCS#8), and the CA that signs every peer's certificate. Both sides present certificates
 * (mutual TLS) on top of the HMAC handshake.
 *
 * <p>Netty 4.2 clients verify the server's host name by default (HTTPS endpoint identification).
 * Peers are usually addressed by pod IP, so peer certificates need the IP in a subjectAltName
 * ({@code IP:10.1.2.3}); pass {@code verifyHostname=false} to rely on the CA and the cluster secret
 * alone (see docs/protocol.md).
 */
public record PeerTls(Path certChain, Path privateKey, Path trustCa, boolean verifyHostname) {

  /** The server side: presents our certificate and requires one signed by the CA. */
  public SslContext serverContext() throws IOException {
    try {
      return SslContextBuilder.forServer(certChain.toFile(), privateKey.toFile())
          .trustManager(trustCa.toFile())
          .clientAuth(ClientAuth.REQUIRE)
          .build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IOException("TLS server context from " + certChain + ", " + privateKey + ", " + trustCa
          + ": " + e.getMessage(), e);
    }
  }

  /** The client side: verifies the server against the CA (and its host name if enabled). */
  public SslContext clientContext() throws IOException {
    try {
      return SslContextBuilder.forClient()
          .keyManager(certChain.toFile(), privateKey.toFile())
          .trustManager(trustCa.toFile())
          .endpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null)
          .build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IOException("TLS client context from " + certChain + ", " + privateKey + ", " + trustCa
          + ": " + e.getMessage(), e);
    }
  }
}
