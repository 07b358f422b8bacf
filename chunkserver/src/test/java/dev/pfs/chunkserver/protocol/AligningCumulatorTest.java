package dev.pfs.chunkserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A stream of small and large write frames, cut into reads at seeded random places (a read may
 * end one frame and start the next, or hold only part of a length field): every frame decodes
 * with its own payload. With reads of at most 64 KB, what Netty's default receive allocator
 * hands a socket's reads, every payload of a block or more sits at an O_DIRECT-aligned address
 * in one buffer, so the store writes it without a bounce copy; larger reads may cost that
 * alignment, never a byte.
 */
class AligningCumulatorTest {
    private static final int[] PAYLOADS = {512, 1 << 20, 4096, 256 << 10, 64 << 10, 3, 1 << 20, 1 << 20, 128 << 10, 8192};

    @Test
    void largePayloadsArriveAlignedWhereverTheReadsEnd() {
        for (long seed = 1; seed <= 20; seed++) {
            decodeCut(seed, 64 << 10, true);
        }
    }

    @Test
    void readsLargerThanASocketsStillDecodeEveryByte() {
        for (long seed = 1; seed <= 20; seed++) {
            decodeCut(seed, 256 << 10, false);
        }
    }

    private static void decodeCut(long seed, int maxRead, boolean aligned) {
        Random random = new Random(seed);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < PAYLOADS.length; i++) {
            byte[] p = new byte[PAYLOADS[i]];
            random.nextBytes(p);
            payloads.add(p);
            stream.writeBytes(Frames.request(ChunkOp.WRITE, i, 1, 0, 0, p.length, p));
        }
        byte[] bytes = stream.toByteArray();
        EmbeddedChannel ch = new EmbeddedChannel(new ChunkFrameDecoder(), new ChunkMessageDecoder());
        try {
            for (int at = 0; at < bytes.length; ) {
                // Mostly socket-sized reads, sometimes a few bytes that split a header.
                int n = Math.min(bytes.length - at, random.nextInt(4) == 0 ? 1 + random.nextInt(6)
                        : 1 + random.nextInt(maxRead));
                ByteBuf read = ByteBufAllocator.DEFAULT.directBuffer(n);
                read.writeBytes(bytes, at, n);
                ch.writeInbound(read);
                at += n;
            }
            for (int i = 0; i < payloads.size(); i++) {
                ChunkMessage m = ch.readInbound();
                assertThat(m).as("frame %d of seed %d", i, seed).isNotNull();
                assertThat(m.malformed()).isNull();
                assertThat(m.requestId()).isEqualTo(i);
                ByteBuf payload = m.payload();
                byte[] got = new byte[payload.readableBytes()];
                payload.getBytes(payload.readerIndex(), got);
                assertThat(got).as("payload %d of seed %d", i, seed).isEqualTo(payloads.get(i));
                if (aligned && got.length >= 64 << 10) {
                    assertThat(DirectAlignment.isAligned(payload, payload.readerIndex()))
                            .as("payload %d (%d bytes) of seed %d aligned", i, got.length, seed).isTrue();
                }
                m.release();
            }
            assertThat((Object) ch.readInbound()).isNull();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void anAlignedReadBufferHoldsItsLength() {
        ByteBuf b = DirectAlignment.directBuffer(ByteBufAllocator.DEFAULT, 1 << 20);
        try {
            assertThat(b.capacity()).isEqualTo(1 << 20);
            assertThat(b.readerIndex()).isZero();
            assertThat(b.writerIndex()).isZero();
            assertThat(DirectAlignment.isAligned(b, 0)).isTrue();
        } finally {
            b.release();
        }
    }
}
