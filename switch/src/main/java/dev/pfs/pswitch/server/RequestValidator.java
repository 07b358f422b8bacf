package dev.pfs.pswitch.server;

import dev.pfs.common.volume.VolumeException;
import dev.pfs.common.volume.VolumeRanges;
import dev.pfs.pswitch.ring.ChannelLayout;
import dev.pfs.pswitch.ring.RequestDescriptor;
import dev.pfs.pswitch.ring.RequestFlyweight;
import dev.pfs.pswitch.ring.SwitchOp;
import dev.pfs.pswitch.ring.SwitchStatus;

/**
 * The checks every request record passes before the switch acts on it, in two grades:
 * <ul>
 *   <li>a <em>violation</em> is a record no correct client writes (wrong type or length,
 *       unknown op or flag, a payload outside its arena, longer than the channel's limit):
 *       the switch disconnects that client;</li>
 *   <li>a <em>refusal</em> is a request the {@code BlockVolume} contract fails (misaligned, or
 *       past the volume's end, which a correct client can hit when another one shrank the
 *       volume): the client gets that status and stays.</li>
 * </ul>
 */
final class RequestValidator {
    private RequestValidator() {
    }

    /** @return why the record is a protocol violation, or null when it is well formed */
    static String violation(int msgTypeId, int length, RequestFlyweight r, ChannelLayout layout) {
        if (msgTypeId != RequestDescriptor.MSG_TYPE_ID || length != RequestDescriptor.LENGTH) {
            return "record of type " + msgTypeId + " and length " + length + " is not a request";
        }
        int op = r.op();
        if (!SwitchOp.isKnown(op)) {
            return "request " + r.requestId() + ": unknown op " + op;
        }
        if ((r.flags() & ~RequestDescriptor.KNOWN_FLAGS) != 0) {
            return "request " + r.requestId() + ": unknown flags " + Integer.toHexString(r.flags());
        }
        if (SwitchOp.usesArena(op)) {
            long arenaOffset = r.arenaOffset();
            long n = r.length();
            if (n < 0 || n > layout.maxIoLength()) {
                return "request " + r.requestId() + ": " + SwitchOp.name(op) + " of " + n
                        + " bytes (the channel allows 0.." + layout.maxIoLength() + ")";
            }
            if (arenaOffset < 0 || arenaOffset > layout.arenaLength() - n) {
                return "request " + r.requestId() + ": arena range [" + arenaOffset + ", +" + n
                        + ") is outside the arena of " + layout.arenaLength() + " bytes";
            }
        }
        return null;
    }

    /**
     * @return {@link SwitchStatus#OK}, or the status a well-formed request fails with before it
     *         reaches the volume
     */
    static int refusal(RequestFlyweight r, long volumeSize) {
        VolumeException bad = switch (r.op()) {
            case SwitchOp.READ, SwitchOp.WRITE, SwitchOp.DISCARD, SwitchOp.WRITE_ZEROES ->
                    VolumeRanges.check(r.volumeOffset(), r.length(), volumeSize);
            default -> null;
        };
        return bad == null ? SwitchStatus.OK : SwitchStatus.of(bad.kind());
    }
}
