package dev.pfs.nbd;

import static dev.pfs.nbd.NbdProcess.ok;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pfs nbd} as a process under Debian's NBD clients (nbdinfo, nbdcopy, qemu-img,
 * qemu-io, fio's nbd engine): the "must show" items 1 to 4. Images are sparse, so the
 * 1 GiB copies move only their few MiB of data.
 */
@Tag("system")
@Timeout(300)
class NbdClientsSystemTest {
    static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    private Path sparse(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    @Test
    void nbdinfoShowsTheExportItsFlagsAndAMapOfDataAndHoles() throws Exception {
        Path volume = sparse("v.img", 64 << 20);
        try (NbdProcess nbd = NbdProcess.start(volume, dir, "--export", "vol1", "--description", "test volume")) {
            String uri = nbd.uri() + "vol1";
            assertThat(ok("nbdinfo", "--list", nbd.uri())).contains("export=\"vol1\"", "test volume",
                    "export-size: 67108864", "base:allocation", "block_size_maximum: 33554432");
            assertThat(ok("nbdinfo", "--json", uri)).contains("\"export-size\": 67108864", "\"can_multi_conn\": true",
                    "\"can_fua\": true", "\"is_read_only\": false", "\"structured\": true");
            for (String can : List.of("flush", "fua", "trim", "zero", "fast-zero", "multi-conn", "df")) {
                assertThat(NbdProcess.run(Duration.ofSeconds(30), "nbdinfo", "--can", can, uri).code())
                        .as("nbdinfo --can " + can).isZero();
            }
            ok("qemu-io", "-f", "raw", uri, "-c", "write -P 0x5a 1M 2M", "-c", "write -P 0x11 8M 64k",
                    "-c", "discard 2M 1M", "-c", "flush");
            assertThat(ok("nbdinfo", "--map", uri).lines().map(String::trim).map(l -> l.replaceAll("\\s+", " ")))
                    .containsExactly(
                            "0 1048576 3 hole,zero",
                            "1048576 1048576 0 data",
                            "2097152 6291456 3 hole,zero",
                            "8388608 65536 0 data",
                            "8454144 58654720 3 hole,zero");
        }
    }

    @Test
    void qemuImgAndNbdcopyCopyA1GiBImageWithHolesInAndOutUnchanged() throws Exception {
        Path source = sparse("source.img", GIB);
        Random random = new Random(42);
        try (FileChannel ch = FileChannel.open(source, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 8; i++) {
                byte[] data = new byte[(1 + random.nextInt(4)) << 20];
                random.nextBytes(data);
                ch.write(ByteBuffer.wrap(data), (long) random.nextInt(1000) << 20);
            }
        }
        String want = sha256(source);
        Path viaQemu = sparse("via-qemu.img", GIB);
        Path viaNbdcopy = sparse("via-nbdcopy.img", GIB);
        try (NbdProcess a = NbdProcess.start(viaQemu, dir); NbdProcess b = NbdProcess.start(viaNbdcopy, dir)) {
            ok("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", source.toString(), a.uri());
            ok("nbdcopy", source.toString(), b.uri());
            Path outQemu = sparse("out-qemu.img", GIB);
            Path outNbdcopy = sparse("out-nbdcopy.img", GIB);
            ok("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", b.uri(), outQemu.toString());
            ok("nbdcopy", a.uri(), outNbdcopy.toString());
            assertThat(sha256(outQemu)).as("in with nbdcopy, out with qemu-img").isEqualTo(want);
            assertThat(sha256(outNbdcopy)).as("in with qemu-img, out with nbdcopy").isEqualTo(want);
            assertThat(ok("qemu-img", "compare", "-f", "raw", "-F", "raw", a.uri(), source.toString()))
                    .contains("Images are identical");
        }
        assertThat(Files.size(viaQemu)).isEqualTo(GIB);
        assertThat(allocatedBytes(viaNbdcopy)).as("holes stay holes").isLessThan(64L << 20);
    }

    @Test
    void qemuIoPatternsVerify() throws Exception {
        try (NbdProcess nbd = NbdProcess.start(sparse("v.img", 256 << 20), dir)) {
            String out = ok("qemu-io", "-f", "raw", nbd.uri(),
                    "-c", "write -P 0xa1 0 1M", "-c", "write -P 0xb2 -f 4M 512k", "-c", "writev -P 0xc3 8M 4k 8k 16k",
                    "-c", "aio_write -P 0xd4 16M 64k", "-c", "aio_flush",
                    "-c", "discard 256k 256k", "-c", "write -z 4M 64k", "-c", "write -z -u 8M 4k",
                    "-c", "read -P 0xa1 0 256k", "-c", "read -P 0 256k 256k", "-c", "read -P 0xa1 512k 512k",
                    "-c", "read -P 0 4M 64k", "-c", "read -P 0xb2 4160k 448k", "-c", "read -P 0 8M 4k",
                    "-c", "read -P 0xc3 8196k 24k", "-c", "readv -P 0xd4 16M 32k 32k", "-c", "flush");
            assertThat(out).doesNotContain("Pattern verification failed", "failed", "error");
        }
    }

    @Test
    void fioRandomWritesVerifyWithCrc32cThroughTheNbdEngine() throws Exception {
        try (NbdProcess nbd = NbdProcess.start(sparse("v.img", 64 << 20), dir)) {
            String out = ok("fio", "--name=verify", "--ioengine=nbd", "--uri=" + nbd.uri(), "--rw=randwrite",
                    "--bs=4k", "--size=32M", "--iodepth=16", "--verify=crc32c", "--verify_fatal=1",
                    "--do_verify=1", "--verify_state_save=0", "--output-format=normal");
            assertThat(out).contains("verify: (groupid=0").doesNotContain("verify: bad", "crc32c: verify failed");
        }
    }

    @Test
    void fourClientsWriteInParallelThenOneFlushCoversThemAll() throws Exception {
        Path volume = sparse("v.img", 64 << 20);
        try (NbdProcess nbd = NbdProcess.start(volume, dir)) {
            List<Process> writers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                writers.add(new ProcessBuilder("qemu-io", "-f", "raw", nbd.uri(),
                        "-c", String.format("write -P 0x%x %dM 4M", 0x10 + i, i * 8)).redirectErrorStream(true).start());
            }
            for (Process p : writers) {
                assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
            }
            ok("nbdinfo", "--can", "multi-conn", nbd.uri());
            ok("qemu-io", "-f", "raw", nbd.uri(), "-c", "flush");
            for (int i = 0; i < 4; i++) {
                ok("qemu-io", "-f", "raw", nbd.uri(), "-c", String.format("read -P 0x%x %dM 4M", 0x10 + i, i * 8));
            }
            Path copy = sparse("copy.img", 64 << 20);
            ok("nbdcopy", "--connections=4", "--requests=16", nbd.uri(), copy.toString());
            assertThat(sha256(copy)).isEqualTo(sha256(volume));
        }
    }

    @Test
    void nbdsWorksWithATestCertificateAndPlainClientsAreRefusedUnderTlsRequire() throws Exception {
        // The self-signed certificate is its own CA; qemu looks for it as ca-cert.pem.
        Path tlsDir = Files.createDirectory(dir.resolve("tls"));
        Path key = tlsDir.resolve("server-key.pem");
        Path cert = tlsDir.resolve("ca-cert.pem");
        ok("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out",
                cert.toString(), "-subj", "/CN=localhost", "-days", "2", "-addext", "subjectAltName=IP:127.0.0.1");
        try (NbdProcess nbd = NbdProcess.start(sparse("v.img", 16 << 20), dir, "--tls", "require",
                "--tls-cert", cert.toString(), "--tls-key", key.toString())) {
            String tls = "nbds://127.0.0.1:" + nbd.port + "/?tls-verify-peer=false";
            assertThat(ok("nbdinfo", "--json", tls)).contains("\"TLS\": true", "\"export-size\": 16777216");
            ok("qemu-io", "--image-opts",
                    "driver=nbd,server.type=inet,server.host=127.0.0.1,server.port=" + nbd.port + ",tls-creds=tls0",
                    "--object", "tls-creds-x509,id=tls0,endpoint=client,verify-peer=off,dir=" + tlsDir,
                    "-c", "write -P 0x77 0 64k", "-c", "read -P 0x77 0 64k");
            NbdProcess.Result plain = NbdProcess.run(Duration.ofSeconds(30), "nbdinfo", nbd.uri());
            assertThat(plain.code()).as(plain.out()).isNotZero();
        }
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (FileChannel ch = FileChannel.open(p)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20);
            while (ch.read(buf) > 0) {
                md.update(buf.flip());
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static long allocatedBytes(Path p) throws Exception {
        return Long.parseLong(ok("stat", "-c", "%b", p.toString()).trim()) * 512;
    }
}
