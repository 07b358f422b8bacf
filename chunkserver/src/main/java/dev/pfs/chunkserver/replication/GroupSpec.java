package dev.pfs.chunkserver.replication;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A replication group as created: its chunk, the chunk's size and its members (server id →
 * data-path address). Membership is fixed at creation for now.
 *
 * @param chunkId the chunk the group replicates (also the group's id)
 * @param size    the chunk's size in bytes
 * @param members server id → address, in creation order
 */
public record GroupSpec(long chunkId, long size, Map<Integer, InetSocketAddress> members) {

    /** Copies the members and checks them. */
    public GroupSpec {
        members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
        if (members.isEmpty() || members.keySet().stream().anyMatch(id -> id <= 0)) {
            throw new IllegalArgumentException("chunk " + chunkId + ": members must be positive server ids, got "
                    + members.keySet());
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

    /** @return the members as {@code id=host:port} lines, the wire and log form */
    public byte[] encodeMembers() {
        StringBuilder b = new StringBuilder();
        members.forEach((id, a) -> b.append(id).append('=').append(a.getHostString()).append(':').append(a.getPort())
                .append('\n'));
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses {@link #encodeMembers}'s form. */
    public static Map<Integer, InetSocketAddress> decodeMembers(byte[] text) {
        Map<Integer, InetSocketAddress> out = new LinkedHashMap<>();
        for (String line : new String(text, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
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
        return out;
    }
}
