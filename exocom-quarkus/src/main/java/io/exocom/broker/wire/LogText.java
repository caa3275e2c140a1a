package io.exocom.broker.wire;

/**
 * Text that a client chose (service names, message names, ids, reasons), made safe to put into a log line or an
 * error sentence: control characters are escaped, so that a newline cannot forge a log line, and long text is cut,
 * so that one client cannot fill the log.
 */
public final class LogText {
    /** Longest client text put into one line, in characters. */
    public static final int MAX = 200;

    private LogText() {
    }

    public static String quote(String text) {
        if (text == null) {
            return "null";
        }
        int limit = Math.min(text.length(), MAX);
        StringBuilder out = null;
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            boolean unsafe = c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == '\u2028' || c == '\u2029';
            if (unsafe && out == null) {
                out = new StringBuilder(limit + 16).append(text, 0, i);
            }
            if (out != null) {
                if (unsafe) {
                    switch (c) {
                        case '\n' -> out.append("\\n");
                        case '\r' -> out.append("\\r");
                        case '\t' -> out.append("\\t");
                        default -> out.append(String.format("\\u%04x", (int) c));
                    }
                } else {
                    out.append(c);
                }
            }
        }
        String safe = out == null ? (limit == text.length() ? text : text.substring(0, limit)) : out.toString();
        return text.length() > MAX ? safe + "... (" + text.length() + " characters)" : safe;
    }
}
