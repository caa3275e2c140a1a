package io.exocom.examples.todo.web;

import com.fasterxml.jackson.databind.JsonNode;

/** The HTML of the web service. */
final class HomePage {
    private HomePage() {
    }

    /** A line above the list: a problem (shown as an alert) or a notice about what happened. */
    record Notice(boolean problem, String title, String text) {
        static Notice problem(String title, String text) {
            return new Notice(true, title, text);
        }

        static Notice info(String text) {
            return new Notice(false, null, text);
        }
    }

    /** What the form holds: the request id that makes adding idempotent, and the text typed so far. */
    record Form(String requestId, String text) {
    }

    /**
     * The home page: an optional notice, the list ({@code todos}; null when it cannot be shown) and the form.
     * The form's hidden request id makes a resubmission of the same form add its todo only once.
     */
    static String render(JsonNode todos, Notice notice, Form form) {
        StringBuilder html = new StringBuilder(head("Todos"));
        html.append("<h1>Todos</h1>\n");
        if (notice != null) {
            html.append(notice.problem() ? "<p class=\"problem\" role=\"alert\">" : "<p class=\"notice\" role=\"status\">");
            if (notice.title() != null) {
                html.append("<strong>").append(escape(notice.title())).append(":</strong> ");
            }
            html.append(escape(notice.text())).append("</p>\n");
        }
        if (todos == null) {
            html.append("<p class=\"unavailable\">The list cannot be shown right now. <a href=\"/\">Try again</a></p>\n");
        } else if (todos.isEmpty()) {
            html.append("<p class=\"empty\">Nothing to do yet.</p>\n");
        } else {
            html.append("<ul class=\"todos\">\n");
            for (JsonNode todo : todos) {
                html.append("  <li>").append(escape(todo.path("text").asText())).append("</li>\n");
            }
            html.append("</ul>\n");
        }
        html.append("""
                <form method="post" action="/todos">
                  <input type="hidden" name="requestId" value="%s">
                  <label for="text">New todo</label>
                  <input id="text" name="text" value="%s" autofocus>
                  <button type="submit">Add</button>
                </form>
                </body>
                </html>
                """.formatted(escape(form.requestId()), escape(form.text())));
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
                  .notice { color: #064; }
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
