package io.exocom.broker.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("code", code);
        body.put("message", message);
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
