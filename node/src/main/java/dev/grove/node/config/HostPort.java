package dev.grove.node.config;

import dev.grove.protocol.error.ConfigException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A listen or connect address: a host name, IPv4 or IPv6 literal and a port. Port 0 means "pick a free one" when
 * listening. {@link #toString()} is the parseable form ({@code 127.0.0.1:8080}, {@code [::1]:0}).
 *
 * @param host host name or address literal, IPv6 without brackets
 * @param port 0..65535
 */
public record HostPort(String host, int port) {
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?");

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.contains(":")) {
            if (!IPV6.matcher(host).matches()) {
                throw new ConfigException("host: " + host + " (expected: an IPv6 literal)");
            }
        } else if (!HOST_NAME.matcher(host).matches() || host.length() > 253) {
            throw new ConfigException("host: '" + host + "' (expected: a host name or IP address)");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException("port: " + port + " (expected: 0..65535)");
        }
    }

    public static HostPort of(String host, int port) {
        return new HostPort(host, port);
    }

    /**
     * Parses {@code HOST:PORT}, {@code [IPV6]:PORT}.
     *
     * @throws ConfigException naming the text and what was expected
     */
    public static HostPort parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.strip();
        String host;
        String portText;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw bad(text, "[IPV6]:PORT");
            }
            host = s.substring(1, close);
            portText = s.substring(close + 2);
            if (!host.contains(":")) {
                throw bad(text, "an IPv6 literal inside brackets");
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                throw bad(text, "HOST:PORT");
            }
            host = s.substring(0, colon);
            portText = s.substring(colon + 1);
            if (host.contains(":")) {
                throw bad(text, "an IPv6 address in brackets, e.g. [::1]:8080");
            }
        }
        if (host.isEmpty()) {
            throw bad(text, "a host before the port, e.g. 0.0.0.0:8080");
        }
        if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw bad(text, "a port number 0..65535");
        }
        int port = Integer.parseInt(portText);
        if (port > 65535) {
            throw bad(text, "a port number 0..65535");
        }
        try {
            return new HostPort(host, port);
        } catch (ConfigException e) {
            throw new ConfigException("address '" + text + "': " + e.getMessage(), e);
        }
    }

    private static ConfigException bad(String text, String expected) {
        return new ConfigException("address '" + text + "' (expected: " + expected + ")");
    }

    /** A resolved socket address for bind or connect (may do a DNS lookup for a host name). */
    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** The same host with another port, e.g. the port actually bound. */
    public HostPort withPort(int newPort) {
        return new HostPort(host, newPort);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
