package dev.pfs.chunkserver.protocol;

import dev.pfs.nativeio.LinuxIo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.lang.foreign.MemorySegment;

/**
 * Where a payload must sit in memory for the chunk store to hand it to an O_DIRECT
 * {@code pwrite} or {@code pread} as it is. A buffer that is not aligned still works: the data
 * volume copies it through an aligned bounce buffer, which is one more copy of the payload.
 */
public final class DirectAlignment {
    /** The address alignment O_DIRECT asks of a buffer. */
    public static final int ALIGNMENT = LinuxIo.DIRECT_ALIGNMENT;

    private DirectAlignment() {
    }

    /** @return how many bytes past {@code index} of {@code buf} the next aligned address is (0 if aligned) */
    static int padding(ByteBuf buf, int index) {
        long address = MemorySegment.ofBuffer(buf.nioBuffer(index, 0)).address();
        return (int) ((ALIGNMENT - (address & (ALIGNMENT - 1))) & (ALIGNMENT - 1));
    }

    /** @return whether {@code index} of the direct buffer {@code buf} is at an aligned address */
    static boolean isAligned(ByteBuf buf, int index) {
        return buf.isDirect() && buf.nioBufferCount() == 1 && padding(buf, index) == 0;
    }

    /**
     * Allocates a direct buffer of {@code length} bytes whose first byte is at an aligned
     * address, for a payload the store reads into with O_DIRECT. Releasing it frees it all.
     *
     * @return a buffer with reader index 0, writer index 0 and capacity {@code length}
     */
    public static ByteBuf directBuffer(ByteBufAllocator alloc, int length) {
        ByteBuf whole = alloc.directBuffer(length + ALIGNMENT - 1);
        return whole.slice(padding(whole, 0), length).clear();
    }
}
