package io.exocom.examples.todo.web;

import com.fasterxml.jackson.databind.JsonNode;

/** The HTML of the web service. */
final class HomePage {
    private HomePage() {
    }

    static String render(JsonNode todos, String outcome, String problem) {
        StringBuilder html = new StringBuilder(head("Todos"));
        html.append("<h1>Todos</h1>\n");
        if (todos.isEmpty()) {
            html.append("<p class=\"empty\">Nothing to do yet.</p>\n");
        } else {
            html.append("<ul class=\"todos\">\n");
            for (JsonNode todo : todos) {
                html.append("  <li>").append(escape(todo.path("text").asText())).append("</li>\n");
            }
            html.append("</ul>\n");
        }
        if (problem != null) {
            html.append("<p class=\"problem\" role=\"alert\"><strong>").append(escape(outcome)).append(":</strong> ")
                    .append(escape(problem)).append("</p>\n");
        }
        html.append("""
                <form method="post" action="/todos">
                  <label for="text">New todo</label>
                  <input id="text" name="text" autofocus>
                  <button type="submit">Add</button>
                </form>
                </body>
                </html>
                """);
        return html.toString();
    }

    static String unavailable(String sentence) {
        return head("Todos") + "<h1>Todos</h1>\n<p class=\"problem\" role=\"alert\">" + escape(sentence)
                + "</p>\n</body>\n</html>\n";
    }

    static String notFound() {
        return head("Not found") + "<h1>Not found</h1>\n<p><a href=\"/\">Todos</a></p>\n</body>\n</html>\n";
    }

    private static String head(String title) {
        return """
                <!DOCTYPE html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <title>%s</title>
                <style>
                  body { font-family: sans-serif; max-width: 40em; margin: 2em auto; }
                  .problem { color: #a00; }
                </style>
                </head>
                <body>
                """.formatted(escape(title));
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
