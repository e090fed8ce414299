package dev.grove.test.netns;

import dev.grove.node.discovery.LocalAdvert;
import dev.grove.node.discovery.MdnsDirectory;
import dev.grove.node.discovery.PeerAddress;
import dev.grove.node.discovery.PeerDirectoryListener;
import dev.grove.node.discovery.LeaveReason;
import java.net.InetAddress;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Run inside a namespace by {@code NetnsDiscoveryTest}: starts an {@link MdnsDirectory} bound to the given address
 * (no static peers) and prints, on stdout, one line {@code peers ID,ID,...} (sorted, node id@address) each time the
 * set of peers changes. Stops, closing the directory, when stdin closes. A CLI output class: stdout is its interface.
 *
 * <p>Usage: {@code NetnsDiscoveryMain BIND_ADDRESS NODE_ID SITE}
 */
public final class NetnsDiscoveryMain {
    private NetnsDiscoveryMain() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress bind = InetAddress.getByName(args[0]);
        MdnsDirectory d = MdnsDirectory.on(List.of(bind));
        Runnable print = () -> {
            String line = d.peers().stream().map(p -> p.nodeId() + "@" + p.peer().getAddress().getHostAddress())
                    .collect(Collectors.toCollection(TreeSet::new)).stream().collect(Collectors.joining(","));
            System.out.println("peers " + line);
            System.out.flush();
        };
        d.addListener(new PeerDirectoryListener() {
            @Override
            public void joined(PeerAddress peer) {
                print.run();
            }

            @Override
            public void left(PeerAddress peer, LeaveReason reason) {
                print.run();
            }
        });
        d.start(new LocalAdvert(args[1], args[2], 1, 7411, 8080, List.of()));
        System.out.println("started " + args[1]);
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for stdin to close
        }
        d.close();
        d.closeFuture().get();
    }
}
