package dev.grove.simulations.report;

import dev.grove.simulations.report.RunReport.Sample;
import dev.grove.simulations.report.RunReport.SiteReport;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The two plots, as plain SVG text (no plotting library). Stateless. */
final class Svg {
    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

    private Svg() {
    }

    /** Per site: measured WAN bytes in (solid) next to the direct-pull baseline (grey). */
    static String wanBars(RunReport r) {
        List<SiteReport> sites = r.sites();
        int w = Math.max(400, 80 + sites.size() * 40);
        int h = 320;
        int left = 70;
        int bottom = 260;
        int top = 40;
        long max = 1;
        for (SiteReport s : sites) {
            max = Math.max(max, Math.max(s.wanBytesIn(), s.baselineBytes()));
        }
        StringBuilder b = open(w, h, "WAN bytes in per site vs direct-pull baseline (" + r.scenario() + ")");
        axis(b, left, top, bottom, w - 10, max, "MiB", 1048576.0);
        double slot = (w - left - 10.0) / Math.max(1, sites.size());
        double bar = Math.min(16, slot / 2.5);
        for (int i = 0; i < sites.size(); i++) {
            SiteReport s = sites.get(i);
            double x = left + i * slot + slot / 2 - bar;
            rect(b, x, bottom, bar, (bottom - top) * (double) s.wanBytesIn() / max, COLORS[0]);
            rect(b, x + bar, bottom, bar, (bottom - top) * (double) s.baselineBytes() / max, "#bbbbbb");
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" transform=\"rotate(45 "
                    + "%.1f %d)\">%s</text>%n", x, bottom + 12, x, bottom + 12, esc(s.site())));
        }
        legend(b, w - 200, 30, new String[] {"measured WAN in", "baseline (nodes x one copy)"},
                new String[] {COLORS[0], "#bbbbbb"});
        return b.append("</svg>\n").toString();
    }

    /** Per site: how many nodes serve the currently published commit, over time. */
    static String convergenceLines(RunReport r) {
        Map<String, List<Sample>> bySite = ReportWriter.bySite(r);
        int w = 640;
        int h = 340;
        int left = 60;
        int bottom = 280;
        int top = 40;
        double tMax = 1;
        int nMax = 1;
        for (Sample s : r.samples()) {
            tMax = Math.max(tMax, s.tS());
            nMax = Math.max(nMax, Math.max(s.converged(), s.running()));
        }
        StringBuilder b = open(w, h, "Converged nodes per site over time (" + r.scenario() + ")");
        axis(b, left, top, bottom, w - 10, nMax, "nodes", 1);
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\">0 s</text>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%.0f s</text>%n", left, bottom + 14,
                w - 10, bottom + 14, tMax));
        int i = 0;
        for (Map.Entry<String, List<Sample>> e : bySite.entrySet()) {
            StringBuilder pts = new StringBuilder();
            for (Sample s : e.getValue()) {
                // a small per-site offset keeps coincident lines visible
                double y = bottom - (bottom - top) * (double) s.converged() / nMax - (i % 5) * 0.8;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", left + (w - 10 - left) * s.tS() / tMax, y));
            }
            b.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
                    + "points=\"%s\"><title>%s</title></polyline>%n", COLORS[i % COLORS.length], pts, esc(e.getKey())));
            i++;
        }
        if (bySite.size() <= 10) {
            legend(b, w - 160, 30, bySite.keySet().toArray(String[]::new), COLORS);
        }
        for (RunReport.EventRecord ev : r.events()) {
            double x = left + (w - 10 - left) * ev.atS() / tMax;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" "
                    + "stroke-dasharray=\"2,3\"><title>%s</title></line>%n", x, top, x, bottom, esc(ev.event())));
        }
        return b.append("</svg>\n").toString();
    }

    private static StringBuilder open(int w, int h, String title) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", w, h));
        b.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"20\" font-size=\"13\">%s</text>%n", esc(title)));
        return b;
    }

    private static void axis(StringBuilder b, int left, int top, int bottom, int right, double max, String unit,
                             double div) {
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n"
                + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left, top, left, bottom, left,
                bottom, right, bottom));
        for (int k = 0; k <= 4; k++) {
            double v = max * k / 4;
            double y = bottom - (bottom - top) * k / 4.0;
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">"
                    + "%.1f</text>%n", left - 4, y + 3, v / div));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\">%s</text>%n", 4, top - 6,
                unit));
    }

    private static void rect(StringBuilder b, double x, int bottom, double w, double h, String color) {
        b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                + "fill=\"%s\"/>%n", x, bottom - h, w, h, color));
    }

    private static void legend(StringBuilder b, int x, int y, String[] names, String[] colors) {
        for (int i = 0; i < names.length; i++) {
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\" font-size=\"10\">%s</text>%n", x, y + i * 14,
                    colors[i % colors.length], x + 14, y + i * 14 + 9, esc(names[i])));
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
