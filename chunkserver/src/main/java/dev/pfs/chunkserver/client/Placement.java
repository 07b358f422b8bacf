package dev.pfs.chunkserver.client;

import dev.pfs.chunkserver.protocol.ChunkId;
import dev.pfs.chunkserver.replication.GroupSpec;
import dev.pfs.chunkserver.tls.ClusterTls;
import dev.pfs.chunkserver.tls.TlsFiles;
import dev.pfs.parallelraft.Mode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a replicated volume's chunks live, until a control plane exists: a text file written
 * by {@code pfs volume create}. Lines: {@code pfs-placement 1}, {@code name N}, {@code volume ID},
 * {@code size BYTES}, {@code chunk-size BYTES}, {@code mode parallel|strict} (absent: parallel),
 * one {@code server ID HOST:PORT} per server, one {@code chunk INDEX ID ID ID} per chunk (its
 * replicas, the first the preferred leader) and, for a cluster whose servers require mutual TLS,
 * {@code tls-cert PATH}, {@code tls-key PATH} and {@code tls-ca PATH}: the identity every client
 * of the volume on this host presents (the file is per host, like the certificates it names).
 *
 * @param name      the volume's name
 * @param volumeId  the volume id in its chunk ids ({@link ChunkId})
 * @param size      the volume's size in bytes (a multiple of {@code chunkSize})
 * @param chunkSize bytes per chunk
 * @param servers   server id → data-path address
 * @param replicas  per chunk, the ids of its replicas
 * @param mode      the ordering rules of every chunk's group: ParallelRaft (the default) or strict Raft
 * @param tls       the TLS identity clients present to the servers, or null for plain TCP
 */
public record Placement(String name, long volumeId, long size, long chunkSize, Map<Integer, InetSocketAddress> servers,
                        List<List<Integer>> replicas, Mode mode, TlsFiles tls) {
    private static final String MAGIC = "pfs-placement 1";

    /** A ParallelRaft volume. */
    public Placement(String name, long volumeId, long size, long chunkSize, Map<Integer, InetSocketAddress> servers,
                     List<List<Integer>> replicas) {
        this(name, volumeId, size, chunkSize, servers, replicas, Mode.PARALLEL, null);
    }

    /** Checks the placement. */
    public Placement {
        servers = Map.copyOf(new LinkedHashMap<>(servers));
        replicas = replicas.stream().map(List::copyOf).toList();
        if (name == null || name.isBlank() || !name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("volume name '" + name + "' must be letters, digits, '.', '_' or '-'");
        }
        if (mode == null) {
            throw new IllegalArgumentException("volume '" + name + "' has no replication mode");
        }
        if (chunkSize <= 0 || chunkSize % (64 * 1024) != 0) {
            throw new IllegalArgumentException("chunk size " + chunkSize + " must be a positive multiple of 64K");
        }
        if (size <= 0 || size % chunkSize != 0) {
            throw new IllegalArgumentException("volume size " + size + " must be a positive multiple of the chunk size "
                    + chunkSize);
        }
        if (replicas.size() != size / chunkSize) {
            throw new IllegalArgumentException(replicas.size() + " chunk lines for " + size / chunkSize + " chunks");
        }
        for (List<Integer> r : replicas) {
            if (r.isEmpty() || r.stream().distinct().count() != r.size() || !servers.keySet().containsAll(r)) {
                throw new IllegalArgumentException("replica set " + r + " must name distinct servers among "
                        + servers.keySet());
            }
        }
        if (volumeId <= 0 || volumeId > 0xffff_ffffL) {
            throw new IllegalArgumentException("volume id " + volumeId + " must be in 1..2^32-1");
        }
    }

    /**
     * Spreads {@code size / chunkSize} chunks over {@code servers}: chunk {@code i}'s replicas
     * are the {@code copies} servers from position {@code i mod n} on, so preferred leaders rotate.
     */
    public static Placement spread(String name, long volumeId, long size, long chunkSize,
                                   Map<Integer, InetSocketAddress> servers, int copies) {
        if (copies < 1 || copies > servers.size()) {
            throw new IllegalArgumentException(copies + " replicas need at least as many servers, got " + servers.size());
        }
        List<Integer> ids = new ArrayList<>(servers.keySet());
        List<List<Integer>> replicas = new ArrayList<>();
        for (long i = 0; i < size / Math.max(1, chunkSize); i++) {
            List<Integer> r = new ArrayList<>();
            for (int k = 0; k < copies; k++) {
                r.add(ids.get((int) ((i + k) % ids.size())));
            }
            replicas.add(r);
        }
        return new Placement(name, volumeId, size, chunkSize, servers, replicas);
    }

    /** @return this placement with its chunks' groups run under {@code m} */
    public Placement withMode(Mode m) {
        return new Placement(name, volumeId, size, chunkSize, servers, replicas, m, tls);
    }

    /** @return this placement with clients presenting {@code files} (null: plain TCP) */
    public Placement withTls(TlsFiles files) {
        return new Placement(name, volumeId, size, chunkSize, servers, replicas, mode, files);
    }

    /**
     * @return the TLS identity clients of this volume present, loaded, or null for plain TCP
     * @throws IOException naming the files when they cannot be loaded
     */
    public ClusterTls loadTls() throws IOException {
        if (tls == null) {
            return null;
        }
        try {
            return tls.load();
        } catch (IOException | RuntimeException e) {
            throw new IOException("volume " + name + ": cannot load its TLS identity (" + tls.cert() + ", "
                    + tls.key() + ", " + tls.ca() + "): " + e.getMessage(), e);
        }
    }

    /** @return the number of chunks */
    public int chunks() {
        return replicas.size();
    }

    /** @return the chunk id of chunk {@code index} */
    public long chunkId(int index) {
        return ChunkId.of(volumeId, index);
    }

    /** @return chunk {@code index}'s group as its servers create it: its replicas (the members) and the mode */
    public GroupSpec group(int index) {
        Map<Integer, InetSocketAddress> members = new LinkedHashMap<>();
        replicas.get(index).forEach(id -> members.put(id, servers.get(id)));
        return new GroupSpec(chunkId(index), chunkSize, members, mode);
    }

    /** @return chunk {@code index}'s group in the wire form of a group create ({@link GroupSpec#encode}) */
    public byte[] members(int index) {
        return group(index).encode();
    }

    /** @return chunk {@code index} and its servers, for error messages */
    public String describe(int index) {
        StringBuilder b = new StringBuilder("chunk ").append(index).append(" of volume ").append(name).append(" (servers");
        for (int id : replicas.get(index)) {
            InetSocketAddress a = servers.get(id);
            b.append(' ').append(id).append('=').append(a.getHostString()).append(':').append(a.getPort());
        }
        return b.append(')').toString();
    }

    /** Writes the file atomically (a temporary file renamed over it). */
    public void write(Path file) throws IOException {
        StringBuilder b = new StringBuilder(MAGIC).append('\n');
        b.append("name ").append(name).append('\n').append("volume ").append(volumeId).append('\n')
                .append("size ").append(size).append('\n').append("chunk-size ").append(chunkSize).append('\n')
                .append("mode ").append(mode.name().toLowerCase(Locale.ROOT)).append('\n');
        servers.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> b.append("server ")
                .append(e.getKey()).append(' ').append(e.getValue().getHostString()).append(':')
                .append(e.getValue().getPort()).append('\n'));
        if (tls != null) {
            b.append("tls-cert ").append(tls.cert()).append('\n').append("tls-key ").append(tls.key()).append('\n')
                    .append("tls-ca ").append(tls.ca()).append('\n');
        }
        for (int i = 0; i < replicas.size(); i++) {
            b.append("chunk ").append(i);
            replicas.get(i).forEach(id -> b.append(' ').append(id));
            b.append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, b, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a placement file; a bad one fails naming the file, the line and the cause. */
    public static Placement read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(MAGIC)) {
            throw new IOException(file + ": not a placement file (first line must be '" + MAGIC + "')");
        }
        String name = null;
        long volume = 0;
        long size = 0;
        long chunkSize = 0;
        Mode mode = Mode.PARALLEL;
        Path[] tls = new Path[3];
        Map<Integer, InetSocketAddress> servers = new LinkedHashMap<>();
        List<List<Integer>> replicas = new ArrayList<>();
        for (int n = 1; n < lines.size(); n++) {
            String[] f = lines.get(n).trim().split("\\s+");
            try {
                switch (f[0]) {
                    case "" -> { }
                    case "name" -> name = f[1];
                    case "volume" -> volume = Long.parseLong(f[1]);
                    case "size" -> size = Long.parseLong(f[1]);
                    case "chunk-size" -> chunkSize = Long.parseLong(f[1]);
                    case "mode" -> mode = parseMode(f[1]);
                    case "tls-cert" -> tls[0] = restOfLine(lines.get(n), f[0]);
                    case "tls-key" -> tls[1] = restOfLine(lines.get(n), f[0]);
                    case "tls-ca" -> tls[2] = restOfLine(lines.get(n), f[0]);
                    case "server" -> servers.put(Integer.parseInt(f[1]), address(f[2]));
                    case "chunk" -> {
                        if (Integer.parseInt(f[1]) != replicas.size()) {
                            throw new IllegalArgumentException("chunk " + f[1] + " out of order");
                        }
                        List<Integer> r = new ArrayList<>();
                        for (int k = 2; k < f.length; k++) {
                            r.add(Integer.parseInt(f[k]));
                        }
                        replicas.add(r);
                    }
                    default -> throw new IllegalArgumentException("unknown key '" + f[0] + "'");
                }
            } catch (RuntimeException e) {
                throw new IOException(file + " line " + (n + 1) + ": " + e.getMessage(), e);
            }
        }
        try {
            return new Placement(name, volume, size, chunkSize, servers, replicas, mode,
                    TlsFiles.ofOptions(tls[0], tls[1], tls[2]));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** @return what follows {@code key} on {@code line}: a path, which may hold spaces */
    private static Path restOfLine(String line, String key) {
        String rest = line.trim().substring(key.length()).trim();
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(key + " needs a path");
        }
        return Path.of(rest);
    }

    /** @return the mode named {@code parallel} or {@code strict} (any case) */
    public static Mode parseMode(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "parallel" -> Mode.PARALLEL;
            case "strict" -> Mode.STRICT;
            default -> throw new IllegalArgumentException("replication mode '" + name + "' must be parallel or strict");
        };
    }

    /** @return {@code host:port} as an unresolved address */
    public static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("'" + hostPort + "' is not host:port");
        }
        return InetSocketAddress.createUnresolved(hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
