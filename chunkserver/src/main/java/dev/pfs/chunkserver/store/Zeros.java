package dev.pfs.chunkserver.store;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;

/**
 * One shared, aligned, native buffer of zeros: the source of every zero write to the data file
 * (written-ahead space, freed blocks, zeroed ranges). Zeros are written rather than holes
 * punched so the file keeps its space. Nobody writes into it.
 */
final class Zeros {
    /** The longest zero write one call can do. */
    static final int MAX = 1 << 20;
    private static final ByteBuffer ZEROS = Arena.global().allocate(MAX, 4096).asByteBuffer();

    private Zeros() {
    }

    /** @return a view of {@code length} zero bytes (at most {@link #MAX}) */
    static ByteBuffer of(int length) {
        return ZEROS.duplicate().limit(length).position(0);
    }
}
