package dev.pfs.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Must-show 1 of the PolarSwitch issue through the real {@code ./pfs} launcher:
 * {@code scripts/cluster/pg-leader-kill.sh} brings up the three-replica cluster, runs PostgreSQL's
 * pgbench on its FUSE mount while chunk 0's leader is kill -9ed and restarted twice, and checks
 * no failed transaction, pg_amcheck clean and equal replicas. The script prints what it
 * measured and ends with "OK: ..." on success.
 *
 * <p>pgbench runs {@code -Dpfs.cluster.pgbenchSeconds} (default 420, not the 60): a
 * restarted chunkserver replays its whole replication log before it serves (the log is not
 * reclaimed yet), 80-170 s on the loaded 2-core CI machine after {@code pgbench -i -s 10}, and
 * both kill-restart rounds must fall inside the run.
 *
 * <p>Not in CI yet ({@code -Dpfs.cluster.pg=true} runs it): about 20 minutes on the loaded CI
 * machine, and not yet seen passing whole since the script unmounts before comparing replicas
 * (compared under the mount's lease renewals they differed; unmounted, the same data compared
 * equal).
 */
@Tag("system")
class ClusterPostgresSystemTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void postgresOnTheReplicatedClusterThroughTwoLeaderKills() throws Exception {
        assumeTrue(Boolean.getBoolean("pfs.cluster.pg"), "-Dpfs.cluster.pg=true runs it (about 20 minutes)");
        ProcessBuilder pb = new ProcessBuilder("bash", REPO.resolve("scripts/cluster/pg-leader-kill.sh").toString())
                .redirectErrorStream(true);
        pb.environment().put("PFS", REPO.resolve("pfs").toString());
        pb.environment().put("PGBENCH_SECONDS", System.getProperty("pfs.cluster.pgbenchSeconds", "420"));
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                System.out.println(line);
                lines.add(line);
            }
        }
        int rc = p.waitFor();
        assertThat(rc).as("exit code; output:%n%s", String.join("\n", lines)).isZero();
        assertThat(lines).last().asString().contains("OK:");
    }
}
