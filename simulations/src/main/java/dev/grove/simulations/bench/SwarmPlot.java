package dev.grove.simulations.bench;

import java.util.List;
import java.util.Locale;

/**
 * The site-swarm benchmark's plot, written by hand as SVG: left panel seeder egress (in copies of the release) against
 * the number of nodes, right panel time to converge; one series per mode (swarm, direct).
 */
final class SwarmPlot {
    private static final String[] MODES = {"swarm", "direct"};
    private static final String[] COLORS = {"#1f77b4", "#d62728"};
    private static final int PANEL_W = 380;
    private static final int PANEL_H = 260;
    private static final int LEFT = 60;
    private static final int TOP = 50;

    private SwarmPlot() {
    }

    static String svg(List<SwarmBench.Result> results, double rateMbit, int rttMs) {
        int w = 2 * PANEL_W + 40;
        int h = PANEL_H + 110;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h, w, h));
        b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">Site swarm"
                + " vs direct pulls, one site uplink %.0f Mbit/s, %d ms RTT</text>%n", w / 2, rateMbit, rttMs));
        int maxN = results.stream().mapToInt(SwarmBench.Result::nodes).max().orElse(1);
        double maxCopies = results.stream().mapToDouble(r -> (double) r.relayBytes() / r.oneCopyBytes()).max()
                .orElse(1);
        double maxTime = results.stream().mapToDouble(SwarmBench.Result::seconds).filter(d -> !Double.isNaN(d))
                .max().orElse(1);
        panel(b, 0, "seeder egress (copies of the release)", "x", maxN, niceMax(maxCopies), results, true);
        panel(b, PANEL_W + 20, "time until all nodes converged", "s", maxN, niceMax(maxTime), results, false);
        int ly = h - 20;
        for (int i = 0; i < MODES.length; i++) {
            int lx = w / 2 - 120 + i * 140;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"3\"/>%n", lx, ly - 4, lx + 24, ly - 4, COLORS[i]));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", lx + 30, ly,
                    MODES[i].equals("swarm") ? "site swarm" : "direct (each node pulls)"));
        }
        b.append("</svg>\n");
        return b.toString();
    }

    private static void panel(StringBuilder b, int x0, String title, String unit, int maxN, double maxY,
                              List<SwarmBench.Result> results, boolean egress) {
        int left = x0 + LEFT;
        int right = x0 + PANEL_W;
        int top = TOP;
        int bottom = TOP + PANEL_H - 40;
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                (left + right) / 2, top - 10, title));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                left, bottom, right, bottom));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                left, top, left, bottom));
        for (int t = 0; t <= 4; t++) {
            double v = maxY * t / 4;
            double y = bottom - (bottom - top) * t / 4.0;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    left, y, right, y));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s%s</text>%n",
                    left - 5, y + 4, fmt(v), unit));
        }
        for (int n = 1; n <= maxN; n++) {
            if (results.stream().noneMatch(r -> r.nodes() == 1) && n == 1) {
                continue;
            }
            final int nn = n;
            if (results.stream().anyMatch(r -> r.nodes() == nn)) {
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n",
                        xOf(n, maxN, left, right), bottom + 16, n));
            }
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">nodes on the site"
                + "</text>%n", (left + right) / 2, bottom + 34));
        for (int i = 0; i < MODES.length; i++) {
            String mode = MODES[i];
            StringBuilder pts = new StringBuilder();
            for (SwarmBench.Result r : results) {
                double v = egress ? (double) r.relayBytes() / r.oneCopyBytes() : r.seconds();
                if (!r.mode().equals(mode) || Double.isNaN(v)) {
                    continue;
                }
                double x = xOf(r.nodes(), maxN, left, right);
                double y = bottom - (bottom - top) * v / maxY;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>%n", x, y,
                        COLORS[i]));
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"%s\">%s"
                        + "</text>%n", x + 6, y - 6, COLORS[i], fmt(v) + unit));
            }
            if (!pts.isEmpty()) {
                b.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                        + "stroke-width=\"2\"/>%n", pts.toString().trim(), COLORS[i]));
            }
        }
    }

    private static double xOf(int n, int maxN, int left, int right) {
        int pad = 20;
        return maxN <= 1 ? (left + right) / 2.0 : left + pad + (right - left - 2 * pad) * (n - 1) / (double) (maxN - 1);
    }

    private static double niceMax(double v) {
        if (!(v > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v * 1.05) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String fmt(double v) {
        return v >= 10 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, "%.1f", v);
    }
}
