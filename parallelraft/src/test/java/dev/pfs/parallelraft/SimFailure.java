package dev.pfs.parallelraft;

/** A checker found a violation; carries the seed and the trace to replay it. */
final class SimFailure extends AssertionError {

    private static final long serialVersionUID = 1L;

    SimFailure(String message) {
        super(message);
    }
}
