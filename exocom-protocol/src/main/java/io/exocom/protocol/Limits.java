package io.exocom.protocol;

/** Sizes that PROTOCOL.md fixes for every component. */
public final class Limits {
    /** Longest message name, in characters (§2). */
    public static final int MAX_NAME_LENGTH = 200;
    /** Longest message id, in characters (§2). */
    public static final int MAX_ID_LENGTH = 128;
    /** Default size limit of one frame, in bytes (§3). */
    public static final int DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
    /** Default prefetch of an instance (§3). */
    public static final int DEFAULT_PREFETCH = 64;
    /** Default port of ExoCom (§1). */
    public static final int DEFAULT_PORT = 3100;

    private Limits() {
    }

    /** Whether {@code name} is a valid message name: 1–200 characters, no control characters. */
    public static boolean isValidName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Longest service name, in characters: a Kubernetes label value. */
    public static final int MAX_SERVICE_NAME_LENGTH = 63;

    /**
     * Whether {@code service} is a valid service name: 1–63 letters, digits, '.', '_' or '-', starting and
     * ending with a letter or digit, so that it can also be a Kubernetes label value.
     */
    public static boolean isValidServiceName(String service) {
        if (service == null || service.isEmpty() || service.length() > MAX_SERVICE_NAME_LENGTH) {
            return false;
        }
        for (int i = 0; i < service.length(); i++) {
            char c = service.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            boolean inner = c == '.' || c == '_' || c == '-';
            if (!alnum && (!inner || i == 0 || i == service.length() - 1)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code id} is a valid message id: 1–128 characters. */
    public static boolean isValidId(String id) {
        return id != null && !id.isEmpty() && id.length() <= MAX_ID_LENGTH;
    }

    /** The UTF-8 size of {@code text} in bytes, without encoding it. */
    public static long utf8Length(CharSequence text) {
        long bytes = 0;
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
