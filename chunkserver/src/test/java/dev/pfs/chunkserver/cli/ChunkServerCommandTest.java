package dev.pfs.chunkserver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad configuration is refused at start with one line naming the option and value. */
class ChunkServerCommandTest {
    @TempDir
    Path tmp;

    private String run(int expectedExit, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ChunkServerCommand()).setErr(new PrintWriter(err));
        assertThat(cl.execute(args)).as(err.toString()).isEqualTo(expectedExit);
        return err.toString();
    }

    @Test
    void rejectsAChunkSizeThatIsNotAMultipleOfTheBlock() {
        assertThat(run(2, "--data-dir", tmp.toString(), "--chunk-size", "100K"))
                .contains("--chunk-size: 102400 must be a multiple of 64K");
    }

    @Test
    void rejectsASizeThatIsNotASize() {
        assertThat(run(2, "--data-dir", tmp.toString(), "--capacity", "lots")).contains("--capacity: 'lots' is not a size");
    }

    @Test
    void rejectsAListenAddressWithoutPort() {
        assertThat(run(2, "--data-dir", tmp.toString(), "--listen", "localhost")).contains("--listen: 'localhost' is not host:port");
    }

    @Test
    void rejectsATooSmallWal() {
        assertThat(run(2, "--data-dir", tmp.toString(), "--wal-size", "1M")).contains("--wal-size");
    }

    @Test
    void refusesAForeignDataDirectoryWithExitCodeFive() throws Exception {
        Files.writeString(tmp.resolve("x"), "x");
        assertThat(run(5, "--data-dir", tmp.toString(), "--listen", "127.0.0.1:0", "--metrics", "none"))
                .contains("not a pfs chunkserver directory");
    }
}
