package dev.pfs.chunkserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the decoders: streams of valid frames with random corruption, cut into
 * random pieces. The decoders must never fail other than by the two framing exceptions, every
 * frame before the first corruption must decode exactly, and a decoded frame must be either
 * malformed or one that was sent. Replay a seed with {@code -Dpfs.seed=N}.
 */
class ChunkDecoderFuzzTest {
    @Test
    void decoderSurvivesCorruptStreamsAndDecodesEverythingBeforeTheDamage() {
        String one = System.getProperty("pfs.seed");
        long first = one == null ? 1 : Long.parseLong(one);
        int count = one == null ? 300 : 1;
        for (long seed = first; seed < first + count; seed++) {
            try {
                runSeed(seed);
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + " failed (replay with -Dpfs.seed=" + seed + "): " + t, t);
            }
        }
    }

    private void runSeed(long seed) {
        Random rnd = new Random(seed);
        List<byte[]> frames = new ArrayList<>();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        int frameCount = 1 + rnd.nextInt(12);
        for (int i = 0; i < frameCount; i++) {
            byte[] payload = new byte[rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(4096)];
            rnd.nextBytes(payload);
            ChunkOp op = ChunkOp.values()[rnd.nextInt(ChunkOp.values().length)];
            byte[] f = Frames.request(op, i + 1, rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), payload.length, payload);
            frames.add(f);
            stream.writeBytes(f);
        }
        byte[] bytes = stream.toByteArray();
        int firstDamage = bytes.length;
        int mutations = rnd.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            int at = rnd.nextInt(bytes.length);
            bytes[at] = (byte) rnd.nextInt(256);
            firstDamage = Math.min(firstDamage, at);
        }
        if (rnd.nextInt(4) == 0) {
            int cut = rnd.nextInt(bytes.length);
            bytes = Arrays.copyOf(bytes, cut);
            firstDamage = Math.min(firstDamage, cut);
        }
        EmbeddedChannel ch = new EmbeddedChannel(new ChunkFrameDecoder(), new ChunkMessageDecoder());
        List<ChunkMessage> decoded = new ArrayList<>();
        try {
            for (int pos = 0; pos < bytes.length; ) {
                int n = Math.min(bytes.length - pos, 1 + rnd.nextInt(3000));
                try {
                    ch.writeInbound(Unpooled.wrappedBuffer(bytes, pos, n));
                } catch (TooLongFrameException e) {
                    // discarded; the stream goes on
                } catch (CorruptedFrameException e) {
                    break; // the server closes such a connection
                } catch (DecoderException e) {
                    throw new AssertionError("decoder failed unexpectedly", e);
                }
                pos += n;
                for (Object m; (m = ch.readInbound()) != null; ) {
                    decoded.add((ChunkMessage) m);
                }
            }
            // Frames decoded before a corrupt one are still queued after the break; they own payloads.
            for (Object m; (m = ch.readInbound()) != null; ) {
                decoded.add((ChunkMessage) m);
            }
            int intact = 0;
            for (int end = 0; intact < frames.size() && end + frames.get(intact).length <= firstDamage; intact++) {
                end += frames.get(intact).length;
            }
            assertThat(decoded.size()).as("frames decoded").isGreaterThanOrEqualTo(intact);
            for (int i = 0; i < decoded.size(); i++) {
                ChunkMessage m = decoded.get(i);
                if (i < intact) {
                    assertThat(m.malformed()).isNull();
                    assertThat(m.requestId()).isEqualTo(i + 1);
                    assertThat(m.payload().readableBytes()).isEqualTo(frames.get(i).length - ChunkFrameDescriptor.HEADER_LENGTH);
                } else if (m.malformed() == null) {
                    byte[] payload = new byte[m.payload().readableBytes()];
                    m.payload().getBytes(m.payload().readerIndex(), payload);
                    int sent = (int) m.requestId() - 1;
                    assertThat(sent).as("a decoded frame must be one that was sent").isBetween(0, frames.size() - 1);
                    assertThat(payload).isEqualTo(Arrays.copyOfRange(frames.get(sent), ChunkFrameDescriptor.HEADER_LENGTH,
                            frames.get(sent).length));
                }
            }
        } finally {
            decoded.forEach(ChunkMessage::release);
            ch.finishAndReleaseAll();
        }
    }
}
