package olympus.topology;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Names and addresses of hosts mode ({@link TopologySpec#hosts()}): one network namespace per
 * node (a region, or a witness control node), joined to the root namespace by a veth pair.
 * Pure: derives everything from the working directory and the base port, runs nothing.
 *
 * <pre>
 * namespace        oly&lt;hash4&gt;-&lt;i&gt;        hash4: 4 hex digits of the working directory's SHA-256
 * veth, root side  oly&lt;hash4&gt;-&lt;i&gt;h       10.X.i.1/24
 * veth, inside     oly&lt;hash4&gt;-&lt;i&gt;n       10.X.i.2/24, default route via 10.X.i.1
 * X                160 + base / Ports.SPAN, 160..252 (two topologies whose ports do not overlap differ)
 * </pre>
 */
public record HostNet(String prefix, int octet) {
    /** Added in the root namespace for 10.X.0.0/16: a cut region's address fails fast instead of leaving by the default route. */
    public static final int UNREACHABLE_METRIC = 4242;

    /** {@code ip}, by absolute path when it is in /usr/sbin or /sbin (a non-login PATH may lack them). */
    public static final String IP = Files.isExecutable(Path.of("/usr/sbin/ip")) ? "/usr/sbin/ip"
            : Files.isExecutable(Path.of("/sbin/ip")) ? "/sbin/ip" : "ip";

    public HostNet {
        if (!prefix.matches("oly[0-9a-f]{4}")) {
            throw new IllegalArgumentException("bad namespace prefix " + prefix);
        }
        if (octet < 0 || octet > 255) {
            throw new IllegalArgumentException("bad second octet " + octet);
        }
    }

    public static HostNet of(Path workDir, int basePort) {
        return new HostNet(prefix(workDir), octet(basePort));
    }

    /** {@code oly} and 4 hex digits of the SHA-256 of the absolute working directory. */
    public static String prefix(Path workDir) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest(workDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return String.format("oly%02x%02x", h[0] & 0xff, h[1] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Second octet of the topology's 10.X.0.0/16: 160 + base / {@link Ports#SPAN}, 160..252. Two
     * topologies whose port blocks do not overlap have bases at least SPAN apart, so different X.
     */
    public static int octet(int basePort) {
        return 160 + basePort / Ports.SPAN;
    }

    public String namespace(int node) {
        return prefix + "-" + node;
    }

    public String rootVeth(int node) {
        return prefix + "-" + node + "h";
    }

    public String nsVeth(int node) {
        return prefix + "-" + node + "n";
    }

    /** The node's own address, inside its namespace: what other regions and the root namespace use. */
    public String host(int node) {
        return "10." + octet + "." + node + ".2";
    }

    /** The root side of the node's veth: its default gateway. */
    public String gateway(int node) {
        return "10." + octet + "." + node + ".1";
    }

    public String subnet() {
        return "10." + octet + ".0.0/16";
    }

    /** Whether a namespace or interface name is one of this topology's (for finding leftovers by name). */
    public boolean owns(String name) {
        return name.matches(java.util.regex.Pattern.quote(prefix) + "-[0-9]+[hn]?");
    }

    /** {@code ip netns exec NS cmd...}. */
    public List<String> exec(int node, List<String> cmd) {
        List<String> c = new ArrayList<>(List.of(IP, "netns", "exec", namespace(node)));
        c.addAll(cmd);
        return c;
    }
}
