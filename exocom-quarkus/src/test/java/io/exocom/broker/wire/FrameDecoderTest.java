package io.exocom.broker.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.protocol.Envelope;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.Frame;
import io.exocom.protocol.FrameCodec;
import io.exocom.protocol.Limits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker's decode path on bytes against the reference reader of the protocol module (Jackson trees): the same
 * frames, the same stamped envelopes, and the complaints that PROTOCOL.md requires.
 */
class FrameDecoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final FrameDecoder decoder = new FrameDecoder();
    private final FrameCodec reference = new FrameCodec();

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private InboundFrame decode(String text) {
        byte[] bytes = utf8(text);
        return decoder.decodeFrame(bytes, bytes.length);
    }

    private FrameProblem problem(String text) {
        return assertThrows(FrameProblem.class, () -> decode(text));
    }

    /** What the broker writes for each delivery, compared with the reference encoder's envelope. */
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
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"1\",\"version\":2,\"payload\":{\"k\":[1]}}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"i \\\"q\\\"\",\"version\":\"v1\",\"payload\":\"\u00e9\u4e2d\"}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.done\",\"id\":\"2\",\"responseTo\":\"1\",\"final\":false,"
                    + "\"originId\":\"o-1\",\"payload\":[],\"headers\":{\"traceparent\":\"00-x\"}}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"1\",\"timestamp\":5,\"sender\":\"liar\",\"extra\":{\"x\":1}}}"
    })
    void stampedEnvelopesAreTheSameJsonAsTheReferenceWrites(String text) throws Exception {
        long timestamp = 1_700_000_000_123_456_789L;
        Envelope expected = ((Frame.Send) reference.decodeRelayFrame(text)).message().accepted(timestamp, "sender-service");
        InboundMessage message = ((InboundFrame.Send) decode(text)).message();
        String originId = message.originId() != null ? message.originId() : message.id();
        byte[] stamped = Envelopes.stamp(message, message.id(), timestamp, originId, message.responseTo(), "sender-service");
        assertEquals(JSON.readTree(reference.encodeEnvelope(expected)), JSON.readTree(stamped), new String(stamped, StandardCharsets.UTF_8));
        assertEquals(expected, reference.decodeEnvelope(reference.parseObject(new String(stamped, StandardCharsets.UTF_8)), true));
    }

    @Test
    void theOtherFramesDecodeAsTheReferenceReadsThem() {
        InboundFrame.Register register = assertInstanceOf(InboundFrame.Register.class, decode(
                "{\"type\":\"register\",\"service\":\"web\",\"instance\":\"w-1\",\"token\":\"t\",\"prefetch\":7,"
                        + "\"receives\":[\"a.b\",\"c.d\"],\"protocol\":\"1.1\"}"));
        assertEquals("web", register.service());
        assertEquals("w-1", register.instance());
        assertEquals(7, register.prefetch());
        assertEquals(java.util.List.of("a.b", "c.d"), register.receives());
        assertEquals(ProtocolVersion.V1_1, register.protocol());
        InboundFrame.Register old = assertInstanceOf(InboundFrame.Register.class, decode("{\"type\":\"register\",\"service\":\"web\"}"));
        assertNull(old.receives(), "no receives field: a 1.0 relay that takes everything");
        assertEquals(ProtocolVersion.V1_0, old.protocol());
        assertEquals(new InboundFrame.Nack("m", false, "r"), decode("{\"type\":\"nack\",\"id\":\"m\",\"requeue\":false,\"reason\":\"r\"}"));
        assertEquals(new InboundFrame.Nack("m", true, null), decode("{\"type\":\"nack\",\"id\":\"m\"}"));
        assertEquals(new InboundFrame.Ack(List.of("m")), decode("{\"type\":\"ack\",\"id\":\"m\"}"));
        assertEquals(new InboundFrame.Ack(List.of("a", "b")), decode("{\"type\":\"ack\",\"ids\":[\"a\",\"b\"]}"));
        assertInstanceOf(InboundFrame.Closing.class, decode("{\"type\":\"closing\"}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"ack\",\"id\":\"m-1\"}", "{\"type\":\"ack\",\"id\":\"tab-free/x:y 1\"}"})
    void plainAcksAreReadWithoutTheParserAndGiveTheSameId(String text) {
        byte[] bytes = utf8(text);
        assertEquals(((InboundFrame.Ack) decode(text)).ids().get(0), FrameDecoder.plainAckId(bytes, bytes.length));
    }

    /** Anything but the plain shape goes to the parser, which accepts it or gives its complaint. */
    @ParameterizedTest
    @ValueSource(strings = {"{ \"type\":\"ack\",\"id\":\"m-1\"}", "{\"type\":\"ack\",\"id\":\"m\\\"1\"}",
            "{\"type\":\"ack\",\"id\":\"m\\u0031\"}", "{\"type\":\"ack\",\"id\":\"m-1\",\"x\":1}",
            "{\"type\":\"ack\",\"id\":\"\"}", "{\"type\":\"ack\",\"id\":\"a\"b\"}", "{\"type\":\"ack\",\"id\":\"tab\there\"}",
            "{\"type\":\"ack\",\"id\":\"m-1\"", "{\"type\":\"nack\",\"id\":\"m-1\"}", "{\"type\":\"ack\",\"id\":\"\"}}",
            "{\"type\":\"ack\",\"id\":\"\u00e9\"}"})
    void otherAckShapesAreLeftToTheParser(String text) {
        byte[] bytes = utf8(text);
        assertNull(FrameDecoder.plainAckId(bytes, bytes.length));
    }

    @Test
    void anAckIdAboveTheLengthLimitIsLeftToTheParserWhichRefusesIt() {
        String text = "{\"type\":\"ack\",\"id\":\"" + "x".repeat(Limits.MAX_ID_LENGTH + 1) + "\"}";
        byte[] bytes = utf8(text);
        assertNull(FrameDecoder.plainAckId(bytes, bytes.length));
        assertEquals(ErrorCode.INVALID, problem(text).code());
    }

    /** 1.2: a batched ack names 1 to 10,000 valid ids, and either id or ids. */
    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"ack\",\"ids\":[]}", "{\"type\":\"ack\",\"ids\":\"a\"}",
            "{\"type\":\"ack\",\"ids\":[\"a\",1]}", "{\"type\":\"ack\",\"ids\":[\"a\",\"\"]}",
            "{\"type\":\"ack\",\"ids\":[\"a\"],\"id\":\"b\"}", "{\"type\":\"ack\",\"ids\":[\"a\"],\"ids\":[\"b\"]}",
            "{\"type\":\"ack\",\"ids\":[[\"a\"]]}"})
    void aBatchedAckOfAnyOtherShapeIsInvalid(String text) {
        FrameProblem problem = problem(text);
        assertEquals(ErrorCode.INVALID, problem.code());
        assertTrue(problem.getMessage().contains("ids") || problem.getMessage().contains("twice"), problem.getMessage());
    }

    @Test
    void aBatchedAckHoldsAtMostTenThousandIds() {
        String ids = java.util.stream.IntStream.rangeClosed(1, FrameDecoder.MAX_ACK_IDS + 1)
                .mapToObj(n -> "\"" + n + "\"").collect(java.util.stream.Collectors.joining(","));
        assertEquals(ErrorCode.INVALID, problem("{\"type\":\"ack\",\"ids\":[" + ids + "]}").code());
    }

    @Test
    void aNullPayloadIsAbsent() {
        InboundMessage message = ((InboundFrame.Send) decode(
                "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"1\",\"payload\":null}}")).message();
        assertNull(message.payload());
    }

    // ------------------------------------------------------------------ duplicate keys (issue 9 item 2)

    @Test
    void aFrameWithATypeTwiceIsRefusedAndStillKnownAsTheSendItBegan() {
        FrameProblem duplicate = problem("{\"type\":\"send\",\"type\":\"ack\",\"message\":{\"name\":\"a.b\",\"id\":\"x\"},\"id\":\"x\"}");
        assertEquals(ErrorCode.INVALID, duplicate.code());
        assertTrue(duplicate.getMessage().contains("\"type\" twice"), duplicate.getMessage());
        assertTrue(duplicate.isSend(), "answered rejected, as every send is");
        assertEquals("x", duplicate.messageId());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"name\":\"c.d\",\"id\":\"x\"}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"x\",\"id\":\"y\"}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"x\",\"payload\":1,\"payload\":2}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"x\",\"responseTo\":\"c\",\"responseTo\":\"d\"}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"x\",\"headers\":{\"k\":\"1\",\"k\":\"2\"}}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"x\",\"extra\":1,\"extra\":2}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"x\"},\"message\":{\"name\":\"c.d\",\"id\":\"x\"}}"
    })
    void duplicateKeysInTheEnvelopeOrHeadersAreRefusedAsTheSendTheyBelongTo(String text) {
        FrameProblem duplicate = problem(text);
        assertEquals(ErrorCode.INVALID, duplicate.code());
        assertTrue(duplicate.isSend(), text);
        assertEquals("x", duplicate.messageId(), text);
    }

    @Test
    void duplicateKeysInsideThePayloadAreTheReceiversBusiness() {
        InboundMessage message = ((InboundFrame.Send) decode(
                "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"1\",\"payload\":{\"k\":1,\"k\":2}}}")).message();
        assertEquals("{\"k\":1,\"k\":2}", new String(message.payload(), StandardCharsets.UTF_8), "passed through as it came");
    }

    // ------------------------------------------------------------------ every stage of parsing (issue 9 item 2)

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"x\",\"payload\":\"unterminated}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"x\",\"payload\":{\"a\":}}}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"x\",\"payload\":tru}}",
            "{\"type\":\"send\",\"message\":{\"id\":\"x\",\"name\":7}}",
            "{\"type\":\"send\",\"message\":{\"id\":\"x\"}}",
            "{\"type\":\"send\",\"message\":{\"id\":\"x\",\"name\":\"a.b\",\"final\":\"yes\"}}",
            "{\"type\":\"send\",\"message\":{\"id\":\"x\",\"name\":\"a.b\",\"version\":[1]}}",
            "{\"type\":\"send\",\"message\":{\"id\":\"x\",\"name\":\"a.b\",\"headers\":{\"k\":1}}}",
            "{\"type\":\"send\",\"message\":{\"id\":\"x\",\"name\":\"a.b\",\"originId\":\"\"}}",
            "{\"type\":\"send\",\"message\":{\"id\":\"x\",\"name\":\"a.b\"},\"trailing\":}",
            "{\"type\":\"send\",\"message\":{\"id\":\"x\",\"name\":\"a.b\"}} {\"type\":\"ack\",\"id\":\"y\"}",
            "{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"payload\":1,\"id\":\"x\",\"name\":\"c\"}}"
    })
    void aBrokenSendWhoseIdCanBeReadIsARejectionOfThatSend(String text) {
        FrameProblem broken = problem(text);
        assertEquals(ErrorCode.INVALID, broken.code());
        assertTrue(broken.isSend(), text);
        assertEquals("x", broken.messageId(), text + ": " + broken.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[1]", "not json", "{\"message\":{\"id\":\"x\",\"name\":\"a.b\"}}", "\"send\"",
            "{\"type\":7}", "{\"type\":\"launch\"}", "{\"type\":\"ack\"}", "{\"type\":\"register\"}",
            "{\"type\":\"register\",\"service\":\"w\",\"prefetch\":0}", "{\"type\":\"register\",\"service\":\"w\",\"protocol\":\"one\"}",
            "{\"type\":\"nack\",\"id\":\"m\",\"requeue\":\"no\"}"})
    void otherBrokenFramesAreErrors(String text) {
        FrameProblem broken = problem(text);
        assertEquals(ErrorCode.INVALID, broken.code());
        assertFalse(broken.isSend() && broken.messageId() != null, text);
    }

    @Test
    void theIdOfAnOversizedSendIsFoundInItsFirstBytes() {
        byte[] prefix = utf8("{\"type\":\"send\",\"message\":{\"name\":\"big\",\"id\":\"big-1\",\"payload\":\"xxxxxxxxxxxx");
        assertEquals("big-1", FrameDecoder.sendIdOfPrefix(prefix, prefix.length));
        byte[] idLate = utf8("{\"type\":\"send\",\"message\":{\"name\":\"big\",\"payload\":\"xxxxxxxxxxxx");
        assertNull(FrameDecoder.sendIdOfPrefix(idLate, idLate.length), "its id comes after what was kept");
        byte[] notSend = utf8("{\"type\":\"register\",\"message\":{\"id\":\"x\"");
        assertNull(FrameDecoder.sendIdOfPrefix(notSend, notSend.length));
    }

    @Test
    void anEnvelopeGetsAnotherIdWithNothingElseChanged() throws Exception {
        InboundMessage message = ((InboundFrame.Send) decode("{\"type\":\"send\",\"message\":{\"name\":\"a\",\"id\":\"1\","
                + "\"payload\":{\"id\":\"inner\"},\"headers\":{\"id\":\"h\"}}}")).message();
        byte[] stamped = Envelopes.stamp(message, "1", 5, "1", null, "s");
        JsonNode rewritten = JSON.readTree(Envelopes.withId(stamped, "1~s"));
        JsonNode original = JSON.readTree(stamped);
        assertEquals("1~s", rewritten.path("id").asText());
        assertEquals("inner", rewritten.path("payload").path("id").asText());
        ((com.fasterxml.jackson.databind.node.ObjectNode) original).put("id", "1~s");
        assertEquals(original, rewritten);
    }

    @Test
    void frameBytesAreTheReferencesFrames() throws Exception {
        assertEquals(JSON.readTree(reference.encode(new Frame.Accepted("a\"b", 5))), JSON.readTree(Frames.accepted("a\"b", 5)));
        assertEquals(JSON.readTree(reference.encode(new Frame.Rejected("i", ErrorCode.FORBIDDEN, "no\nway"))),
                JSON.readTree(Frames.rejected("i", ErrorCode.FORBIDDEN, "no\nway")));
        assertEquals(JSON.readTree(reference.encode(new Frame.Error(ErrorCode.INVALID, "\u0001 bad"))),
                JSON.readTree(Frames.error(ErrorCode.INVALID, "\u0001 bad")));
        byte[] envelope = utf8("{\"name\":\"a\",\"payload\":null,\"id\":\"1\"}");
        JsonNode deliver = JSON.readTree(Frames.deliver(envelope, 3));
        assertEquals(3, deliver.path("attempt").asInt());
        assertEquals(JSON.readTree(envelope), deliver.path("message"));
        Frame.Registered registered = assertInstanceOf(Frame.Registered.class, reference.decodeBrokerFrame(new String(
                Frames.registered("web", "w-1", java.util.List.of("a"), java.util.List.of(), ProtocolVersion.V1_1, 4096),
                StandardCharsets.UTF_8)));
        assertEquals("1.1", registered.protocol());
        assertEquals(4096, registered.maxFrameSize());
    }

    @Test
    void jsonStringsAreEscapedAsRfc8259Requires() throws Exception {
        String tricky = "quote\" backslash\\ newline\n tab\t nul\u0000 del\u007f \u00e9 \u4e2d \ud83d\ude00 end";
        byte[] written = new JsonBytes(8).string(tricky).toBytes();
        assertEquals(tricky, JSON.readTree(written).asText());
        assertTrue(Utf8.isValid(written, 0, written.length));
    }

    @Test
    void utf8IsCheckedByRfc3629() {
        assertTrue(Utf8.isValid(utf8("plain ascii, and more than eight bytes of it"), 0, 44));
        byte[] good = utf8("\u00e9\u4e2d\ud83d\ude00 mixed with ascii");
        assertTrue(Utf8.isValid(good, 0, good.length));
        byte[][] bad = {
                {(byte) 0xC3},                                  // cut short
                {(byte) 0x80},                                  // a continuation first
                {(byte) 0xC0, (byte) 0x80},                     // overlong NUL
                {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},        // overlong
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80},        // a surrogate
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
                {(byte) 0xFF},
                {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', (byte) 0xC3, 'x'}};
        for (byte[] bytes : bad) {
            assertFalse(Utf8.isValid(bytes, 0, bytes.length), java.util.Arrays.toString(bytes));
        }
        assertArrayEquals(good, good.clone());
    }
}
