package io.exocom.relay;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's Java example and its compiled copy (io.exocom.relay.readme.Main) are the same code. */
class ReadmeExampleTest {
    static final Path README = Path.of("..", "README.md");
    static final Path SOURCE = Path.of("src", "test", "java", "io", "exocom", "relay", "readme", "Main.java");
    private static final String ANCHOR = "A complete service that receives `todos.create`";
    private static final String PACKAGE_LINE = "package io.exocom.relay.readme;\n\n";

    /** The first java code block after the sentence that introduces the example. */
    static String readmeBlock() throws Exception {
        String readme = Files.readString(README);
        int anchor = readme.indexOf(ANCHOR);
        assertTrue(anchor >= 0, README + " no longer introduces its Java example with \"" + ANCHOR + "\"");
        int start = readme.indexOf("```java\n", anchor);
        assertTrue(start >= 0, "no ```java block after \"" + ANCHOR + "\" in " + README);
        start += "```java\n".length();
        int end = readme.indexOf("```\n", start);
        return readme.substring(start, end);
    }

    /** The compiled copy without its comment and package line. */
    static String compiledCopy() throws Exception {
        String source = Files.readString(SOURCE);
        int code = source.indexOf(PACKAGE_LINE);
        assertTrue(code >= 0, SOURCE + " must keep the line \"" + PACKAGE_LINE.strip() + "\" and a blank line");
        return source.substring(code + PACKAGE_LINE.length());
    }

    @Test
    void theReadmesCodeBlockIsTheCompiledExample() throws Exception {
        assertEquals(readmeBlock(), compiledCopy(), "README.md's Java example and " + SOURCE + " differ: change "
                + "both together (the compiled copy is what ReadmeExampleIT runs)");
    }
}
