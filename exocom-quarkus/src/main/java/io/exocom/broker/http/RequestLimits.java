package io.exocom.broker.http;

import io.exocom.broker.config.ExocomConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Refuses an oversized {@code POST /messages} body by its declared length, before any of it is read, and gives the
 * transport's own refusal of a body above its hard limit (sent in chunks, without a length) the same named answer:
 * {@code 413} with {@code {"code":"too-large","message":...}}, never an empty body.
 */
@Singleton
public class RequestLimits {
    private final int maxFrameSize;

    RequestLimits(ExocomConfig config) {
        this.maxFrameSize = config.maxFrameSize();
    }

    void route(@Observes Router router) {
        router.route(HttpMethod.POST, "/messages").order(-2000).handler(this::checkDeclaredLength);
        router.route().order(-3000).failureHandler(this::nameTransportRefusal);
    }

    private void checkDeclaredLength(RoutingContext context) {
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            try {
                long declared = Long.parseLong(length.trim());
                if (declared > maxFrameSize) {
                    tooLarge(context, "the request body has " + declared + " bytes, more than this broker's limit of "
                            + maxFrameSize + " (EXOCOM_MAX_FRAME_SIZE)");
                    return;
                }
            } catch (NumberFormatException ignored) {
                // the HTTP layer refuses a malformed length by itself
            }
        }
        context.next();
    }

    private void nameTransportRefusal(RoutingContext context) {
        if (context.statusCode() == 413 && !context.response().headWritten()) {
            tooLarge(context, "the request body is larger than this broker's limit of " + maxFrameSize
                    + " bytes (EXOCOM_MAX_FRAME_SIZE)");
            return;
        }
        context.next();
    }

    private static void tooLarge(RoutingContext context, String message) {
        context.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(io.vertx.core.buffer.Buffer.buffer(Problems.body("too-large", message)));
    }
}
