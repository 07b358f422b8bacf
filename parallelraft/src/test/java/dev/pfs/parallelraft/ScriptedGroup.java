package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A group driven by hand: the test decides which message is delivered, dropped, which node
 * ticks, crashes or restarts. Every delivered message is recorded for golden traces.
 */
final class ScriptedGroup {

    final Map<Integer, RaftNode> nodes = new HashMap<>();
    final Map<Integer, RaftConfig> configs = new HashMap<>();
    final Map<Integer, HardState> hard = new HashMap<>();
    final Map<Integer, TreeMap<Long, Entry>> disks = new HashMap<>();
    final Map<Integer, List<Entry>> applied = new HashMap<>();
    final List<Message> inflight = new ArrayList<>();
    final List<String> trace = new ArrayList<>();
    final Set<Integer> down = new HashSet<>();
    /** Per node: the index of its durable checkpoint, the pieces it received, what it installed. */
    final Map<Integer, Long> checkpointAt = new HashMap<>();
    final Map<Integer, java.io.ByteArrayOutputStream> received = new HashMap<>();
    final Map<Integer, Long> installed = new HashMap<>();
    private final Mode mode;

    ScriptedGroup(Mode mode, int size, UnaryOperator<RaftConfig> tweak) {
        this.mode = mode;
        List<Integer> ids = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            ids.add(i);
        }
        for (int i = 1; i <= size; i++) {
            RaftConfig c = new RaftConfig(i, ids, mode, 2, 10, 2, 16, 16, false, false, 1024, i, false);
            c = tweak.apply(c);
            start(c);
        }
    }

    private void start(RaftConfig c) {
        int i = c.id();
        configs.put(i, c);
        nodes.put(i, node(c, HardState.EMPTY, List.of()));
        hard.put(i, HardState.EMPTY);
        disks.put(i, new TreeMap<>());
        applied.put(i, new ArrayList<>());
    }

    /** Starts a server with an empty disk that will join when a leader adds it. */
    void addServer(int id, UnaryOperator<RaftConfig> tweak) {
        trace.add("start " + id);
        start(tweak.apply(new RaftConfig(id, List.of(), mode, 2, 10, 2, 16, 16, false, false, 1024, id, false)));
    }

    private RaftNode node(RaftConfig c, HardState hs, List<Entry> entries) {
        RaftNode n = new RaftNode(c, hs, entries, checkpointAt.getOrDefault(c.id(), hs.compactIndex()));
        n.setCheckpointReader(new CheckpointReader() {
            @Override
            public long size(long index) {
                return index == checkpointAt.getOrDefault(c.id(), -1L) ? checkpointBytes(index).length : -1;
            }

            @Override
            public byte[] read(long index, long offset, int length) {
                byte[] all = size(index) < 0 ? null : checkpointBytes(index);
                return all == null ? null
                        : java.util.Arrays.copyOfRange(all, (int) offset, (int) Math.min(all.length, offset + length));
            }
        });
        return n;
    }

    /** The content of a checkpoint at {@code index}: the same on every node (a deterministic state machine). */
    static byte[] checkpointBytes(long index) {
        byte[] b = new byte[1000];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (index * 31 + i);
        }
        return b;
    }

    /** The node takes a checkpoint of its applied prefix. */
    void checkpoint(int id) {
        long at = nodes.get(id).appliedPrefix();
        if (nodes.get(id).checkpointed(at)) {
            checkpointAt.put(id, at);
        }
    }

    RaftNode node(int id) {
        return nodes.get(id);
    }

    /** Runs every node's Ready cycle until none has work. */
    void pumpAll() {
        for (int id : nodes.keySet()) {
            pump(id);
        }
    }

    void pump(int id) {
        if (down.contains(id)) {
            return;
        }
        RaftNode n = nodes.get(id);
        for (Ready rd = n.ready(); !rd.isEmpty(); rd = n.ready()) {
            land(id, rd);
        }
    }

    /**
     * Hands out node {@code id}'s next Ready without doing it: the test keeps it in flight (its
     * writes not yet durable) and lands it later, or never (a crash loses it).
     */
    Ready take(int id) {
        return nodes.get(id).ready();
    }

    /** Does all of {@code rd} for node {@code id}: persists it, queues its messages, applies, advances. */
    void land(int id, Ready rd) {
        TreeMap<Long, Entry> disk = disks.get(id);
        for (CheckpointPiece p : rd.checkpointPieces()) {
            if (p.offset() == 0) {
                received.put(id, new java.io.ByteArrayOutputStream());
            }
            received.get(id).writeBytes(p.data());
        }
        if (rd.installCheckpoint() >= 0) {
            installed.put(id, rd.installCheckpoint());
            checkpointAt.put(id, rd.installCheckpoint());
        }
        if (rd.truncateAfter() >= 0) {
            disk.tailMap(rd.truncateAfter(), false).clear();
        }
        for (Entry e : rd.entries()) {
            disk.put(e.index(), e);
        }
        if (rd.hardState() != null) {
            hard.put(id, rd.hardState());
            disk.headMap(rd.hardState().compactIndex(), true).clear();
        }
        inflight.addAll(rd.messages());
        applied.get(id).addAll(rd.toApply());
        nodes.get(id).advance(rd);
    }

    /** Delivers, in send order, every in-flight message matching {@code which} (also those it causes). */
    int deliver(Predicate<Message> which) {
        int count = 0;
        for (Message m = take(which); m != null; m = take(which)) {
            if (down.contains(m.to())) {
                continue;
            }
            trace.add(m.toString());
            nodes.get(m.to()).step(m);
            pump(m.to());
            count++;
        }
        return count;
    }

    /** Drops every in-flight message matching {@code which}. */
    int drop(Predicate<Message> which) {
        int before = inflight.size();
        inflight.removeIf(which);
        return before - inflight.size();
    }

    private Message take(Predicate<Message> which) {
        for (Iterator<Message> it = inflight.iterator(); it.hasNext();) {
            Message m = it.next();
            if (which.test(m)) {
                it.remove();
                return m;
            }
        }
        return null;
    }

    void tick(int id, int times) {
        for (int i = 0; i < times && !down.contains(id); i++) {
            nodes.get(id).tick();
        }
        pump(id);
    }

    void campaign(int id) {
        trace.add("campaign " + id);
        nodes.get(id).campaign();
        pump(id);
    }

    ProposeResult propose(int id, long start, long length, byte[] data) {
        ProposeResult r = nodes.get(id).propose(List.of(new LbaRange(start, length)), data);
        trace.add("propose " + id + " " + start + "+" + length + " -> " + r.reason() + " " + r.index() + "/"
                + r.term());
        pump(id);
        return r;
    }

    void crash(int id) {
        trace.add("crash " + id);
        down.add(id);
        inflight.removeIf(m -> m.from() == id || m.to() == id);
    }

    void restart(int id) {
        trace.add("restart " + id);
        down.remove(id);
        nodes.put(id, node(configs.get(id), hard.get(id), new ArrayList<>(disks.get(id).values())));
        applied.get(id).clear();
        pump(id);
    }

    /** Node {@code id}, down, loses its disk: it comes back empty under the same id. */
    void wipe(int id) {
        trace.add("wipe " + id);
        hard.put(id, HardState.EMPTY);
        disks.put(id, new TreeMap<>());
        checkpointAt.remove(id);
        installed.remove(id);
    }

    static Predicate<Message> to(int id) {
        return m -> m.to() == id;
    }

    static Predicate<Message> from(int id) {
        return m -> m.from() == id;
    }

    static Predicate<Message> link(int from, int to) {
        return m -> m.from() == from && m.to() == to;
    }

    static Predicate<Message> any() {
        return m -> true;
    }
}
