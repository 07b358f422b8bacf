package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.fuse.kernel.FuseFrames;
import dev.pfs.fuse.kernel.FuseOpcode;
import dev.pfs.fuse.kernel.FuseRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A request's caller is in its primary group and in the groups its /proc status lists. */
@Timeout(10)
class CallerGroupsTest {
    @TempDir
    Path proc;
    private final FuseFrames frames = new FuseFrames();

    private FuseRequest request(int gid, int pid) {
        return frames.start(FuseOpcode.GETATTR, 1, 1000, gid).pid(pid).putLong(0).putLong(0).request();
    }

    @Test
    void theSupplementaryGroupsAreTheCallersStatusGroupsLine() throws Exception {
        Files.createDirectories(proc.resolve("4242"));
        Files.writeString(proc.resolve("4242/status"), "Name:\tpython3\nUid:\t1000\t1000\t1000\t1000\n"
                + "Groups:\t100 4321 \nVmPeak:\t1 kB\n");
        CallerGroups groups = new CallerGroups(proc);
        assertThat(groups.inGroup(request(1000, 4242), 1000)).as("the primary group").isTrue();
        assertThat(groups.inGroup(request(1000, 4242), 100)).isTrue();
        assertThat(groups.inGroup(request(1000, 4242), 4321)).isTrue();
        assertThat(groups.inGroup(request(1000, 4242), 0)).isFalse();
    }

    @Test
    void aCallerWithoutSupplementaryGroupsOrWhoseProcessWentHasOnlyItsPrimaryGroup() throws Exception {
        Files.createDirectories(proc.resolve("7"));
        Files.writeString(proc.resolve("7/status"), "Name:\tsh\nGroups:\t\n");
        CallerGroups groups = new CallerGroups(proc);
        assertThat(groups.inGroup(request(1000, 7), 100)).isFalse();
        assertThat(groups.inGroup(request(1000, 8), 100)).as("no such process").isFalse();
        assertThat(groups.inGroup(request(1000, 8), 1000)).isTrue();
    }
}
