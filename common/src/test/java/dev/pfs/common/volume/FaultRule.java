package dev.pfs.common.volume;

/**
 * Decides whether one request to a {@link FaultyVolume} fails, and how. Tests compose rules
 * to hit exactly the call they mean ("the second flush", "every write into the journal area",
 * "FUA writes with this probability"); the volume asks every rule before each request.
 */
@FunctionalInterface
public interface FaultRule {
    /** What a request does to the volume. */
    enum Op {
        READ, WRITE, FUA_WRITE, FLUSH, DISCARD, WRITE_ZEROES
    }

    /**
     * @param op     the request
     * @param offset its first byte (0 for a flush)
     * @param length its bytes (0 for a flush)
     * @return the kind of failure to inject, or null to let the request through
     */
    VolumeException.Kind decide(Op op, long offset, long length);

    /** @return a rule that fails the {@code n}-th request of {@code op} from now (1 = the next) with {@code kind} */
    static FaultRule nth(Op op, int n, VolumeException.Kind kind) {
        int[] seen = {0};
        return (o, offset, length) -> o == op && ++seen[0] == n ? kind : null;
    }

    /** @return a rule that fails every request of {@code op} touching {@code [from, to)} with {@code kind} */
    static FaultRule range(Op op, long from, long to, VolumeException.Kind kind) {
        return (o, offset, length) -> o == op && offset < to && offset + Math.max(1, length) > from ? kind : null;
    }
}
