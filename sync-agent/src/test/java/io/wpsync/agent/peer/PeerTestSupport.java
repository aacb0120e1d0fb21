package io.wpsync.agent.peer;

import io.netty.buffer.Unpooled;
import io.wpsync.core.wire.ClusterSecret;
import io.wpsync.core.wire.Frames;
import io.wpsync.core.wire.Message;
import io.wpsync.core.wire.MessageCodec;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Shared bits of the peer tests: a cluster identity and raw-socket frame I/O. */
public final class PeerTestSupport {
  public static final String CLUSTER = "test-cluster";
  public static final ClusterSecret SECRET = ClusterSecret.of("test-secret-0123456789abcdef-0123456789");

  private PeerTestSupport() {}

  public static PeerAuth auth(String nodeId) {
    return new PeerAuth(CLUSTER, nodeId, SECRET);
  }

  /** Writes one message as a frame to a raw stream. */
  public static void write(OutputStream out, Message m) throws IOException {
    var buf = Unpooled.buffer();
    MessageCodec.encode(m, buf);
    byte[] b = new byte[buf.readableBytes()];
    buf.readBytes(b);
    out.write(b);
    out.flush();
  }

  /** Reads one frame from a raw stream; null at end of stream. */
  public static Message read(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    int len;
    try {
      len = d.readInt();
    } catch (EOFException e) {
      return null;
    }
    if (len < 1 || len > Frames.MAX_FRAME) {
      throw new IOException("bad frame length " + len);
    }
    byte[] body = new byte[len];
    d.readFully(body);
    return MessageCodec.decode(Unpooled.wrappedBuffer(body));
  }
}
