package dev.pfs.chunkserver.replication;

import dev.pfs.parallelraft.Mode;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A replication group as created: its chunk, the chunk's size, its members (server id →
 * data-path address) and its ordering rules (ParallelRaft or strict Raft, chosen per volume).
 * A server that joins an existing group by a membership change ({@link MemberChange}) is created
 * with {@code joining} set: its node starts with no voters and learns the membership from its
 * leader's log or checkpoint (the library's way for a joining member), so it never campaigns
 * before it holds the configuration that added it.
 *
 * @param chunkId the chunk the group replicates (also the group's id)
 * @param size    the chunk's size in bytes
 * @param members server id → address, in creation order (for a joining server: the members
 *                after the change, itself included)
 * @param mode    ParallelRaft or strict Raft
 * @param joining whether this server joins an existing group rather than founding it
 */
public record GroupSpec(long chunkId, long size, Map<Integer, InetSocketAddress> members, Mode mode,
                        boolean joining) {
    /** The line that marks a strict group in {@link #encode}'s form. */
    private static final String STRICT_LINE = "mode=strict";
    /** The line that marks a joining server's spec in {@link #encode}'s form. */
    private static final String JOIN_LINE = "join";

    /** A ParallelRaft group. */
    public GroupSpec(long chunkId, long size, Map<Integer, InetSocketAddress> members) {
        this(chunkId, size, members, Mode.PARALLEL);
    }

    /** A founding member's spec. */
    public GroupSpec(long chunkId, long size, Map<Integer, InetSocketAddress> members, Mode mode) {
        this(chunkId, size, members, mode, false);
    }

    /** @return the node's initial voters: the members, or none for a joining server */
    public List<Integer> voters() {
        return joining ? List.of() : ids();
    }

    /** Copies the members and checks them. */
    public GroupSpec {
        members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
        if (members.isEmpty() || members.keySet().stream().anyMatch(id -> id <= 0)) {
            throw new IllegalArgumentException("chunk " + chunkId + ": members must be positive server ids, got "
                    + members.keySet());
        }
        if (mode == null) {
            throw new IllegalArgumentException("chunk " + chunkId + ": no replication mode");
        }
        if (size <= 0 || size % 512 != 0) {
            throw new IllegalArgumentException("chunk " + chunkId + ": size " + size
                    + " must be a positive multiple of 512");
        }
    }

    /** @return the member ids in creation order */
    public List<Integer> ids() {
        return new ArrayList<>(members.keySet());
    }

    /**
     * @return the wire and log form: the members as {@code id=host:port} lines, then a
     *         {@code mode=strict} line for a strict group (none for ParallelRaft, so a
     *         ParallelRaft group's form is what it was before modes existed; a server that
     *         predates them refuses the strict line as a bad member rather than run the group
     *         under the wrong rules), then a {@code join} line for a joining server
     */
    public byte[] encode() {
        StringBuilder b = new StringBuilder();
        members.forEach((id, a) -> b.append(id).append('=').append(a.getHostString()).append(':').append(a.getPort())
                .append('\n'));
        if (mode == Mode.STRICT) {
            b.append(STRICT_LINE).append('\n');
        }
        if (joining) {
            b.append(JOIN_LINE).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses {@link #encode}'s form of group {@code chunkId} of {@code size} bytes. */
    public static GroupSpec decode(long chunkId, long size, byte[] text) {
        Map<Integer, InetSocketAddress> out = new LinkedHashMap<>();
        Mode mode = Mode.PARALLEL;
        boolean joining = false;
        for (String line : new String(text, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.equals(STRICT_LINE)) {
                mode = Mode.STRICT;
                continue;
            }
            if (line.equals(JOIN_LINE)) {
                joining = true;
                continue;
            }
            int eq = line.indexOf('=');
            int colon = line.lastIndexOf(':');
            if (eq <= 0 || colon < eq) {
                throw new IllegalArgumentException("bad member '" + line + "': expected id=host:port");
            }
            try {
                out.put(Integer.parseInt(line.substring(0, eq)), InetSocketAddress.createUnresolved(
                        line.substring(eq + 1, colon), Integer.parseInt(line.substring(colon + 1))));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad member '" + line + "': " + e.getMessage(), e);
            }
        }
        return new GroupSpec(chunkId, size, out, mode, joining);
    }
}
