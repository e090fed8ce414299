package dev.grove.seeder.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;

/**
 * Shows a task's progress while the CLI waits for it: on a terminal one line redrawn in place
 * ({@code [#####-----]  52% 1.2 MiB/2.3 MiB  importing ...}), otherwise a plain line whenever the message changes or
 * another tenth is done. Not thread-safe.
 */
final class TaskProgress {
    static final int BAR_WIDTH = 20;

    private final PrintStream out;
    private final boolean terminal;
    private String lastMessage = "";
    private long lastTenth = -1;
    private int lastWidth;

    TaskProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    void update(JsonNode task) {
        long done = task.path("progress").path("done").asLong();
        long total = task.path("progress").path("total").asLong(-1);
        String unit = task.path("progress").path("unit").asText("");
        String message = task.path("message").asText("");
        if (terminal) {
            String line = bar(done, total, unit) + "  " + message;
            int pad = Math.max(0, lastWidth - line.length());
            out.print("\r" + line + " ".repeat(pad));
            out.flush();
            lastWidth = line.length();
            return;
        }
        long tenth = total > 0 ? Math.min(10, done * 10 / total) : -1;
        if (!message.equals(lastMessage) || tenth != lastTenth) {
            out.println("task " + task.path("id").asText() + ": " + task.path("state").asText() + " "
                    + amounts(done, total, unit) + (message.isEmpty() ? "" : " - " + message));
            lastMessage = message;
            lastTenth = tenth;
        }
    }

    /** Ends the redrawn line so later output starts on its own line. */
    void finish() {
        if (terminal && lastWidth > 0) {
            out.println();
        }
    }

    /** {@code [#########-----------]  45% 900/2000 objects}; an unknown total shows the amount done only. */
    static String bar(long done, long total, String unit) {
        if (total <= 0) {
            return "[" + "?".repeat(BAR_WIDTH) + "] " + amounts(done, total, unit);
        }
        long pct = Math.min(100, Math.max(0, done * 100 / total));
        int filled = (int) Math.min(BAR_WIDTH, done * BAR_WIDTH / total);
        return "[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "] " + String.format("%3d%%", pct) + " "
                + amounts(done, total, unit);
    }

    static String amounts(long done, long total, String unit) {
        if ("bytes".equals(unit)) {
            return human(done) + (total > 0 ? "/" + human(total) : "");
        }
        return done + (total > 0 ? "/" + total : "") + (unit.isEmpty() ? "" : " " + unit);
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[i]);
    }
}
