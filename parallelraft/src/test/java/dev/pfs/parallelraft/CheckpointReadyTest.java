package dev.pfs.parallelraft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A follower receiving streamed checkpoints from leader 1: a CHECKPOINT_RESP leaves only once the
 * pieces it acknowledges are durable, and a Ready carries the pieces of one checkpoint, installing
 * only that one; the Ready that installs a checkpoint names it in its hard state.
 */
@Timeout(30)
class CheckpointReadyTest {

    private static final long[] MEMBERS = {1, 2, 3};

    private static RaftNode follower(Mode mode) {
        return new RaftNode(new RaftConfig(2, List.of(1, 2, 3), mode, 2, 10, 2, 16, 16, false, false, 1024, 2, false,
                64));
    }

    private static Message piece(long index, long offset, int length, boolean last) {
        return new Message(MessageType.CHECKPOINT, 1, 2, 1, index, 1, List.of(), offset, MEMBERS, last,
                new byte[length]);
    }

    private static long wanted(Ready rd) {
        return rd.messages().stream().filter(m -> m.type() == MessageType.CHECKPOINT_RESP)
                .mapToLong(Message::logTerm).max().orElse(-1);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aDuplicatePieceIsAnsweredOnlyOnceThePiecesAreDurable(Mode mode) {
        RaftNode n = follower(mode);
        n.step(piece(10, 0, 64, false));
        Ready pieces = n.ready();
        assertThat(pieces.checkpointPieces()).hasSize(1);
        n.step(piece(10, 0, 64, false));
        Ready later = n.ready();
        assertThat(wanted(later)).as("an answer acknowledging a piece still in flight: %s", later.messages())
                .isLessThanOrEqualTo(0);
        n.advance(later);
        n.advance(pieces);
        assertThat(wanted(pieces) == 64 || wanted(n.ready()) == 64).as("acknowledged once durable").isTrue();
    }

    @Test
    void aReadyCarriesThePiecesOfOneCheckpointAndInstallsOnlyThatOne() {
        RaftNode n = follower(Mode.PARALLEL);
        List<Long> installed = new ArrayList<>();
        n.step(piece(10, 0, 40, true));
        n.step(piece(20, 0, 64, false));
        n.step(piece(20, 64, 10, true));
        for (int round = 0; round < 3 && installed.size() < 2; round++) {
            Ready rd = n.ready();
            List<Long> indices = rd.checkpointPieces().stream().map(CheckpointPiece::index).distinct().toList();
            assertThat(indices).as("pieces of one checkpoint: %s", rd.checkpointPieces()).hasSizeLessThanOrEqualTo(1);
            if (rd.installCheckpoint() >= 0) {
                assertThat(indices).as("installs the checkpoint it carries").containsExactly(rd.installCheckpoint());
                installed.add(rd.installCheckpoint());
            }
            n.advance(rd);
            // The leader sends what was not answered again.
            n.step(piece(20, 0, 64, false));
            n.step(piece(20, 64, 10, true));
        }
        assertThat(installed).as("both checkpoints installed, in order, each in its own Ready").containsExactly(10L, 20L);
    }
    /**
     * Soak seed 16725: a joining member took the last piece while the Ready with the previous one
     * was in flight; the install's Ready carried no hard state, a crash kept the install and not
     * the later hard state, and the restarted node knew neither the stamp (0) nor the members at
     * the checkpoint, so it refused every APPEND of its leader above it for good.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void theReadyThatInstallsACheckpointNamesItInItsHardState(Mode mode) {
        RaftNode n = follower(mode);
        n.step(piece(10, 0, 64, false));
        Ready first = n.ready();
        assertThat(first.checkpointPieces()).hasSize(1);
        n.step(piece(10, 64, 10, true));
        Ready install = n.ready();
        assertThat(install.installCheckpoint()).isEqualTo(10);
        assertThat(install.hardState()).as("the install's Ready carries the hard state naming it").isNotNull();
        assertThat(install.hardState().compactIndex()).isEqualTo(10);
        assertThat(install.hardState().compactTerm()).as("the stamp at the checkpoint").isEqualTo(1);
        assertThat(install.hardState().members()).as("the members there").containsExactly(1, 2, 3);
        RaftNode restarted = new RaftNode(n.cfg, install.hardState(), List.of(), 10);
        assertThat(restarted.log.termAt(10)).as("a restart from it knows the stamp").isEqualTo(1);
    }
}
