package dev.pfs.parallelraft;

import static dev.pfs.parallelraft.ScriptedGroup.any;
import static dev.pfs.parallelraft.ScriptedGroup.from;
import static dev.pfs.parallelraft.ScriptedGroup.to;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Short scripted scenarios whose message traces must equal recorded ones in
 * {@code src/test/resources/golden/}. A change of protocol behaviour shows up as a diff; after
 * checking it is intended, re-record with {@code -Dpfs.raft.recordGolden=true}.
 */
@Timeout(30)
class GoldenTraceTest {

    private static final byte[] DATA = {7};

    private static void check(String name, ScriptedGroup g) throws IOException {
        String actual = String.join("\n", g.trace) + "\n";
        if (Boolean.getBoolean("pfs.raft.recordGolden")) {
            Files.writeString(Path.of("src/test/resources/golden", name + ".txt"), actual);
            return;
        }
        try (InputStream in = GoldenTraceTest.class.getResourceAsStream("/golden/" + name + ".txt")) {
            assertThat(in).as("golden file %s.txt", name).isNotNull();
            assertThat(actual).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void electionWithPreVote() throws IOException {
        ScriptedGroup g = new ScriptedGroup(Mode.STRICT, 3, c -> c.withPreVote(true));
        g.campaign(2);
        g.deliver(any());
        g.tick(2, 2);
        g.deliver(any());
        assertThat(g.node(2).role()).isEqualTo(Role.LEADER);
        check("election", g);
    }

    @Test
    void mergeFillsHolesAndRestamps() throws IOException {
        ScriptedGroup g = new ScriptedGroup(Mode.PARALLEL, 3, c -> c);
        g.campaign(1);
        g.deliver(any());
        g.propose(1, 0, 2, DATA);
        g.propose(1, 4, 1, DATA);
        g.propose(1, 1, 1, DATA);
        g.deliver(m -> m.type() == MessageType.APPEND && m.to() == 2);
        g.drop(any());
        g.crash(1);
        g.campaign(2);
        g.deliver(any());
        g.tick(2, 2);
        g.deliver(any());
        assertThat(g.node(2).readyToServe()).isTrue();
        assertThat(g.node(3).entry(2).term()).isEqualTo(2);
        check("merge", g);
    }

    @Test
    void laggingFollowerCatchesUp() throws IOException {
        ScriptedGroup g = new ScriptedGroup(Mode.PARALLEL, 3, c -> c);
        g.campaign(1);
        g.deliver(any());
        for (int i = 0; i < 4; i++) {
            g.propose(1, i * 3, 2, DATA);
        }
        g.drop(to(3));
        g.deliver(any());
        g.tick(1, 2);
        g.drop(to(3));
        g.deliver(any());
        for (int round = 0; round < 4; round++) {
            g.tick(1, 2);
            g.deliver(any());
        }
        assertThat(g.applied.get(3)).hasSize(4);
        check("catch-up", g);
    }

    @Test
    void newServerCatchesUpFromAStreamedCheckpoint() throws IOException {
        ScriptedGroup g = new ScriptedGroup(Mode.PARALLEL, 3, c -> c.withCheckpointPiece(256));
        g.campaign(1);
        g.deliver(any());
        g.propose(1, 0, 2, DATA);
        g.propose(1, 4, 1, DATA);
        g.deliver(any());
        for (int round = 0; round < 2; round++) {
            g.tick(1, 2);
            g.deliver(any());
        }
        for (int id = 1; id <= 3; id++) {
            g.checkpoint(id);
        }
        for (int round = 0; round < 2; round++) {
            g.tick(1, 2);
            g.deliver(any());
        }
        g.addServer(4, c -> c.withCheckpointPiece(256));
        g.node(1).proposeMembership(java.util.List.of(1, 2, 3, 4));
        g.trace.add("propose members 1,2,3,4");
        g.pump(1);
        g.deliver(any());
        for (int round = 0; round < 4; round++) {
            g.tick(1, 2);
            g.deliver(any());
        }
        assertThat(g.installed.get(4)).isEqualTo(g.checkpointAt.get(1));
        assertThat(g.node(4).appliedPrefix()).isEqualTo(g.node(1).lastIndex());
        check("checkpoint-catch-up", g);
    }

    @Test
    void followerNamesHolesFromLookBehindBuffers() throws IOException {
        ScriptedGroup g = new ScriptedGroup(Mode.PARALLEL, 3, c -> c);
        g.campaign(1);
        g.deliver(any());
        for (int i = 0; i < 3; i++) {
            g.propose(1, i * 3, 2, DATA);
        }
        g.drop(m -> m.to() == 3 && m.entries().stream().anyMatch(e -> e.index() == 1));
        g.deliver(any());
        assertThat(g.node(3).entry(1)).as("index 1 lost on its way to node 3").isNull();
        g.tick(3, 1);
        g.deliver(any());
        assertThat(g.node(3).entry(1)).as("one tick: maybe only overtaken").isNull();
        g.tick(3, 1);
        g.deliver(any());
        assertThat(g.node(3).entry(1)).as("named by the LBBs of 2 and 3, asked for, sent").isNotNull();
        check("named-holes", g);
    }

    @Test
    void strictFollowerReportsAGapAfterATick() throws IOException {
        ScriptedGroup g = new ScriptedGroup(Mode.STRICT, 3, c -> c);
        g.campaign(1);
        g.deliver(any());
        g.tick(1, 2);
        g.deliver(any());
        for (int i = 0; i < 3; i++) {
            g.propose(1, i * 3, 2, DATA);
        }
        g.drop(m -> m.to() == 3 && m.entries().stream().anyMatch(e -> e.index() == 2));
        g.deliver(any());
        assertThat(g.node(3).lastIndex()).as("index 3 waits behind the gap at 2").isEqualTo(1);
        g.tick(3, 2);
        g.deliver(any());
        assertThat(g.node(3).lastIndex()).isEqualTo(4);
        check("strict-gap", g);
    }

    @Test
    void leadershipTransfer() throws IOException {
        ScriptedGroup g = new ScriptedGroup(Mode.PARALLEL, 3, c -> c);
        g.campaign(1);
        g.deliver(any());
        g.propose(1, 0, 1, DATA);
        g.deliver(from(1).or(to(1)));
        assertThat(g.node(1).transferLeadership(3)).isTrue();
        g.trace.add("transfer 1 -> 3");
        g.pump(1);
        g.deliver(any());
        g.tick(3, 2);
        g.deliver(any());
        check("transfer", g);
        assertThat(g.node(3).role()).isEqualTo(Role.LEADER);
        assertThat(g.node(3).readyToServe()).isTrue();
    }
}
