package io.exocom.broker.transport;

import io.exocom.broker.BrokerRuntime;
import io.exocom.broker.auth.RelayAuthentication;
import io.exocom.broker.core.Acceptance;
import io.exocom.broker.core.Broker;
import io.exocom.broker.core.Instance;
import io.exocom.broker.core.Outbound;
import io.exocom.broker.observe.Alarms;
import io.exocom.broker.routing.DevelopmentRouting;
import io.exocom.broker.routing.RoutingPolicy;
import io.exocom.broker.wire.FrameDecoder;
import io.exocom.broker.wire.FrameProblem;
import io.exocom.broker.wire.Frames;
import io.exocom.broker.wire.InboundFrame;
import io.exocom.broker.wire.LogText;
import io.exocom.broker.wire.ProtocolVersion;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.Limits;
import io.exocom.protocol.ProtocolException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

import java.util.HashSet;
import java.util.UUID;

/**
 * The protocol state of one relay connection: unregistered until a valid {@code register}, then bound to one
 * {@link Instance}. Frames of one connection arrive one at a time on its event loop, so no locking is needed here
 * (answers to sends may be written from the store's thread: {@link Outbound} is thread-safe). Nothing a client
 * sends escapes as an exception: every problem becomes an {@code error} or {@code rejected} frame and the connection
 * stays open, except a failed registration and invalid UTF-8, which PROTOCOL.md closes.
 */
final class RelaySession implements InboundAssembler.Receiver {
    private static final Logger LOG = Logger.getLogger(RelaySession.class);
    static final int CLOSE_INVALID_UTF8 = 1007;
    static final int CLOSE_TIMEOUT = 4408;
    static final int CLOSE_UNAUTHENTICATED = 4401;
    static final int CLOSE_UNKNOWN_SERVICE = 4403;
    static final int CLOSE_REPLACED = 4409;

    private final BrokerRuntime runtime;
    private final Broker broker;
    private final FrameDecoder decoder;
    private final String connectionId;
    private final String remoteAddress;
    private final Outbound out;
    private final int maxFrameSize;
    private final WarningLimiter warnings = new WarningLimiter(LOG);
    private Instance instance;
    /** The version agreed at registration (volatile: a token review may register on another thread). */
    private volatile ProtocolVersion spoken = ProtocolVersion.V1_0;
    private boolean registering;
    private boolean ended;

    RelaySession(BrokerRuntime runtime, String connectionId, String remoteAddress, Outbound out) {
        this.runtime = runtime;
        this.broker = runtime.broker();
        this.decoder = runtime.decoder();
        this.connectionId = connectionId;
        this.remoteAddress = remoteAddress;
        this.out = out;
        this.maxFrameSize = runtime.config().maxFrameSize();
    }

    boolean isRegistered() {
        return instance != null;
    }

    // ------------------------------------------------------------------ InboundAssembler.Receiver

    @Override
    public void onText(byte[] bytes, int length) {
        try {
            if (instance != null) {
                String ackId = FrameDecoder.plainAckId(bytes, length);
                if (ackId != null) {
                    ack(ackId);
                    return;
                }
            }
            handle(decoder.decodeFrame(bytes, length));
        } catch (FrameProblem problem) {
            answer(problem, problem.messageId(), problem.isSend());
        } catch (ProtocolException problem) {
            answer(problem, null, false);
        } catch (RuntimeException bug) {
            LOG.errorf(bug, "could not handle a frame from %s", who());
            error(ErrorCode.INVALID, "ExoCom could not handle this frame: " + bug);
        }
    }

    @Override
    public void onBinary() {
        answer(new ProtocolException(ErrorCode.INVALID, "binary frames are not part of the ExoCom protocol: send each "
                + "frame as JSON text"), null, false);
    }

    @Override
    public void onTooLarge(byte[] prefix, int prefixLength, long size) {
        String id = instance == null ? null : FrameDecoder.sendIdOfPrefix(prefix, prefixLength);
        String problem = "the frame has " + size + " bytes, more than this broker's limit of " + maxFrameSize
                + " (EXOCOM_MAX_FRAME_SIZE): send large data by reference (a URL or a storage key) instead";
        answer(new ProtocolException(ErrorCode.TOO_LARGE, problem), id, id != null);
    }

    @Override
    public void onInvalidUtf8() {
        String problem = "a text frame was not valid UTF-8 (RFC 6455 requires it): closing the connection";
        warnings.warn("invalid from " + who() + ": " + problem);
        error(ErrorCode.INVALID, problem);
        out.close(CLOSE_INVALID_UTF8, "invalid UTF-8");
    }

    // ------------------------------------------------------------------ lifecycle

    /** The registration deadline passed. */
    void registrationTimedOut(long timeoutMillis) {
        if (instance != null || ended) {
            return;
        }
        String problem = "no register frame within " + timeoutMillis + " ms (EXOCOM_REGISTRATION_TIMEOUT): closing";
        LOG.debugf("connection %s from %s: %s", connectionId, remoteAddress, problem);
        error(ErrorCode.NOT_REGISTERED, problem);
        out.close(CLOSE_TIMEOUT, "registration timeout");
    }

    void onClose() {
        ended = true;
        if (instance != null) {
            if (broker.unregister(instance)) {
                LOG.infof("%s disconnected", instance);
            }
            instance = null;
        }
    }

    // ------------------------------------------------------------------ frames

    private void handle(InboundFrame frame) {
        if (frame instanceof InboundFrame.Register register) {
            register(register);
            return;
        }
        if (instance == null) {
            throw new ProtocolException(ErrorCode.NOT_REGISTERED, "send a register frame first: "
                    + typeOf(frame) + " is only allowed after a successful registration");
        }
        if (frame instanceof InboundFrame.Send send) {
            String id = send.message().id();
            broker.accept(instance.service(), instance.asker(), send.message(), new SendAnswer(id));
        } else if (frame instanceof InboundFrame.Ack ack) {
            for (String id : ack.ids()) {
                ack(id);
            }
        } else if (frame instanceof InboundFrame.Nack nack) {
            if (!broker.nack(instance, nack.id(), nack.requeue(), nack.reason())) {
                LOG.debugf("%s nacked %s, which it does not hold", instance, LogText.quote(nack.id()));
            }
        } else if (frame instanceof InboundFrame.Closing) {
            broker.closing(instance);
            LOG.infof("%s is closing: no more commands for it", instance);
        }
    }

    private static String typeOf(InboundFrame frame) {
        if (frame instanceof InboundFrame.Send) {
            return "send";
        } else if (frame instanceof InboundFrame.Ack) {
            return "ack";
        } else if (frame instanceof InboundFrame.Nack) {
            return "nack";
        }
        return "closing";
    }

    /** Answers one send: {@code accepted} or {@code rejected}, exactly once (PROTOCOL.md §3). */
    private final class SendAnswer implements Acceptance {
        private final String id;

        SendAnswer(String id) {
            this.id = id;
        }

        @Override
        public boolean deliversWhileStoring() {
            return spoken.atLeast(ProtocolVersion.V1_3);
        }

        @Override
        public void accepted(long timestamp) {
            out.send(Frames.accepted(id, timestamp));
        }

        @Override
        public void rejected(ProtocolException rejection) {
            out.send(Frames.rejected(id, rejection.code(), rejection.getMessage()));
        }
    }

    private void ack(String id) {
        if (!broker.ack(instance, id)) {
            LOG.debugf("%s acked %s, which it does not hold (already redelivered or acked)", instance, LogText.quote(id));
        }
    }

    private void register(InboundFrame.Register register) {
        if (instance != null) {
            throw new ProtocolException(ErrorCode.INVALID, "this connection is already registered as " + instance
                    + "; open another connection for another instance");
        }
        if (registering) {
            throw new ProtocolException(ErrorCode.INVALID, "this connection is already registering: wait for the "
                    + "answer to its register frame");
        }
        String service = register.service();
        if (!Limits.isValidServiceName(service)) {
            throw new ProtocolException(ErrorCode.INVALID, "register.service \"" + LogText.quote(service)
                    + "\" is not a service name: use 1-" + Limits.MAX_SERVICE_NAME_LENGTH
                    + " letters, digits, '.', '_' or '-'");
        }
        var proving = runtime.authentication().prove(service, register.token(), broker.routing());
        if (proving.isDone()) {
            registerProven(register, proving.join());
            return;
        }
        // the API server is being asked: go on on this connection's event loop once it answered
        registering = true;
        Context context = Vertx.currentContext();
        proving.whenComplete((verdict, failure) -> context.runOnContext(ignored -> {
            registering = false;
            if (ended) {
                return;
            }
            try {
                registerProven(register, verdict != null ? verdict : new RelayAuthentication.Verdict(
                        null, "the token could not be checked: " + failure, "token check failed: " + failure, null));
            } catch (ProtocolException problem) {
                answer(problem, null, false);
            }
        }));
    }

    private void registerProven(InboundFrame.Register register, RelayAuthentication.Verdict verdict) {
        String service = register.service();
        if (!verdict.proven()) {
            warnings.warn("registration refused on connection " + connectionId + " from " + remoteAddress + ": "
                    + verdict.warning());
            runtime.alarms().suspicious(Alarms.Alarm.FAILED_AUTHENTICATION,
                    verdict.serviceAccount() != null ? "ServiceAccount " + verdict.serviceAccount() : remoteAddress,
                    service, verdict.warning());
            error(ErrorCode.UNAUTHENTICATED, verdict.refusal());
            out.close(CLOSE_UNAUTHENTICATED, ErrorCode.UNAUTHENTICATED.wire());
            return;
        }
        RoutingPolicy routes = broker.routing();
        if (!routes.isKnownService(service)) {
            runtime.alarms().suspicious(Alarms.Alarm.UNKNOWN_SERVICE, remoteAddress, service,
                    "connection " + connectionId + " registered as " + LogText.quote(service));
            refuseRegistration(ErrorCode.UNKNOWN_SERVICE, CLOSE_UNKNOWN_SERVICE, "service " + service
                    + " is not in the routes: declare it (an ExoService) before starting its instances");
            return;
        }
        String instanceId = register.instance() != null ? register.instance()
                : service + "-" + UUID.randomUUID().toString().substring(0, 8);
        if (!Limits.isValidId(instanceId) || !Limits.isValidName(instanceId)) {
            throw new ProtocolException(ErrorCode.INVALID, "register.instance must be 1-" + Limits.MAX_ID_LENGTH
                    + " characters without control characters");
        }
        int prefetch = register.prefetch() == null ? Limits.DEFAULT_PREFETCH : register.prefetch();
        int maxPrefetch = runtime.config().maxPrefetch();
        if (prefetch > maxPrefetch) {
            throw new ProtocolException(ErrorCode.INVALID, "register.prefetch " + prefetch + " is above this broker's "
                    + "maximum of " + maxPrefetch + " (EXOCOM_MAX_PREFETCH)");
        }
        spoken = ProtocolVersion.negotiate(register.protocol());
        if (routes instanceof DevelopmentRouting development && register.receives() != null) {
            development.learn(service, register.receives());
        }
        // From 1.1 on the names a relay declares are the handlers it has: it only gets those (PROTOCOL.md §3).
        boolean bindsReceives = spoken.atLeast(ProtocolVersion.V1_1) && register.receives() != null;
        Instance registered = new Instance(service, instanceId, prefetch,
                bindsReceives ? new HashSet<>(register.receives()) : null, out);
        instance = registered;
        Instance replaced = broker.register(registered, () -> out.send(Frames.registered(service, instanceId,
                routes.sendsOf(service), routes.receivesOf(service), spoken, maxFrameSize)));
        if (replaced != null) {
            LOG.warnf("%s registered again on a new connection; closing the old one", registered);
            replaced.outbound().close(CLOSE_REPLACED, "replaced by a newer connection of instance " + instanceId);
        }
        LOG.infof("%s registered (prefetch %d, protocol %s)", registered, prefetch, spoken);
    }

    private void refuseRegistration(ErrorCode code, int closeCode, String message) {
        warnings.warn("registration refused on connection " + connectionId + " from " + remoteAddress + ": " + message);
        error(code, message);
        out.close(closeCode, code.wire());
    }

    /**
     * A problem with a send is answered {@code rejected} (the relay waits for it); anything else {@code error}.
     *
     * @param sendId the id of the send concerned, when the problem is about a send whose id could be read
     */
    private void answer(ProtocolException problem, String sendId, boolean isSend) {
        if (isSend && instance != null) { // even without a readable id: every send gets exactly one answer
            out.send(Frames.rejected(sendId, problem.code(), problem.getMessage()));
            runtime.observer().rejected(instance.service(), null, problem);
            return;
        }
        error(problem.code(), problem.getMessage());
        warnings.warn(problem.code().wire() + " from " + who() + ": " + problem.getMessage());
    }

    private void error(ErrorCode code, String message) {
        out.send(Frames.error(code, message));
    }

    private String who() {
        return instance != null ? instance.toString() : "unregistered connection " + connectionId + " from " + remoteAddress;
    }
}
