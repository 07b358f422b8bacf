package dev.pfs.chunkserver.store;

import java.nio.ByteBuffer;

/**
 * One write the data volume must do to apply a logged change.
 *
 * @param dataOffset byte offset in the data volume
 * @param length     bytes
 * @param src        the data, or null to write zeros
 * @param dataBlock  the data block it falls in (writes to one block stay in order)
 */
record DataOp(long dataOffset, long length, ByteBuffer src, int dataBlock) {
}
