package dev.pfs.chunkserver.replication;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where one peer may be reached, in the order a link to it is dialed: first the address it last
 * proved it serves at (a dial there got the peer's own HELLO answer), then the addresses learned
 * since from group specs, placements and membership changes, newest first.
 *
 * <p>Why more than one: a server can come back elsewhere (a host renumbered, a restart on another
 * port), and the only news of that is a spec naming its new address, which may also come from a
 * client holding an old placement. Keeping every recent address, each tried in turn while the
 * peer has no link, lets the true one win without letting a stale one break a link that works:
 * a wrong address costs a failed dial, nothing else. Agent thread and the links' event loop.
 *
 * <p>Once a whole turn through the addresses has failed, the next dial waits, twice as long
 * after each further failed turn, up to {@link #MAX_PAUSE_NANOS}: a peer that is down or gone
 * would otherwise be dialed on every tick for as long as a group names it, which on a host
 * shared by several daemons costs the CPU they need (each dial builds and closes a channel).
 * A newly learned address ends the wait: it may be where the peer came back.
 */
final class PeerAddresses {
    /** Learned addresses kept besides the proven one: the oldest goes first. */
    static final int MAX_LEARNED = 4;

    private InetSocketAddress proven;
    private final Deque<InetSocketAddress> learned = new ArrayDeque<>();
    /** How many dials failed since the last proven one: which address is next. */
    private int failedDials;
    /** Addresses found serving another server since the last proof, each reported once. */
    private final Set<InetSocketAddress> mismatched = new HashSet<>();
    /** The wait after the first failed turn through the addresses: two ticks of the agent. */
    static final long FIRST_PAUSE_NANOS = 100_000_000L;
    /** The longest wait between turns of dials: a returning peer waits at most this for its link. */
    static final long MAX_PAUSE_NANOS = 1_000_000_000L;
    /** Whether dials wait until {@link #pausedUntil}. */
    private boolean paused;
    private long pausedUntil;

    /** @param first the address the peer is first known at */
    PeerAddresses(InetSocketAddress first) {
        learned.add(normal(first));
    }

    /** Notes that the peer may serve at {@code address} (tried next if the current dial fails). */
    synchronized void learn(InetSocketAddress address) {
        InetSocketAddress a = normal(address);
        if (a.equals(proven) || a.equals(learned.peekFirst())) {
            return;
        }
        learned.remove(a);
        learned.addFirst(a);
        while (learned.size() > MAX_LEARNED) {
            learned.removeLast();
        }
        paused = false;
    }

    /** @return whether a dial may start at {@code now} (nanoTime): no wait after failed turns is under way */
    synchronized boolean mayDial(long now) {
        return !paused || now - pausedUntil >= 0;
    }

    /** @return the address to dial next: they take turns while dials fail */
    synchronized InetSocketAddress next() {
        List<InetSocketAddress> order = order();
        return order.get(failedDials % order.size());
    }

    /**
     * A dial at {@code address} failed or reached another server at {@code now} (nanoTime): the
     * next dial tries the following address, after a wait if that completed a turn through all.
     */
    synchronized void failed(InetSocketAddress address, long now) {
        List<InetSocketAddress> order = order();
        if (!order.contains(normal(address))) {
            return;
        }
        failedDials++;
        if (failedDials % order.size() == 0) {
            int turns = failedDials / order.size();
            paused = true;
            pausedUntil = now + Math.min(MAX_PAUSE_NANOS, FIRST_PAUSE_NANOS << Math.min(turns - 1, 10));
        }
    }

    /** @return whether {@code address} was first found serving another server now (report it once) */
    synchronized boolean firstMismatch(InetSocketAddress address) {
        return mismatched.size() < MAX_LEARNED + 1 && mismatched.add(normal(address));
    }

    /**
     * The peer answered at {@code address}: it is dialed there first from now on.
     *
     * @return whether that is news (the peer proved another address before, or none)
     */
    synchronized boolean proved(InetSocketAddress address) {
        InetSocketAddress a = normal(address);
        failedDials = 0;
        paused = false;
        mismatched.clear();
        if (a.equals(proven)) {
            return false;
        }
        if (proven != null) {
            learned.addLast(proven);
        }
        learned.remove(a);
        proven = a;
        while (learned.size() > MAX_LEARNED) {
            learned.removeLast();
        }
        return true;
    }

    /** @return every address known, in dial order */
    synchronized List<InetSocketAddress> order() {
        List<InetSocketAddress> order = new ArrayList<>(learned.size() + 1);
        if (proven != null) {
            order.add(proven);
        }
        order.addAll(learned);
        return order;
    }

    /** @return whether {@code a} and {@code b} name the same host and port (resolved or not) */
    static boolean same(InetSocketAddress a, InetSocketAddress b) {
        return normal(a).equals(normal(b));
    }

    /** Specs name addresses unresolved: compare by host string and port only. */
    private static InetSocketAddress normal(InetSocketAddress a) {
        return a.isUnresolved() ? a : InetSocketAddress.createUnresolved(a.getHostString(), a.getPort());
    }
}
