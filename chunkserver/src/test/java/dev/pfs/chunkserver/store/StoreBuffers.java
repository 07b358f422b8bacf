package dev.pfs.chunkserver.store;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/** Buffers the store tests write and read with. */
final class StoreBuffers {
    private StoreBuffers() {
    }

    /** @return a direct buffer of {@code length} bytes, each {@code value} */
    static ByteBuffer filled(int length, int value) {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        for (int i = 0; i < length; i++) {
            b.put(i, (byte) value);
        }
        return b;
    }

    /** @return {@code length} bytes of the chunk at {@code offset}, read within 10 seconds */
    static byte[] read(ChunkStore store, long chunk, long offset, int length) throws Exception {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        store.read(chunk, offset, b).get(10, TimeUnit.SECONDS);
        byte[] out = new byte[length];
        b.get(0, out);
        return out;
    }
}
