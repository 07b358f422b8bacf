package dev.pfs.chunkserver.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Encodes the store's metadata into a checkpoint slot and decodes it back. */
final class CheckpointCodec {
    private CheckpointCodec() {
    }

    /**
     * Writes {@code state} into {@code slot} (at least {@link CheckpointDescriptor#slotLength}).
     */
    static void encode(StoreState state, long sequence, long nextFrame, long nextIndex, ByteBuffer slot) {
        ByteBuffer b = slot.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.clear();
        b.position(CheckpointDescriptor.HEADER_LENGTH);
        for (long w : state.bitmap.words()) {
            b.putLong(w);
        }
        for (Chunk c : state.chunks.values()) {
            b.putLong(c.id).putLong(c.size).putInt(c.map.mapped()).putInt(0);
            c.map.forEach((chunkBlock, dataBlock) -> b.putInt(chunkBlock).putInt(dataBlock));
        }
        for (var v : state.volumeEpochs.entrySet()) {
            b.putLong(v.getKey()).putLong(v.getValue());
        }
        int bodyLength = b.position() - CheckpointDescriptor.HEADER_LENGTH;
        b.putInt(CheckpointDescriptor.MAGIC_OFFSET, CheckpointDescriptor.MAGIC);
        b.putShort(CheckpointDescriptor.VERSION_OFFSET, CheckpointDescriptor.VERSION);
        b.putShort(CheckpointDescriptor.VERSION_OFFSET + 2, (short) 0);
        b.putLong(CheckpointDescriptor.SEQUENCE_OFFSET, sequence);
        b.putLong(CheckpointDescriptor.NEXT_FRAME_OFFSET, nextFrame);
        b.putLong(CheckpointDescriptor.NEXT_INDEX_OFFSET, nextIndex);
        b.putInt(CheckpointDescriptor.BLOCKS_OFFSET, state.bitmap.blocks());
        b.putInt(CheckpointDescriptor.CHUNK_COUNT_OFFSET, state.chunks.size());
        b.putInt(CheckpointDescriptor.VOLUME_COUNT_OFFSET, state.volumeEpochs.size());
        // Every block written so far lies below writtenBelow.
        b.putInt(CheckpointDescriptor.WRITTEN_LIMIT_OFFSET, Math.max(state.writtenLimit, state.writtenBelow));
        for (int i = CheckpointDescriptor.WRITTEN_LIMIT_OFFSET + 4; i < CheckpointDescriptor.HEADER_LENGTH; i += 4) {
            b.putInt(i, 0);
        }
        b.putInt(CheckpointDescriptor.BODY_LENGTH_OFFSET, bodyLength);
        b.putInt(CheckpointDescriptor.CRC_OFFSET, CheckpointDescriptor.computeCrc(b, bodyLength));
    }

    /**
     * Loads a checked slot into {@code state} (empty), verifying that the bitmap marks exactly
     * the mapped blocks and that no block is mapped twice.
     *
     * @return null if it loaded, else why the checkpoint is inconsistent
     */
    static String decode(ByteBuffer slot, StoreState state) {
        ByteBuffer b = slot.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.position(CheckpointDescriptor.HEADER_LENGTH);
        long[] words = new long[state.bitmap.words().length];
        for (int i = 0; i < words.length; i++) {
            words[i] = b.getLong();
        }
        int chunkCount = b.getInt(CheckpointDescriptor.CHUNK_COUNT_OFFSET);
        for (int i = 0; i < chunkCount; i++) {
            long id = b.getLong();
            long size = b.getLong();
            int mapped = b.getInt();
            b.getInt();
            if (size <= 0 || size % StoreState.BLOCK_SIZE != 0 || size / StoreState.BLOCK_SIZE > state.bitmap.blocks()) {
                return "chunk " + id + " has invalid size " + size;
            }
            Chunk c = new Chunk(id, size);
            for (int m = 0; m < mapped; m++) {
                int chunkBlock = b.getInt();
                int dataBlock = b.getInt();
                if (chunkBlock < 0 || chunkBlock >= size / StoreState.BLOCK_SIZE
                        || dataBlock < 0 || dataBlock >= state.bitmap.blocks()) {
                    return "chunk " + id + " maps block " + chunkBlock + " to " + dataBlock + ", out of range";
                }
                if (state.bitmap.isUsed(dataBlock)) {
                    return "data block " + dataBlock + " is mapped twice";
                }
                state.bitmap.markUsed(dataBlock);
                c.map.set(chunkBlock, dataBlock);
            }
            state.chunks.put(id, c);
        }
        int limit = b.getInt(CheckpointDescriptor.WRITTEN_LIMIT_OFFSET);
        if (limit < 0 || limit > state.bitmap.blocks()) {
            return "written limit " + limit + " is outside the " + state.bitmap.blocks() + " data blocks";
        }
        state.writtenLimit = limit;
        state.writtenBelow = limit;
        int volumeCount = b.getInt(CheckpointDescriptor.VOLUME_COUNT_OFFSET);
        for (int i = 0; i < volumeCount; i++) {
            state.volumeEpochs.put(b.getLong(), b.getLong());
        }
        long[] rebuilt = state.bitmap.words();
        for (int i = 0; i < words.length; i++) {
            if (words[i] != rebuilt[i]) {
                return "bitmap word " + i + " differs from the mapped blocks";
            }
        }
        return null;
    }
}
