package io.exocom.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The broker's parse that passes payloads through as text: same frames, same envelopes, same complaints. */
class FrameCodecKeepingPayloadTest {
    private final FrameCodec codec = new FrameCodec();

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"1\",\"payload\":\"x \\\"quoted\\\" \\u00e9 \\n\"}}",
            "{\"type\":\"send\",\"message\":{\"payload\":{\"list\":[1,2.5,{\"deep\":[null,true]}],\"s\":\"}\"},\"name\":\"a.b\",\"id\":\"1\"}}",
            "{ \"type\" : \"send\" , \"message\" : { \"name\" : \"a.b\" , \"payload\" : [ 1 , \"two\" ] , \"id\" : \"1\" } }",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"1\",\"payload\":-12.5e3}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"1\",\"payload\":false,\"headers\":{\"k\":\"v\"}}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"1\",\"payload\":null}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"1\"}}",
            "{\"message\":{\"name\":\"a.b\",\"id\":\"1\",\"payload\":\"p\"},\"type\":\"send\"}",
            "{\"type\":\"ack\",\"id\":\"1\"}"
    })
    void decodesLikeTheTreeAndEncodesTheSameJson(String text) throws Exception {
        ObjectNode kept = codec.parseObjectKeepingPayload(text);
        Frame viaTree = codec.decodeRelayFrame(codec.parseObject(text));
        Frame viaText = codec.decodeRelayFrame(kept);
        if (viaTree instanceof Frame.Send tree && viaText instanceof Frame.Send raw) {
            JsonNode expected = codec.mapper().readTree(codec.encodeEnvelope(tree.message()));
            JsonNode actual = codec.mapper().readTree(codec.encodeEnvelope(raw.message()));
            assertEquals(expected, actual);
            assertEquals(codec.mapper().readTree(codec.encode(tree)), codec.mapper().readTree(codec.encode(raw)));
        } else {
            assertEquals(viaTree, viaText);
        }
    }

    /** What the broker writes for each delivery: the stamped envelope, payload joined in as text. */
    @ParameterizedTest
    @ValueSource(strings = {
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"1\",\"version\":2,\"payload\":{\"k\":[1]}}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"i \\\"q\\\"\",\"version\":\"v1\",\"payload\":\"\u00e9\u4e2d\"}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.done\",\"id\":\"2\",\"responseTo\":\"1\",\"final\":false,"
                    + "\"originId\":\"o-1\",\"payload\":[],\"headers\":{\"traceparent\":\"00-x\"}}}"
    })
    void stampedEnvelopesWithTheirPayloadJoinedInAreTheSameJson(String text) throws Exception {
        Envelope viaTree = ((Frame.Send) codec.decodeRelayFrame(codec.parseObject(text))).message()
                .accepted(1_700_000_000_123_456_789L, "sender-service");
        Envelope viaText = ((Frame.Send) codec.decodeRelayFrame(codec.parseObjectKeepingPayload(text))).message()
                .accepted(1_700_000_000_123_456_789L, "sender-service");
        String written = codec.encodeEnvelope(viaText);
        assertEquals(codec.mapper().readTree(codec.encodeEnvelope(viaTree)), codec.mapper().readTree(written), written);
        assertEquals(viaTree, codec.decodeEnvelope(codec.parseObject(written), true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"ack\",\"id\":\"m-1\"}", "{\"type\":\"ack\",\"id\":\"\u00e9 \u4e2d/x:y\"}"})
    void plainAcksAreReadWithoutTheParserAndGiveTheSameId(String text) {
        Frame.Ack parsed = (Frame.Ack) codec.decodeRelayFrame(codec.parseObject(text));
        assertEquals(parsed.id(), FrameCodec.plainAckId(text));
    }

    /** Anything but the plain shape goes to the parser, which accepts it or gives its usual complaint. */
    @ParameterizedTest
    @ValueSource(strings = {"{ \"type\":\"ack\",\"id\":\"m-1\"}", "{\"type\":\"ack\",\"id\":\"m\\\"1\"}",
            "{\"type\":\"ack\",\"id\":\"m\\u0031\"}", "{\"type\":\"ack\",\"id\":\"m-1\",\"x\":1}",
            "{\"type\":\"ack\",\"id\":\"\"}", "{\"type\":\"ack\",\"id\":\"a\"b\"}", "{\"type\":\"ack\",\"id\":\"tab\there\"}",
            "{\"type\":\"ack\",\"id\":\"m-1\"", "{\"type\":\"nack\",\"id\":\"m-1\"}", "{\"type\":\"ack\",\"id\":\"\"}}"})
    void otherAckShapesAreLeftToTheParser(String text) {
        assertNull(FrameCodec.plainAckId(text));
    }

    @Test
    void anAckIdAboveTheLengthLimitIsLeftToTheParser() {
        String text = "{\"type\":\"ack\",\"id\":\"" + "x".repeat(Limits.MAX_ID_LENGTH + 1) + "\"}";
        assertNull(FrameCodec.plainAckId(text));
        assertEquals(ErrorCode.INVALID, assertThrows(ProtocolException.class,
                () -> codec.decodeRelayFrame(codec.parseObject(text))).code());
    }

    @Test
    void aNullPayloadStaysNull() {
        ObjectNode kept = codec.parseObjectKeepingPayload(
                "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"1\",\"payload\":null}}");
        assertInstanceOf(NullNode.class, kept.get("message").get("payload"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[1]", "{\"type\":\"send\",\"message\":{\"payload\":\"unterminated}}",
            "{\"type\":\"send\",\"message\":{\"payload\":{\"a\":}}}", "{\"type\":\"send\",\"message\":{\"payload\":tru}}",
            "{\"type\":\"send\",\"message\":{\"payload\":\"ctl\u0001\"}}", "not json"})
    void malformedFramesGetTheUsualComplaint(String text) {
        ProtocolException usual = assertThrows(ProtocolException.class, () -> codec.parseObject(text));
        ProtocolException kept = assertThrows(ProtocolException.class, () -> codec.parseObjectKeepingPayload(text));
        assertEquals(usual.code(), kept.code());
        assertEquals(usual.getMessage(), kept.getMessage());
    }
}
