package io.exocom.protocol.routes;

/**
 * A routes file that cannot be used, naming the file, the line and the field at fault.
 */
public class RoutesException extends Exception {
    private final String source;
    private final int line;
    private final String field;
    private final String problem;

    /**
     * @param source  the file (or other source) read
     * @param line    1-based line, or 0 when unknown
     * @param field   the path of the field at fault, like {@code services.web.sends[1]}; may be empty
     * @param problem what is wrong and what would be right
     */
    public RoutesException(String source, int line, String field, String problem) {
        super(format(source, line, field, problem));
        this.source = source;
        this.line = line;
        this.field = field;
        this.problem = problem;
    }

    private static String format(String source, int line, String field, String problem) {
        StringBuilder text = new StringBuilder(source);
        if (line > 0) {
            text.append(':').append(line);
        }
        text.append(": ");
        if (field != null && !field.isEmpty()) {
            text.append(field).append(": ");
        }
        return text.append(problem).toString();
    }

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }
}
