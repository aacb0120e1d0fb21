package io.wpsync.agent.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles one HTTP connection: matches the route and checks the token and declared size from the
 * request head, collects the body (memory or temp file), runs the route on the worker pool and
 * writes its reply. Reading pauses while a route runs, so one connection has one request in flight.
 */
final class ApiRequestHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ApiRequestHandler.class);
  /**
   * How long a connection whose request was refused before its body was read keeps reading (and
   * dropping) that body after the reply. Closing at once, with unread bytes in the socket, makes
   * the kernel send a reset that can destroy the reply before the client reads it.
   */
  static final long LINGER_MILLIS = 2_000;

  private final HttpApiServer.Config config;
  private final Router router;
  private final TokenAuth auth;
  private final ExecutorService executor;

  // per-request state (event loop only)
  private HttpRequest request;
  private Router.Match match;
  private Scope caller;
  private boolean lingering;
  private long received;
  private ByteArrayOutputStream memoryBody;
  private Path bodyFile;
  private FileChannel bodyChannel;

  ApiRequestHandler(HttpApiServer.Config config, Router router, TokenAuth auth, ExecutorService executor) {
    this.config = config;
    this.router = router;
    this.auth = auth;
    this.executor = executor;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (lingering) {
        if (msg instanceof LastHttpContent) {
          ctx.close(); // the whole refused body arrived: closing can no longer reset the reply
        }
        return;
      }
      if (msg instanceof HttpRequest head) {
        onHead(ctx, head);
      }
      if (msg instanceof HttpContent content) {
        onContent(ctx, content);
      }
    } catch (IOException e) {
      log.warn("reading request body failed: {}", e.toString());
      fail(ctx, ApiResponse.problem(500, "Internal Server Error", "could not store the request body: " + e.getMessage()));
    } finally {
      io.netty.util.ReferenceCountUtil.release(msg);
    }
  }

  private void onHead(ChannelHandlerContext ctx, HttpRequest head) throws IOException {
    cleanup();
    request = head;
    received = 0;
    if (!head.decoderResult().isSuccess()) {
      fail(ctx, ApiResponse.problem(400, "Bad Request", "malformed HTTP request: " + head.decoderResult().cause()));
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(head.uri());
    boolean[] wrongMethod = {false};
    Optional<Router.Match> m = router.match(head.method().name(), uri.path(), wrongMethod);
    if (m.isEmpty()) {
      fail(ctx, wrongMethod[0]
          ? ApiResponse.problem(405, "Method Not Allowed", head.method() + " is not allowed on " + uri.path())
          : ApiResponse.problem(404, "Not Found", "no route " + uri.path()));
      return;
    }
    match = m.get();
    Scope required = match.entry().scope();
    caller = auth.authenticate(head.headers().get(HttpHeaderNames.AUTHORIZATION)).orElse(Scope.NONE);
    if (required != Scope.NONE && caller == Scope.NONE) {
      fail(ctx, ApiResponse.problem(401, "Unauthorized", "a bearer token is required (Authorization: Bearer <token>)")
          .withHeader("WWW-Authenticate", "Bearer realm=\"wpsync\""));
      return;
    }
    if (!caller.satisfies(required)) {
      fail(ctx, ApiResponse.problem(403, "Forbidden",
          "this token has scope " + caller.name().toLowerCase(Locale.ROOT) + "; the route needs "
              + required.name().toLowerCase(Locale.ROOT)));
      return;
    }
    long limit = limit();
    long declared = HttpUtil.getContentLength(head, -1L);
    if (declared > limit) {
      fail(ctx, tooLarge(limit));
      return;
    }
    if (HttpUtil.is100ContinueExpected(head)) {
      ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
    if (match.entry().upload()) {
      bodyFile = Files.createTempFile(config.uploadDir(), "upload-", ".part");
      bodyChannel = FileChannel.open(bodyFile, StandardOpenOption.WRITE);
    } else {
      memoryBody = new ByteArrayOutputStream();
    }
  }

  private void onContent(ChannelHandlerContext ctx, HttpContent content) throws IOException {
    if (match == null) {
      return; // refused: the rest of its body is dropped
    }
    int n = content.content().readableBytes();
    received += n;
    if (received > limit()) {
      fail(ctx, tooLarge(limit()));
      return;
    }
    if (bodyChannel != null) {
      java.nio.ByteBuffer buf = content.content().nioBuffer();
      while (buf.hasRemaining()) {
        bodyChannel.write(buf);
      }
    } else {
      content.content().readBytes(memoryBody, n);
    }
    if (content instanceof LastHttpContent) {
      dispatch(ctx);
    }
  }

  private long limit() {
    return match.entry().upload() ? config.maxUploadBytes() : config.maxBodyBytes();
  }

  private static ApiResponse tooLarge(long limit) {
    return ApiResponse.problem(413, "Content Too Large", "the request body exceeds the limit of " + limit + " bytes");
  }

  private void dispatch(ChannelHandlerContext ctx) throws IOException {
    if (bodyChannel != null) {
      bodyChannel.force(false);
      bodyChannel.close();
      bodyChannel = null;
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    Map<String, String> headers = new HashMap<>();
    request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
    ApiRequest apiRequest = new ApiRequest(request.method().name(), uri.path(), match.params(),
        uri.parameters(), headers, caller, memoryBody == null ? null : memoryBody.toByteArray(), bodyFile);
    Route route = match.entry().route();
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    boolean head = request.method().name().equals("HEAD");
    Path uploaded = bodyFile;
    bodyFile = null;
    memoryBody = null;
    match = null;
    ctx.channel().config().setAutoRead(false);
    try {
      executor.execute(() -> {
        ApiResponse response = run(route, apiRequest);
        deleteQuietly(uploaded);
        ctx.executor().execute(() -> {
          write(ctx, response, keepAlive, head);
          ctx.channel().config().setAutoRead(true);
        });
      });
    } catch (RejectedExecutionException e) {
      deleteQuietly(uploaded);
      write(ctx, ApiResponse.problem(503, "Service Unavailable", "the server is shutting down"), false, head);
    }
  }

  private static ApiResponse run(Route route, ApiRequest request) {
    try {
      return route.handle(request);
    } catch (ApiException e) {
      return ApiResponse.problem(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ApiResponse.problem(503, "Service Unavailable", "interrupted: the server is shutting down");
    } catch (Exception | Error e) {
      log.error("{} {} failed", request.method(), request.path(), e);
      return ApiResponse.problem(500, "Internal Server Error", e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /**
   * Replies with an error now and ignores the rest of this request's body. A body still on its way
   * cannot be skipped reliably, and closing with unread bytes resets the connection under the reply:
   * the connection stops writing and drops what still arrives until the body ends or for {@link
   * #LINGER_MILLIS} (a lingering close), then closes.
   */
  private void fail(ChannelHandlerContext ctx, ApiResponse response) {
    boolean bodyPending = request != null && (HttpUtil.getContentLength(request, 0L) > 0 || HttpUtil.isTransferEncodingChunked(request));
    cleanup();
    match = null;
    if (!bodyPending) {
      write(ctx, response, request != null && HttpUtil.isKeepAlive(request), false);
      return;
    }
    lingering = true;
    write(ctx, response, false, false, f -> {
      if (f.isSuccess() && f.channel() instanceof DuplexChannel duplex) {
        duplex.shutdownOutput();
        ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
      } else {
        ctx.close();
      }
    });
  }

  private static void write(ChannelHandlerContext ctx, ApiResponse r, boolean keepAlive, boolean head) {
    write(ctx, r, keepAlive, head, ChannelFutureListener.CLOSE);
  }

  /** Writes the reply; unless kept alive, {@code thenClose} runs once it is written. */
  private static void write(ChannelHandlerContext ctx, ApiResponse r, boolean keepAlive, boolean head,
      ChannelFutureListener thenClose) {
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
        head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()));
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
    r.headers().forEach((k, v) -> res.headers().set(k, v));
    if (keepAlive) {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(res);
    } else {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(res).addListener(thenClose);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("HTTP connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cleanup();
  }

  private void cleanup() {
    if (bodyChannel != null) {
      try {
        bodyChannel.close();
      } catch (IOException ignored) {
        // closing a temp file we are about to delete
      }
      bodyChannel = null;
    }
    deleteQuietly(bodyFile);
    bodyFile = null;
    memoryBody = null;
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        log.warn("could not delete upload temp file {}: {}", p, e.toString());
      }
    }
  }
}
