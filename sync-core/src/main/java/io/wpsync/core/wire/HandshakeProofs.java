package io.wpsync.core.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The proofs of the mutual handshake. A proof is
 * {@code HMAC-SHA256(secret, label | version | clusterId | clientNodeId | serverNodeId |
 * clientNonce | serverNonce)} with every string length-prefixed, where the label says the
 * direction ({@code "wpsync server proof"} or {@code "wpsync client proof"}). Binding both nonces,
 * both node ids, the cluster and the direction means a proof cannot be replayed on another
 * connection, reflected back to its sender or moved to another cluster. Comparison is
 * constant-time.
 */
public final class HandshakeProofs {
  private static final String SERVER_LABEL = "wpsync server proof";
  private static final String CLIENT_LABEL = "wpsync client proof";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ClusterSecret secret;
  private final String clusterId;

  public HandshakeProofs(ClusterSecret secret, String clusterId) {
    this.secret = secret;
    this.clusterId = clusterId;
  }

  public String clusterId() {
    return clusterId;
  }

  /** A fresh random nonce. */
  public static byte[] newNonce() {
    byte[] n = new byte[Frames.NONCE_LENGTH];
    RANDOM.nextBytes(n);
    return n;
  }

  /** What the server sends in CHALLENGE. */
  public byte[] serverProof(String clientNode, String serverNode, byte[] clientNonce, byte[] serverNonce) {
    return hmac(SERVER_LABEL, clientNode, serverNode, clientNonce, serverNonce);
  }

  /** What the client sends in AUTH. */
  public byte[] clientProof(String clientNode, String serverNode, byte[] clientNonce, byte[] serverNonce) {
    return hmac(CLIENT_LABEL, clientNode, serverNode, clientNonce, serverNonce);
  }

  /** Constant-time comparison of a received proof with the expected one. */
  public static boolean matches(byte[] expected, byte[] received) {
    return MessageDigest.isEqual(expected, received);
  }

  private byte[] hmac(String label, String clientNode, String serverNode, byte[] cn, byte[] sn) {
    ByteBuffer b = ByteBuffer.allocate(2048);
    put(b, label);
    b.putShort((short) Frames.PROTOCOL_VERSION);
    put(b, clusterId);
    put(b, clientNode);
    put(b, serverNode);
    b.put(cn).put(sn);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.key(), "HmacSHA256"));
      mac.update(b.array(), 0, b.position());
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no HmacSHA256", e);
    }
  }

  private static void put(ByteBuffer b, String s) {
    byte[] u = s.getBytes(StandardCharsets.UTF_8);
    b.putShort((short) u.length).put(u);
  }
}
