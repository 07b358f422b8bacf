package dev.pfs.chunkserver.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Gathers the bytes of a large frame straight into one buffer that holds the whole frame, its
 * payload at an O_DIRECT-aligned address: each byte is copied once on its way in, and the store
 * writes the payload from there without a bounce copy.
 *
 * <p>Netty's merging cumulator grows its buffer as a frame arrives (a 1 MB frame came in some
 * sixteen reads, and the buffer doubled and was copied several times on the way), and a payload
 * 64 bytes into a frame is never aligned. Here, once the length field of a frame of at least
 * {@link #MIN_FRAME} bytes is in, the bytes received of it so far move to a buffer sized for
 * the frame plus one read, placed so that its payload is aligned; the reads after it are
 * appended without growing. (When the length field arrives in the read that ends the frame
 * before, that read's part of the new frame is copied twice: at most one read's worth.)
 * Anything else (small frames, frames over the decoder's limit, which it discards unbuffered)
 * goes to Netty's merging cumulator unchanged.
 */
final class AligningCumulator implements ByteToMessageDecoder.Cumulator {
    /** The smallest frame gathered aligned: one 64 KB block of payload and its header. */
    static final int MIN_FRAME = ChunkFrameDescriptor.HEADER_LENGTH + 64 * 1024;
    /** Room past the frame for the start of the next one, so that the read that ends it does not grow the buffer. */
    private static final int SLACK = 64 * 1024;

    private final int maxFrame;

    /** @param maxFrame the largest frame the decoder accepts; longer ones are left to it */
    AligningCumulator(int maxFrame) {
        this.maxFrame = maxFrame;
    }

    @Override
    public ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        int length = frameLength(cumulation, in);
        int have = cumulation.readableBytes() + in.readableBytes();
        if (length < MIN_FRAME || length > maxFrame || gathering(cumulation, Math.max(length, have))) {
            return ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, cumulation, in);
        }
        ByteBuf whole = alloc.directBuffer(Math.max(length, have) + DirectAlignment.ALIGNMENT + SLACK);
        try {
            int start = DirectAlignment.padding(whole, ChunkFrameDescriptor.HEADER_LENGTH);
            whole.setIndex(start, start);
            whole.writeBytes(cumulation);
            whole.writeBytes(in);
            return whole;
        } catch (RuntimeException e) {
            whole.release();
            throw e;
        } finally {
            cumulation.release();
            in.release();
        }
    }

    /** @return the length field of the frame the bytes so far begin, or -1 if it is not all in */
    private static int frameLength(ByteBuf cumulation, ByteBuf in) {
        int field = ChunkFrameDescriptor.FRAME_LENGTH_OFFSET;
        if (cumulation.readableBytes() >= field + 4) {
            return cumulation.getInt(cumulation.readerIndex() + field);
        }
        if (!cumulation.isReadable() && in.readableBytes() >= field + 4) {
            return in.getInt(in.readerIndex() + field);
        }
        return -1;
    }

    /** @return whether {@code cumulation} is already a buffer gathering this frame aligned, with room for {@code bytes} */
    private static boolean gathering(ByteBuf cumulation, int bytes) {
        return cumulation.isReadable() && cumulation.refCnt() == 1
                && cumulation.capacity() - cumulation.readerIndex() >= bytes
                && DirectAlignment.isAligned(cumulation, cumulation.readerIndex() + ChunkFrameDescriptor.HEADER_LENGTH);
    }
}
