package dev.pfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.Placement;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pfs volume create|ls|info} and {@code pfs chunk verify}'s refusals, over a placement directory. */
class ReplicatedVolumeCommandsTest {
    @TempDir
    Path dir;

    private CliRunner.Result run(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--placement-dir";
        all[args.length + 1] = dir.toString();
        return CliRunner.run(all);
    }

    @Test
    void createWritesAPlacementThatLsAndInfoShow() throws Exception {
        CliRunner.Result r = run("volume", "create", "--offline", "db", "--size", "40M", "--chunk-size", "10M",
                "--servers", "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("created volume db: 4 chunks");
        Placement p = Placement.read(dir.resolve("db.placement"));
        assertThat(p.replicas()).containsExactly(java.util.List.of(1, 2, 3), java.util.List.of(2, 3, 1),
                java.util.List.of(3, 1, 2), java.util.List.of(1, 2, 3));
        assertThat(p.servers().get(2).getPort()).isEqualTo(7102);

        CliRunner.Result ls = run("volume", "ls");
        assertThat(ls.code()).isZero();
        assertThat(ls.out()).contains("db size=41943040 chunks=4 chunk_size=10485760 mode=parallel servers=[1, 2, 3]");
        CliRunner.Result info = run("volume", "info", "db");
        assertThat(info.code()).isZero();
        assertThat(info.out()).contains("server 3 127.0.0.1:7103").contains("chunk 2 id=")
                .contains("replicas=[3, 1, 2]");
    }

    @Test
    void aVolumeIsParallelRaftUnlessCreatedStrict() throws Exception {
        CliRunner.Result r = run("volume", "create", "--offline", "cmp", "--size", "10M", "--chunk-size", "10M",
                "--mode", "strict", "--servers", "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("strict mode");
        assertThat(Placement.read(dir.resolve("cmp.placement")).mode()).isEqualTo(dev.pfs.parallelraft.Mode.STRICT);
        assertThat(run("volume", "info", "cmp").out()).contains("mode=strict");
        assertThat(run("volume", "create", "--offline", "odd", "--size", "10M", "--chunk-size", "10M", "--mode",
                "fast", "--servers", "a:1,b:2,c:3").err()).contains("replication mode 'fast' must be parallel or strict");
    }

    @Test
    void replicaChangesRefuseBadInputBeforeAskingAnyServer() {
        assertThat(run("volume", "create", "--offline", "db", "--size", "20M", "--chunk-size", "10M",
                "--servers", "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103").code()).isZero();
        CliRunner.Result unknown = run("chunk", "add-replica", "nope", "0", "--server", "4=127.0.0.1:7104");
        assertThat(unknown.code()).isEqualTo(ExitStatus.BAD_VOLUME.code());
        assertThat(unknown.err()).contains("no replicated volume 'nope'");
        CliRunner.Result member = run("chunk", "add-replica", "db", "0", "--server", "2=127.0.0.1:7102");
        assertThat(member.code()).isEqualTo(ExitStatus.USAGE.code());
        assertThat(member.err()).contains("server 2 is already a replica");
        assertThat(run("chunk", "remove-replica", "db", "1", "--server", "4").err())
                .contains("server 4 is not a replica");
        assertThat(run("chunk", "add-replica", "db", "0", "--server", "4").err()).contains("expected ID=HOST:PORT");
        assertThat(run("chunk", "add-replica", "db", "7", "--server", "4=h:1").err())
                .contains("has chunks 0 to 1, not 7");
    }

    @Test
    void badInputGetsAClearError() {
        assertThat(run("volume", "create", "--offline", "db", "--size", "15M", "--chunk-size", "10M", "--servers",
                "a:1,b:2,c:3").err()).contains("must be a positive multiple of the chunk size");
        assertThat(run("volume", "create", "--offline", "db", "--size", "10M", "--chunk-size", "10M", "--servers",
                "a:1,b:2").err()).contains("3 replicas need at least as many servers");
        assertThat(run("volume", "create", "--offline", "db", "--size", "10M", "--chunk-size", "10M", "--servers",
                "a:1,b:2,c:3").code()).isZero();
        CliRunner.Result again = run("volume", "create", "--offline", "db", "--size", "10M", "--chunk-size", "10M",
                "--servers", "a:1,b:2,c:3");
        assertThat(again.code()).isEqualTo(ExitStatus.FILE_ERROR.code());
        assertThat(again.err()).contains("volume 'db' exists");
        CliRunner.Result missing = run("volume", "info", "nope");
        assertThat(missing.code()).isEqualTo(ExitStatus.BAD_VOLUME.code());
        assertThat(missing.err()).contains("no replicated volume 'nope'");
        assertThat(run("chunk", "verify", "nope").code()).isEqualTo(ExitStatus.BAD_VOLUME.code());
        CliRunner.Result down = run("volume", "create", "lost", "--size", "10M", "--chunk-size", "10M", "--timeout", "1",
                "--servers", "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3");
        assertThat(down.code()).as(down.toString()).isEqualTo(ExitStatus.BAD_VOLUME.code());
        assertThat(down.err()).contains("chunk 0 of volume lost").contains("its group exists on only 0 of 3 servers");
        assertThat(dir.resolve("lost.placement")).doesNotExist();
    }
}
