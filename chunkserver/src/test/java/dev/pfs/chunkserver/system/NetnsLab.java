package dev.pfs.chunkserver.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A small network of namespaces for process-level fault tests: a bridge in the test's own
 * namespace (address {@code .254}, so the test process reaches every member) and one namespace
 * per member, joined to the bridge by a veth pair, member {@code i} at {@code .i}. Names carry a
 * random suffix (or {@code -Dpfs.netns.suffix}, so that a script's trap can find them); {@link
 * #close()} and a shutdown hook delete everything.
 *
 * <p>Faults: {@link #isolate} takes a member's link down (no one reaches it, it reaches no one);
 * {@link #drop} drops what one member sends to another (nftables in the sender's namespace: a
 * one-way cut, and both ways when asked for both); {@link #loss} drops a share of everything a
 * member sends; {@link #slow} delays what it sends, with netem when the kernel has it and
 * otherwise with a token bucket of low rate (frames queue behind each other: a slow link).
 */
final class NetnsLab implements AutoCloseable {
    private static final String TABLE = "pfsfault";
    /** Namespace names start with this ({@code -Dpfs.netns.prefix}, default "pfs"): runs side by side stay apart. */
    private static final String PREFIX = System.getProperty("pfs.netns.prefix", "pfs");

    private final String suffix;
    private final String subnet;
    private final int members;
    private final Thread cleanup = new Thread(this::teardown);
    private final boolean netem;
    private boolean closed;

    private NetnsLab(String suffix, String subnet, int members) {
        this.suffix = suffix;
        this.subnet = subnet;
        this.members = members;
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            build();
            netem = probeNetem();
        } catch (IOException | RuntimeException e) {
            teardown();
            throw new IllegalStateException("could not build the namespaces: " + e.getMessage(), e);
        }
    }

    /**
     * Why this machine cannot run namespace tests, or null when it can: not root, or no
     * {@code ip netns}. A machine that has them but lacks nftables fails the test instead (scripts/setup
     * installs it).
     */
    static String unsupported() {
        try {
            if (!run(List.of("id", "-u")).strip().equals("0")) {
                return "not root: network namespaces need root";
            }
            String probe = PREFIX + "probe" + Long.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
            run(List.of("ip", "netns", "add", probe));
            run(List.of("ip", "netns", "del", probe));
            return null;
        } catch (IOException e) {
            return "no ip netns here: " + e.getMessage();
        }
    }

    /** Builds a network of {@code members} namespaces. */
    static NetnsLab create(int members) {
        String suffix = System.getProperty("pfs.netns.suffix",
                Long.toHexString(ThreadLocalRandom.current().nextInt(1 << 20) | 1 << 20).substring(1));
        String subnet = "10." + (100 + ThreadLocalRandom.current().nextInt(150)) + "."
                + ThreadLocalRandom.current().nextInt(256);
        return new NetnsLab(suffix + Integer.toHexString(members), subnet, members);
    }

    /** @return member {@code i}'s address (1-based) */
    String address(int i) {
        return subnet + "." + i;
    }

    /** @return the command prefix that runs a program in member {@code i}'s namespace */
    List<String> launcher(int i) {
        return List.of("ip", "netns", "exec", ns(i));
    }

    /** @return how {@link #slow} delays: netem, or a low-rate token bucket */
    String delayKind() {
        return netem ? "netem" : "tbf";
    }

    /** Takes member {@code i}'s link down: it is cut off from everyone, the test process included. */
    void isolate(int i) throws IOException {
        run(List.of("ip", "link", "set", hostVeth(i), "down"));
    }

    /** Drops everything member {@code from} sends to member {@code to}. */
    void drop(int from, int to) throws IOException {
        nft(from, "add", "rule", "inet", TABLE, "out", "ip", "daddr", address(to), "drop");
    }

    /** Drops {@code percent}% of everything member {@code i} sends, at random. */
    void loss(int i, int percent) throws IOException {
        nft(i, "add", "rule", "inet", TABLE, "out", "numgen", "random", "mod", "100", "<", String.valueOf(percent),
                "drop");
    }

    /** Delays what member {@code i} sends by about {@code millis} ms (see the class comment). */
    void slow(int i, int millis) throws IOException {
        if (netem) {
            inNs(i, "tc", "qdisc", "replace", "dev", nsVeth(i), "root", "netem", "delay", millis + "ms",
                    Math.max(1, millis / 4) + "ms");
        } else {
            // 4 Mbit/s: a 128 KB append waits ~260 ms, a heartbeat or a 4 KB write ~10 ms.
            inNs(i, "tc", "qdisc", "replace", "dev", nsVeth(i), "root", "tbf", "rate", "4mbit", "burst", "4kb",
                    "latency", (10 * millis) + "ms");
        }
    }

    /** Undoes every fault of member {@code i}: link up, no drop rules, no delay. */
    void heal(int i) throws IOException {
        run(List.of("ip", "link", "set", hostVeth(i), "up"));
        nft(i, "flush", "chain", "inet", TABLE, "out");
        try {
            inNs(i, "tc", "qdisc", "del", "dev", nsVeth(i), "root");
        } catch (IOException e) {
            // No qdisc of ours there: nothing to undo.
        }
    }

    /** Undoes every fault of every member. */
    void healAll() throws IOException {
        for (int i = 1; i <= members; i++) {
            heal(i);
        }
    }

    @Override
    public void close() {
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook is running this.
        }
    }

    private void build() throws IOException {
        run(List.of("ip", "link", "add", bridge(), "type", "bridge"));
        run(List.of("ip", "addr", "add", subnet + ".254/24", "dev", bridge()));
        run(List.of("ip", "link", "set", bridge(), "up"));
        for (int i = 1; i <= members; i++) {
            run(List.of("ip", "netns", "add", ns(i)));
            run(List.of("ip", "link", "add", hostVeth(i), "type", "veth", "peer", "name", nsVeth(i)));
            run(List.of("ip", "link", "set", nsVeth(i), "netns", ns(i)));
            run(List.of("ip", "link", "set", hostVeth(i), "master", bridge()));
            run(List.of("ip", "link", "set", hostVeth(i), "up"));
            inNs(i, "ip", "addr", "add", address(i) + "/24", "dev", nsVeth(i));
            inNs(i, "ip", "link", "set", nsVeth(i), "up");
            inNs(i, "ip", "link", "set", "lo", "up");
            nft(i, "add", "table", "inet", TABLE);
            nft(i, "add", "chain", "inet", TABLE, "out", "{ type filter hook output priority 0; }");
        }
    }

    private boolean probeNetem() throws IOException {
        try {
            inNs(1, "tc", "qdisc", "add", "dev", nsVeth(1), "root", "netem", "delay", "1ms");
            inNs(1, "tc", "qdisc", "del", "dev", nsVeth(1), "root");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private synchronized void teardown() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 1; i <= members; i++) {
            quietly(List.of("ip", "netns", "del", ns(i)));
            quietly(List.of("ip", "link", "del", hostVeth(i)));
        }
        quietly(List.of("ip", "link", "del", bridge()));
    }

    private String ns(int i) {
        return PREFIX + "-" + suffix + "-" + i;
    }

    private String bridge() {
        return "pfb" + suffix;
    }

    private String hostVeth(int i) {
        return "pfh" + suffix + i;
    }

    private String nsVeth(int i) {
        return "pfn" + suffix + i;
    }

    private void nft(int i, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("nft"));
        cmd.addAll(List.of(args));
        inNs(i, cmd.toArray(String[]::new));
    }

    private void inNs(int i, String... cmd) throws IOException {
        List<String> all = new ArrayList<>(launcher(i));
        all.addAll(List.of(cmd));
        run(all);
    }

    private static void quietly(List<String> cmd) {
        try {
            run(cmd);
        } catch (IOException e) {
            // Teardown: already gone.
        }
    }

    /** Runs a command to its end. @return its output @throws IOException naming it and its output when it fails */
    static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", cmd) + ": interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.strip());
        }
        return out;
    }
}
