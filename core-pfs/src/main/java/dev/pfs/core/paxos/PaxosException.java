package dev.pfs.core.paxos;

import java.io.IOException;

/** A failed RW election step, with a reason the caller maps to an errno or exit code. */
public final class PaxosException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why the step failed. */
    public enum Reason {
        /** Another host holds the volume read-write and its lease is live. */
        HELD,
        /** This host held the volume but lost it: its lease ran out or another host took over. */
        LOST,
        /** The volume failed a read or write. */
        IO,
        /** The paxos region is not formatted, of another layout, or damaged beyond a torn write. */
        CORRUPT
    }

    private final Reason reason;
    private final int holderHostId;
    private final long holderEpoch;

    PaxosException(Reason reason, String message, int holderHostId, long holderEpoch, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.holderHostId = holderHostId;
        this.holderEpoch = holderEpoch;
    }

    static PaxosException held(int hostId, long epoch) {
        return new PaxosException(Reason.HELD, "volume held read-write by host " + hostId + " (epoch " + epoch
                + "); its lease is live", hostId, epoch, null);
    }

    /** As {@link #held(int, long)}, seen by host {@code self}: says so when the holder uses the same id. */
    static PaxosException held(int hostId, long epoch, int self) {
        if (hostId != self) {
            return held(hostId, epoch);
        }
        return new PaxosException(Reason.HELD, "volume held read-write by host " + hostId + " (epoch " + epoch
                + "), this host's own id: another live process uses host id " + hostId, hostId, epoch, null);
    }

    static PaxosException lost(String message) {
        return new PaxosException(Reason.LOST, message, 0, 0, null);
    }

    static PaxosException io(String message, Throwable cause) {
        return new PaxosException(Reason.IO, message, 0, 0, cause);
    }

    static PaxosException corrupt(String message) {
        return new PaxosException(Reason.CORRUPT, message, 0, 0, null);
    }

    /** @return why the step failed */
    public Reason reason() {
        return reason;
    }

    /** @return for {@link Reason#HELD}, the holder's host id; else 0 */
    public int holderHostId() {
        return holderHostId;
    }

    /** @return for {@link Reason#HELD}, the holder's epoch; else 0 */
    public long holderEpoch() {
        return holderEpoch;
    }
}
