package dev.pfs.pswitch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SwitchVolumeTest {
    private static final long SIZE = 16L << 20;

    @TempDir
    Path dir;
    private SwitchFixture sw;

    @BeforeEach
    void start() throws Exception {
        sw = new SwitchFixture(dir).volume("v", SIZE).volume("w", SIZE).start();
    }

    @AfterEach
    void stop() {
        sw.close();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] read(SwitchVolume v, long offset, int n) throws VolumeException {
        ByteBuffer b = ByteBuffer.allocate(n);
        VolumeException.await(v.read(offset, b));
        assertThat(b.position()).isEqualTo(n);
        return b.array();
    }

    @Test
    void writesAndReadsThroughTheSwitch() throws Exception {
        try (SwitchVolume v = sw.connect("v")) {
            assertThat(v.size()).isEqualTo(SIZE);
            byte[] data = random(8192, 1);
            ByteBuffer src = ByteBuffer.wrap(data);
            VolumeException.await(v.write(4096, src, 0, true));
            assertThat(src.position()).isEqualTo(8192);
            assertThat(read(v, 4096, 8192)).isEqualTo(data);
            VolumeException.await(v.flush());
        }
    }

    @Test
    void writeAndWaitFromManyThreadsTakesEachCompletionOnce() throws Exception {
        try (SwitchVolume v = sw.connect("v")) {
            Thread[] threads = new Thread[4];
            java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
            for (int t = 0; t < threads.length; t++) {
                int id = t;
                threads[t] = Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 50; i++) {
                            v.writeAndWait((id * 50L + i) * 4096, ByteBuffer.wrap(random(4096, id * 50L + i)), 0, true);
                        }
                    } catch (Throwable e) {
                        failed.set(e);
                    }
                });
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(failed.get()).isNull();
            for (int i = 0; i < 200; i += 13) {
                assertThat(read(v, i * 4096L, 4096)).isEqualTo(random(4096, i));
            }
        }
    }

    @Test
    void splitsRequestsLongerThanTheChannelsLargestIo() throws Exception {
        try (SwitchVolume v = sw.connect("v")) {
            byte[] data = random(600 * 1024, 2);
            VolumeException.await(v.write(1 << 20, ByteBuffer.wrap(data)));
            assertThat(read(v, 1 << 20, data.length)).isEqualTo(data);
        }
    }

    @Test
    void manyConcurrentWritesFillTheArenaAndAllLand() throws Exception {
        try (SwitchVolume v = sw.connect("v")) {
            CompletableFuture<?>[] all = new CompletableFuture<?>[200];
            for (int i = 0; i < all.length; i++) {
                all[i] = v.write(i * 32768L, ByteBuffer.wrap(random(32768, i)));
            }
            VolumeException.await(CompletableFuture.allOf(all));
            for (int i = 0; i < all.length; i += 37) {
                assertThat(read(v, i * 32768L, 32768)).isEqualTo(random(32768, i));
            }
        }
    }

    @Test
    void zeroesDiscardsAndResizesVisibleToOtherClients() throws Exception {
        try (SwitchVolume a = sw.connect("v"); SwitchVolume b = sw.connect("v")) {
            VolumeException.await(a.write(0, ByteBuffer.wrap(random(4096, 3))));
            VolumeException.await(a.writeZeroes(0, 4096, 0));
            assertThat(read(b, 0, 4096)).isEqualTo(new byte[4096]);
            VolumeException.await(a.discard(0, 4096));
            VolumeException.await(a.resize(2 * SIZE));
            assertThat(a.size()).isEqualTo(2 * SIZE);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (b.size() != 2 * SIZE && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(b.size()).isEqualTo(2 * SIZE);
        }
    }

    @Test
    void rangeAndAlignmentErrorsFollowTheBlockVolumeContract() throws Exception {
        try (SwitchVolume v = sw.connect("v")) {
            assertThatThrownBy(() -> VolumeException.await(v.write(SIZE, ByteBuffer.allocate(512))))
                    .isInstanceOfSatisfying(VolumeException.class,
                            e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.OUT_OF_RANGE));
            assertThatThrownBy(() -> VolumeException.await(v.read(100, ByteBuffer.allocate(512))))
                    .isInstanceOfSatisfying(VolumeException.class,
                            e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.MISALIGNED));
        }
    }

    @Test
    void refusesAnUnknownVolumeSayingWhich() {
        assertThatThrownBy(() -> sw.connect("nope"))
                .isInstanceOf(VolumeException.class).hasMessageContaining("serves no volume 'nope'");
    }

    @Test
    void closedVolumeFailsRequestsWithClosed() throws Exception {
        SwitchVolume v = sw.connect("v");
        v.close();
        assertThatThrownBy(() -> VolumeException.await(v.read(0, ByteBuffer.allocate(512))))
                .isInstanceOfSatisfying(VolumeException.class,
                        e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.CLOSED));
    }

    @Test
    void detachingFreesTheSessionOnTheSwitch() throws Exception {
        try (SwitchVolume v = sw.connect("v")) {
            VolumeException.await(v.write(0, ByteBuffer.wrap(random(4096, 4))));
        }
        Wait.until(() -> sw.daemon().freedCount() == 1, "the switch frees the detached session");
    }

    @Test
    void reattachesAfterASwitchRestartAndFinishesWhatWasPending() throws Exception {
        try (SwitchVolume v = sw.connect("v")) {
            VolumeException.await(v.write(0, ByteBuffer.wrap(random(4096, 5))));
            long firstSession = v.sessionId();
            sw.stop();
            // Posted while no switch runs: it waits in the ring and is resubmitted after the reattach.
            CompletableFuture<Void> pending = v.write(8192, ByteBuffer.wrap(random(4096, 6)));
            sw.start();
            VolumeException.await(pending);
            assertThat(v.reattachCount()).isEqualTo(1);
            assertThat(v.sessionId()).isNotEqualTo(firstSession);
            assertThat(read(v, 0, 4096)).isEqualTo(random(4096, 5));
            assertThat(read(v, 8192, 4096)).isEqualTo(random(4096, 6));
        }
    }
}
