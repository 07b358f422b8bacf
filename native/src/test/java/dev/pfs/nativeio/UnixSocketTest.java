package dev.pfs.nativeio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketTest {
    @TempDir
    Path dir;

    @Test
    void peerCredentialsNameThisProcess() throws Exception {
        String path = dir.resolve("s").toString();
        int listening = UnixSocket.listen(path, 4);
        int client = UnixSocket.connect(path);
        int server = UnixSocket.accept(listening);
        try {
            UnixSocket.PeerCredentials peer = UnixSocket.peerCredentials(server);
            assertThat(peer.pid()).isEqualTo((int) ProcessHandle.current().pid());
            assertThat(peer.uid()).isEqualTo(DeviceIo.geteuid());
        } finally {
            LinuxIo.close(client);
            LinuxIo.close(server);
            LinuxIo.close(listening);
        }
    }

    @Test
    void passesSealedSharedMemoryThatBothSidesSee() throws Exception {
        String path = dir.resolve("s").toString();
        int listening = UnixSocket.listen(path, 4);
        int client = UnixSocket.connect(path);
        int server = UnixSocket.accept(listening);
        int memfd = SharedMemory.create("pfs-test", 8192);
        try {
            byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
            UnixSocket.send(server, hello, hello.length, memfd);
            byte[] in = new byte[64];
            UnixSocket.Received r = UnixSocket.receive(client, in);
            assertThat(r.length()).isEqualTo(5);
            assertThat(new String(in, 0, 5, StandardCharsets.UTF_8)).isEqualTo("hello");
            assertThat(r.descriptor()).isNotNegative().isNotEqualTo(memfd);
            assertThat(SharedMemory.checkSealed(r.descriptor())).isEqualTo(8192);

            MemorySegment ours = SharedMemory.map(memfd, 8192);
            MemorySegment theirs = SharedMemory.map(r.descriptor(), 8192);
            ours.set(ValueLayout.JAVA_LONG, 4096, 0x1234_5678_9abcL);
            assertThat(theirs.get(ValueLayout.JAVA_LONG, 4096)).isEqualTo(0x1234_5678_9abcL);
            assertThatThrownBy(() -> LinuxIo.ftruncate(r.descriptor(), 0))
                    .isInstanceOf(NativeIoException.class).hasMessageContaining("ftruncate");
            SharedMemory.unmap(theirs);
            SharedMemory.unmap(ours);
            LinuxIo.close(r.descriptor());
        } finally {
            LinuxIo.close(memfd);
            LinuxIo.close(client);
            LinuxIo.close(server);
            LinuxIo.close(listening);
        }
    }

    @Test
    void receiveReturnsZeroWhenThePeerCloses() throws Exception {
        String path = dir.resolve("s").toString();
        int listening = UnixSocket.listen(path, 4);
        int client = UnixSocket.connect(path);
        int server = UnixSocket.accept(listening);
        try {
            LinuxIo.close(client);
            assertThat(UnixSocket.receive(server, new byte[8]).length()).isZero();
        } finally {
            LinuxIo.close(server);
            LinuxIo.close(listening);
        }
    }

    @Test
    void shutdownWakesABlockedAccept() throws Exception {
        String path = dir.resolve("s").toString();
        int listening = UnixSocket.listen(path, 4);
        CompletableFuture<Throwable> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                UnixSocket.accept(listening);
                return null;
            } catch (NativeIoException e) {
                return e;
            }
        });
        try {
            UnixSocket.shutdown(listening);
            assertThat(accepted.get(30, TimeUnit.SECONDS)).isInstanceOf(NativeIoException.class);
        } finally {
            LinuxIo.close(listening);
        }
    }

    @Test
    void connectToAStaleSocketFileIsRefused() throws Exception {
        String path = dir.resolve("s").toString();
        LinuxIo.close(UnixSocket.listen(path, 4));
        assertThat(Files.exists(Path.of(path))).isTrue();
        assertThatThrownBy(() -> UnixSocket.connect(path))
                .isInstanceOfSatisfying(NativeIoException.class, e -> assertThat(UnixSocket.isRefused(e)).isTrue());
    }

    @Test
    void refusesAnUnsealedDescriptor() throws Exception {
        Path file = Files.write(dir.resolve("f"), new byte[4096]);
        int fd = LinuxIo.open(file.toString(), LinuxIo.O_RDWR, 0);
        try {
            assertThatThrownBy(() -> SharedMemory.checkSealed(fd)).isInstanceOf(NativeIoException.class);
        } finally {
            LinuxIo.close(fd);
        }
    }
}
