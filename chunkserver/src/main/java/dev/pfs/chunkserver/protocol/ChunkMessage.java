package dev.pfs.chunkserver.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One decoded frame, request or reply. The payload is a retained slice of the received
 * buffer (no copy); whoever finishes with the message calls {@link #release()}. A frame that
 * failed its checks arrives as a message with {@link #malformed()} set and an empty payload.
 *
 * @param op        the operation
 * @param reply     whether this is a reply
 * @param requestId the correlation id
 * @param chunkId   the chunk
 * @param epoch     the writer's epoch
 * @param offset    byte offset in the chunk
 * @param length    the op's byte count
 * @param generation a replicated write's try generation, or a STALE_TRY reply's (else 0)
 * @param flags     {@link ChunkFrameDescriptor#FLAG_FUA} and future flags
 * @param status    a reply's status
 * @param payload   the payload (empty if none)
 * @param malformed why the frame was rejected, or null
 * @param blockCrcs the CRC32C of each {@link ChunkFrameDescriptor#CRC_BLOCK} bytes of a request's
 *                  payload when it is made of whole such blocks, computed while checking the frame
 *                  (so a redirected write need not read its payload again), else null
 */
public record ChunkMessage(ChunkOp op, boolean reply, long requestId, long chunkId, long epoch, long offset,
                           long length, long generation, int flags, ChunkStatus status, ByteBuf payload, String malformed,
                           int[] blockCrcs) {
    /** @return a message standing for a rejected frame */
    public static ChunkMessage malformed(long requestId, String why) {
        return new ChunkMessage(null, false, requestId, 0, 0, 0, 0, 0, 0, ChunkStatus.MALFORMED,
                Unpooled.EMPTY_BUFFER, why, null);
    }

    /** Releases the payload. */
    public void release() {
        payload.release();
    }
}
