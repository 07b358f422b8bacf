package dev.pfs.cli;

import static dev.pfs.cli.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every file command against a real volume file, with the exact exit codes of success and failure. */
@Timeout(60)
class FileCommandsTest {
    @TempDir
    Path dir;
    private Path vol;
    private String v;

    @BeforeEach
    void formatVolume() {
        vol = dir.resolve("v.img");
        v = vol.toString();
        CliRunner.Result r = run("mkfs", v, "--size", "32M", "--chunk-size", "16M");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("formatted");
    }

    private static CliRunner.Result ok(String... args) {
        CliRunner.Result r = run(args);
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isZero();
        return r;
    }

    private static CliRunner.Result fails(int code, String... args) {
        CliRunner.Result r = run(args);
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isEqualTo(code);
        assertThat(r.err().strip().lines().count()).as("one-line message: " + r.err()).isLessThanOrEqualTo(2);
        return r;
    }

    private Path hostTree() throws IOException {
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("a/b/c"));
        Files.writeString(src.resolve("hello.txt"), "hello pfs\n");
        Files.createFile(src.resolve("a/empty"));
        byte[] big = new byte[3 * 1024 * 1024 + 123];
        new Random(7).nextBytes(big);
        Files.write(src.resolve("a/b/big.bin"), big);
        Files.writeString(src.resolve("a/b/c/deep.txt"), "deep\n");
        Files.createSymbolicLink(src.resolve("link"), Path.of("hello.txt"));
        return src;
    }

    @Test
    void infoShowsSuperblockUsageAndNoHolder() {
        CliRunner.Result r = ok("info", v);
        assertThat(r.out()).contains("uuid:", "size:", "32.0 MiB", "chunks:", "inodes:", "rw holder:", "epoch:");
    }

    @Test
    void copiesATreeInAndOutByteForByte() throws IOException {
        Path src = hostTree();
        ok("cp", "-r", src.toString(), v + ":/src");
        CliRunner.Result ls = ok("ls", "-l", v + ":/src");
        assertThat(ls.out()).contains("hello.txt", "link -> hello.txt").contains("drwx");
        assertThat(ok("cat", v + ":/src/hello.txt").out()).isEqualTo("hello pfs\n");
        assertThat(ok("cat", v + ":/src/a/b/big.bin").stdout()).isEqualTo(Files.readAllBytes(src.resolve("a/b/big.bin")));
        assertThat(ok("fsck", v).out()).contains("clean");
        Path out = dir.resolve("out");
        ok("cp", "-r", v + ":/src", out.toString());
        TreeAssert.assertSameTree(src, out);
    }

    @Test
    void copiesIntoAnExistingDirectoryUnderTheSourceName() throws IOException {
        Path src = hostTree();
        ok("mkdir", v + ":/d");
        ok("cp", src.resolve("hello.txt").toString(), src.resolve("a/b/big.bin").toString(), v + ":/d");
        assertThat(ok("ls", v + ":/d").out()).isEqualTo("big.bin\nhello.txt\n");
        ok("cp", v + ":/d/hello.txt", v + ":/d/copy.txt");
        assertThat(ok("cat", v + ":/d/copy.txt").out()).isEqualTo("hello pfs\n");
    }

    @Test
    void copyRefusesDirectoriesWithoutRecursiveAndCopiesIntoThemselves() throws IOException {
        Path src = hostTree();
        assertThat(fails(1, "cp", src.toString(), v + ":/x").err()).contains("is a directory (use -r)");
        ok("cp", "-r", src.toString(), v + ":/src");
        assertThat(fails(1, "cp", "-r", v + ":/src", v + ":/src/a").err()).contains("into itself");
        assertThat(fails(2, "cp", src.toString(), dir.resolve("y").toString()).err()).contains("neither");
        assertThat(fails(1, "cp", src.resolve("hello.txt").toString(), src.resolve("link").toString(), v + ":/none")
                .err()).contains("ENOTDIR");
        assertThat(fails(1, "cp", dir.resolve("nope").toString(), v + ":/x").err()).contains("nope: ENOENT");
    }

    @Test
    void statShowsTheInode() throws IOException {
        ok("cp", hostTree().resolve("hello.txt").toString(), v + ":/h");
        assertThat(ok("stat", v + ":/h").out()).contains("File: " + v + ":/h", "regular file", "Size: 10", "Inode:",
                "Links: 1", "-rw-");
    }

    @Test
    void mkdirRmAndMvChangeTheTree() {
        ok("mkdir", "-p", v + ":/a/b/c");
        ok("mkdir", "-p", v + ":/a/b");
        assertThat(fails(1, "mkdir", v + ":/a").err()).contains(v + ":/a: EEXIST");
        assertThat(fails(1, "mkdir", v + ":/x/y").err()).contains("ENOENT");
        ok("mv", v + ":/a/b", v + ":/moved");
        ok("mkdir", v + ":/target");
        ok("mv", v + ":/moved", v + ":/target");
        assertThat(ok("ls", v + ":/target/moved").out()).isEqualTo("c\n");
        assertThat(fails(1, "rm", v + ":/target").err()).contains("EISDIR");
        ok("rm", "-r", v + ":/target");
        assertThat(fails(1, "rm", v + ":/target").err()).contains("ENOENT");
        ok("rm", "-f", v + ":/target");
        assertThat(fails(1, "rm", "-r", v + ":/").err()).contains("root");
        assertThat(ok("ls", v + ":").out()).isEqualTo("a\n");
    }

    @Test
    void movingADirectoryToAnotherParentKeepsLinkCountsRight() {
        ok("mkdir", "-p", v + ":/a/b");
        ok("mv", v + ":/a/b", v + ":/moved");
        assertThat(ok("ls", "-l", v + ":/").out()).containsPattern("(?m)^drwxr-xr-x 2 0 0 0 \\S+ \\S+ a$");
        assertThat(ok("fsck", v).out()).contains("clean");
    }

    @Test
    void mvStaysWithinOneVolume() {
        ok("mkdir", v + ":/a");
        Path other = dir.resolve("w.img");
        ok("mkfs", other.toString(), "--size", "32M", "--chunk-size", "16M");
        assertThat(fails(2, "mv", v + ":/a", other + ":/a").err()).contains("within one volume");
        assertThat(fails(1, "mv", v + ":/a", v + ":/a/b").err()).contains("into itself");
    }

    @Test
    void catOfADirectoryOrMissingFileFails() {
        ok("mkdir", v + ":/d");
        assertThat(fails(1, "cat", v + ":/d").err()).contains(v + ":/d: EISDIR");
        assertThat(fails(1, "cat", v + ":/nope").err()).contains(v + ":/nope: ENOENT");
        assertThat(fails(1, "ls", v + ":/nope").err()).contains(v + ":/nope: ENOENT");
    }

    @Test
    void missingVolumeAndBadSyntaxHaveTheirOwnExitCodes() {
        assertThat(fails(5, "ls", dir.resolve("missing.img") + ":/").err()).contains("no such volume file");
        assertThat(fails(5, "info", dir.resolve("missing.img").toString()).err()).contains("no such volume file");
        assertThat(fails(2, "ls", v).err()).contains("not a volume path");
        assertThat(fails(2, "stat", v + ":/a/../b").err()).contains("'..'");
        assertThat(fails(2, "mkfs", v, "--size", "lots").err()).contains("'lots' is not a size");
        assertThat(fails(2, "ls", "--host-id", "-1", v + ":/").err()).contains("must be 0 or more");
        assertThat(fails(5, "ls", "--host-id", "40", v + ":/").err()).contains("host id 40");
    }

    @Test
    void aFileThatIsNotAVolumeIsRefused() throws IOException {
        Path zeros = dir.resolve("zeros.img");
        Files.write(zeros, new byte[1 << 20]);
        for (String cmd : new String[] {"info", "fsck"}) {
            assertThat(fails(5, cmd, zeros.toString()).err()).as(cmd).contains("not a pfs volume");
        }
        assertThat(fails(5, "ls", zeros + ":/").err()).contains("not a pfs volume");
    }

    @Test
    void mkfsRefusesToOverwriteWithoutForce() throws IOException {
        String uuid = ok("info", v).out().lines().filter(l -> l.startsWith("uuid:")).findFirst().orElseThrow();
        assertThat(fails(1, "mkfs", v).err()).contains("already holds a pfs volume").contains("--force");
        ok("mkfs", v, "--force", "--chunk-size", "16M");
        assertThat(ok("info", v).out()).doesNotContain(uuid);

        Path data = dir.resolve("data.img");
        byte[] junk = new byte[1 << 20];
        new Random(1).nextBytes(junk);
        Files.write(data, junk);
        assertThat(fails(1, "mkfs", data.toString()).err()).contains("holds data that is not a pfs volume");
        assertThat(Files.readAllBytes(data)).isEqualTo(junk);

        assertThat(fails(2, "mkfs", dir.resolve("new.img").toString()).err()).contains("give --size");
        assertThat(fails(2, "mkfs", dir.resolve("odd.img").toString(), "--size", "1000").err()).contains("multiple of 512");
        assertThat(dir.resolve("new.img")).doesNotExist();
        Path blank = dir.resolve("blank.img");
        Files.write(blank, new byte[1 << 20]);
        assertThat(fails(2, "mkfs", blank.toString(), "--size", "8M").err()).contains("--force");
        ok("mkfs", blank.toString(), "--size", "8M", "--force", "--chunk-size", "8M");
        assertThat(blank).hasSize(8 << 20);
    }

    @Test
    void growfsGrowsTheFileAndTheFileSystem() {
        ok("growfs", v, "--size", "64M");
        assertThat(ok("info", v).out()).contains("64.0 MiB");
        assertThat(fails(2, "growfs", v, "--size", "32M").err()).contains("shrink");
        assertThat(ok("fsck", v).out()).contains("clean");
    }

    @Test
    void aVolumeHeldReadWriteElsewhereIsBusy() throws Exception {
        try (FileVolume held = FileVolume.open(vol); Pfs holder = Pfs.mount(held, MountOptions.readWrite(1))) {
            assertThat(holder.isReadWrite()).isTrue();
            assumeTrue(Pfs.info(held).rwHostId() == 1, "core-pfs does not record the RW holder yet (Disk Paxos pending)");
            assertThat(ok("info", v).out()).containsPattern("rw holder:\\s+host 1 \\(lease alive\\)");
            CliRunner.Result r = fails(3, "mkdir", v + ":/x");
            assertThat(r.err()).contains("volume busy");
        }
        ok("mkdir", v + ":/x");
    }

    /** Copies a file named {@code name} in and flips a bit of every copy of the name on the volume. */
    private void corruptTheDirentOf(String name) throws IOException {
        Path victim = dir.resolve("victim");
        Files.writeString(victim, "hi\n");
        ok("cp", victim.toString(), v + ":/" + name);
        byte[] image = Files.readAllBytes(vol);
        byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int flipped = 0;
        for (int i = 0; i + bytes.length <= image.length; i++) {
            if (java.util.Arrays.equals(image, i, i + bytes.length, bytes, 0, bytes.length)) {
                image[i] ^= 0x20;
                flipped++;
            }
        }
        assertThat(flipped).as("the name is on the volume").isPositive();
        Files.write(vol, image);
    }

    @Test
    void fsckReportsACorruptDirentAndRepairListsItsFixes() throws IOException {
        corruptTheDirentOf("zzvictimzz");
        assertThat(fails(4, "fsck", v).out()).contains("problem: ", "checksum mismatch", "problem(s) found");
        assertThat(fails(5, "ls", v + ":/").err()).contains(v + ": EIO: ", "checksum mismatch");
        assertThat(fails(4, "fsck", "--repair", v).out()).contains("repaired: ", "run fsck again");
    }

    @Test
    void repairLeavesAVolumeThatChecksClean() throws IOException {
        corruptTheDirentOf("zzvictimzz");
        fails(4, "fsck", "--repair", v);
        assertThat(ok("fsck", v).out()).contains("clean");
        ok("ls", v + ":/");
    }

    @Test
    void aFullVolumeFailsTheCopyWithEnospcAndStaysConsistent() throws IOException {
        Path small = dir.resolve("small.img");
        String s = small.toString();
        ok("mkfs", s, "--size", "4M", "--chunk-size", "4M");
        byte[] big = new byte[3 << 20];
        new Random(3).nextBytes(big);
        Path file = dir.resolve("big.bin");
        Files.write(file, big);
        assertThat(fails(1, "cp", file.toString(), s + ":/big").err()).contains(s + ":/big").contains("ENOSPC");
        assertThat(ok("fsck", s).out()).contains("clean");
        ok("rm", s + ":/big");
        Path hello = dir.resolve("hello.txt");
        Files.writeString(hello, "hello pfs\n");
        ok("cp", hello.toString(), s + ":/hello");
        assertThat(ok("cat", s + ":/hello").out()).isEqualTo("hello pfs\n");
    }

    @Test
    void progressBarIsDrawnOnlyOnATerminal() throws IOException {
        Path src = hostTree();
        CliRunner.Result tty = CliRunner.run(true, "cp", "-r", src.toString(), v + ":/tty");
        assertThat(tty.code()).as(tty.toString()).isZero();
        assertThat(tty.err()).contains("\rcp [").contains(" files, ").endsWith("\r\u001b[K");
        CliRunner.Result pipe = CliRunner.run(false, "cp", "-r", src.toString(), v + ":/pipe");
        assertThat(pipe.code()).isZero();
        assertThat(pipe.err()).isEmpty();
    }
}
