package io.wpsync.core.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;

/**
 * Splits the byte stream into frames ({@code u32 length | u8 type | payload}) and decodes each
 * into a {@link Message}. A length above {@link Frames#MAX_FRAME} is rejected as soon as the
 * prefix is read (fail-fast: the oversize payload is never buffered). Any violation raises a
 * {@link ProtocolException} once; after it every further byte is discarded, because the stream can
 * no longer be trusted and the connection is about to be closed. Not sharable (holds the partial
 * frame).
 */
public final class MessageDecoder extends LengthFieldBasedFrameDecoder {
  private boolean failed;

  public MessageDecoder() {
    super(Frames.MAX_FRAME + Frames.LENGTH_FIELD, 0, Frames.LENGTH_FIELD, 0, Frames.LENGTH_FIELD, true);
  }

  @Override
  protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return null;
    }
    ByteBuf frame;
    try {
      frame = (ByteBuf) super.decode(ctx, in);
    } catch (TooLongFrameException e) {
      throw fail(in, new ProtocolException(ErrorCode.FRAME_TOO_LARGE,
          "frame length exceeds the limit of " + Frames.MAX_FRAME + " bytes"));
    } catch (CorruptedFrameException e) {
      throw fail(in, new ProtocolException(ErrorCode.MALFORMED_FRAME, e.getMessage()));
    }
    if (frame == null) {
      return null;
    }
    try {
      return MessageCodec.decode(frame);
    } catch (ProtocolException e) {
      throw fail(in, e);
    } finally {
      frame.release();
    }
  }

  private ProtocolException fail(ByteBuf in, ProtocolException e) {
    failed = true;
    in.skipBytes(in.readableBytes());
    return e;
  }
}
