package io.wpsync.core.wire;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Turns {@link Message}s into frames. A {@link Message.Piece} becomes its header buffer followed by
 * its data buffer unchanged (no copy of the piece bytes); ownership of the data passes to the
 * channel. Stateless and {@link ChannelHandler.Sharable}.
 */
@ChannelHandler.Sharable
public final class MessageEncoder extends MessageToMessageEncoder<Message> {
  public MessageEncoder() {
    super(Message.class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Message msg, List<Object> out) {
    if (msg instanceof Message.Piece p) {
      out.add(MessageCodec.pieceHeader(ctx.alloc(), p.requestId(), p.object(), p.index(),
          p.objectSize(), p.data().readableBytes()));
      out.add(p.data());
      return;
    }
    var buf = ctx.alloc().buffer(64);
    try {
      MessageCodec.encode(msg, buf);
    } catch (RuntimeException e) {
      buf.release();
      throw e;
    }
    out.add(buf);
  }
}
