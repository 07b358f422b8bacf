package dev.pfs.core.paxos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Separate JVM processes race for RW on one file volume: exactly one wins; after it is killed
 * with SIGKILL its lease runs out and exactly one of the others wins with a higher epoch.
 */
@Tag("system")
class RwElectionProcessTest {
    private static final int CONTENDERS = 4;
    private static final long LEASE_MILLIS = 2000;
    private static final long OFFSET = 16 * BlockVolume.SECTOR_SIZE;
    private static final Duration DEADLINE = Duration.ofSeconds(25);

    private record Line(int host, String kind, String rest, long atNanos) {
    }

    private final Map<Integer, Process> processes = new TreeMap<>();
    private final List<Line> lines = new CopyOnWriteArrayList<>();

    @AfterEach
    void killAll() throws InterruptedException {
        for (Process p : processes.values()) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(60)
    void processesRaceOneWinsAndAfterKillNineAnotherWinsWithAHigherEpoch(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("volume.img");
        try (FileVolume v = FileVolume.create(file, OFFSET + DiskPaxosDescriptor.regionSize(CONTENDERS) + 4096)) {
            RwElection.format(v, OFFSET, CONTENDERS);
        }
        for (int host = 1; host <= CONTENDERS; host++) {
            start(file, host);
        }

        // Every contender has spoken and every loser has seen the winner's live lease.
        awaitUntil(() -> won().size() == 1 && losersHeldSince(won().get(0), 0), "one winner, the rest HELD");
        Line first = won().get(0);
        assertThat(won()).hasSize(1);
        assertThat(lines).filteredOn(l -> l.kind.equals("HELD") && l.host != first.host)
                .allSatisfy(l -> assertThat(l.rest).contains("held read-write by host " + first.host));
        long firstEpoch = Long.parseLong(first.rest);

        long killedAt = System.nanoTime();
        processes.remove(first.host).destroyForcibly().waitFor();

        awaitUntil(() -> won().size() == 2, "a second winner after kill -9");
        Line second = won().get(1);
        assertThat(second.host).isNotEqualTo(first.host);
        assertThat(Long.parseLong(second.rest)).isGreaterThan(firstEpoch);
        // The remaining losers see the new holder; nobody else claims the volume.
        awaitUntil(() -> losersHeldSince(second, second.atNanos), "the others HELD by the new winner");
        assertThat(won()).hasSize(2);
        System.out.printf("paxos processes: host %d won epoch %d; killed; host %d won epoch %d %d ms later%n",
                first.host, firstEpoch, second.host, Long.parseLong(second.rest),
                (second.atNanos - killedAt) / 1_000_000);
    }

    private List<Line> won() {
        return lines.stream().filter(l -> l.kind.equals("WON")).toList();
    }

    private boolean losersHeldSince(Line winner, long sinceNanos) {
        return processes.keySet().stream().filter(h -> h != winner.host).allMatch(h -> lines.stream().anyMatch(
                l -> l.host == h && l.kind.equals("HELD") && l.atNanos > sinceNanos
                        && l.rest.contains("host " + winner.host + " ")));
    }

    private void awaitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            for (Map.Entry<Integer, Process> e : processes.entrySet()) {
                assertThat(e.getValue().isAlive()).as("contender %d alive; output %s", e.getKey(), lines).isTrue();
            }
            assertThat(System.nanoTime()).as("waiting for %s; output %s", what, lines).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private void start(Path file, int host) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xmx64m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ContenderMain.class.getName());
        cmd.addAll(List.of(file.toString(), Integer.toString(host), Integer.toString(CONTENDERS),
                Long.toString(LEASE_MILLIS), Long.toString(OFFSET)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        processes.put(host, p);
        Thread.ofVirtual().start(() -> read(p, host));
    }

    private void read(Process p, int host) {
        Predicate<String> ours = s -> s.startsWith("CONTENDER ");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String s = r.readLine(); s != null; s = r.readLine()) {
                if (ours.test(s)) {
                    String[] parts = s.split(" ", 4);
                    lines.add(new Line(host, parts[1], parts.length > 3 ? parts[3] : "", System.nanoTime()));
                }
            }
        } catch (IOException e) {
            // The process was killed: its output ends here.
        }
    }
}
