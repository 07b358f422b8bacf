package dev.pfs.pswitch.ring;

/** The operations a request names, as the {@code op} field of a {@link RequestDescriptor}. */
public final class SwitchOp {
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int FLUSH = 3;
    public static final int DISCARD = 4;
    public static final int WRITE_ZEROES = 5;
    public static final int RESIZE = 6;

    private SwitchOp() {
    }

    /** @return whether {@code op} is one of these */
    public static boolean isKnown(int op) {
        return op >= READ && op <= RESIZE;
    }

    /** @return whether {@code op} carries a payload in the arena */
    public static boolean usesArena(int op) {
        return op == READ || op == WRITE;
    }

    /** @return the op's name for messages, or its number when unknown */
    public static String name(int op) {
        return switch (op) {
            case READ -> "read";
            case WRITE -> "write";
            case FLUSH -> "flush";
            case DISCARD -> "discard";
            case WRITE_ZEROES -> "write-zeroes";
            case RESIZE -> "resize";
            default -> "op " + op;
        };
    }
}
