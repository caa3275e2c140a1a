package io.exocom.broker.wire;

/** A protocol version, {@code MAJOR.MINOR} (PROTOCOL.md, top). */
public record ProtocolVersion(int major, int minor) implements Comparable<ProtocolVersion> {
    public static final ProtocolVersion V1_0 = new ProtocolVersion(1, 0);
    public static final ProtocolVersion V1_1 = new ProtocolVersion(1, 1);
    public static final ProtocolVersion V1_2 = new ProtocolVersion(1, 2);
    /** A sender's commands may reach their receivers while the store syncs them (PROTOCOL.md §5.5). */
    public static final ProtocolVersion V1_3 = new ProtocolVersion(1, 3);
    /** The highest version this broker speaks. */
    public static final ProtocolVersion CURRENT = V1_3;

    /** Parses {@code "1.1"}; null for anything that is not {@code MAJOR.MINOR} with small numbers. */
    public static ProtocolVersion parse(String text) {
        if (text == null) {
            return null;
        }
        int dot = text.indexOf('.');
        if (dot <= 0 || dot == text.length() - 1 || text.length() > 11) {
            return null;
        }
        try {
            int major = Integer.parseInt(text.substring(0, dot));
            int minor = Integer.parseInt(text.substring(dot + 1));
            return major < 0 || minor < 0 ? null : new ProtocolVersion(major, minor);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** What this broker speaks with a relay of version {@code relay}: the lower of the two. */
    public static ProtocolVersion negotiate(ProtocolVersion relay) {
        return relay.compareTo(CURRENT) < 0 ? relay : CURRENT;
    }

    public boolean atLeast(ProtocolVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(ProtocolVersion other) {
        return major != other.major ? Integer.compare(major, other.major) : Integer.compare(minor, other.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
