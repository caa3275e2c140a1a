package io.exocom.broker.http;

import io.exocom.broker.wire.JsonBytes;
import io.exocom.protocol.ErrorCode;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** HTTP answers for refused requests: the status of PROTOCOL.md §7 and {@code {"code","message"}}. */
final class Problems {
    private Problems() {
    }

    static Response of(ErrorCode code, String message) {
        return of(code.httpStatus(), code.wire(), message);
    }

    static Response of(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body(code, message)).build();
    }

    static byte[] body(String code, String message) {
        return new JsonBytes(64 + message.length()).ascii("{\"code\":").string(code).ascii(",\"message\":")
                .string(message).put('}').toBytes();
    }
}
