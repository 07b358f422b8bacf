package dev.pfs.core.paxos;

import static dev.pfs.core.paxos.SimWorld.LEASE_NANOS;
import static dev.pfs.core.paxos.SimWorld.OFFSET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class RwElectionTest {
    private final SimWorld world;

    RwElectionTest() throws PaxosException {
        world = new SimWorld(4, 1).formatted();
    }

    @Test
    void firstContenderWinsEpochOneAndTheLeaderRecordNamesIt() throws Exception {
        RwElection one = world.election(1);
        assertThat(one.readLeader()).isEqualTo(new LeaderRecord(0, 0, 0, 0, false, 0, 1));

        long epoch = one.acquire();

        assertThat(epoch).isEqualTo(1);
        assertThat(one.holdsLease()).isTrue();
        LeaderRecord leader = world.election(2).readLeader();
        assertThat(leader.hostId()).isEqualTo(1);
        assertThat(leader.epoch()).isEqualTo(1);
        assertThat(leader.held()).isTrue();
        assertThat(leader.leaseNanos()).isEqualTo(LEASE_NANOS);
    }

    @Test
    void contenderFailsWithHeldNamingTheHolderWhileItRenews() throws Exception {
        RwElection one = world.election(1);
        one.acquire();
        world.keep(one);
        long start = world.now();

        assertThatThrownBy(() -> world.election(2).acquire())
                .isInstanceOfSatisfying(PaxosException.class, e -> {
                    assertThat(e.reason()).isEqualTo(PaxosException.Reason.HELD);
                    assertThat(e.holderHostId()).isEqualTo(1);
                    assertThat(e.holderEpoch()).isEqualTo(1);
                })
                .hasMessage("volume held read-write by host 1 (epoch 1); its lease is live");
        assertThat(world.now() - start).isLessThanOrEqualTo(LEASE_NANOS + LEASE_NANOS / 4);
        assertThat(one.holdsLease()).isTrue();
    }

    @Test
    void aSecondLiveProcessWithTheSameHostIdIsToldSo() throws Exception {
        RwElection one = world.election(1);
        one.acquire();
        world.keep(one);

        assertThatThrownBy(() -> world.election(1).acquire()).isInstanceOfSatisfying(PaxosException.class,
                e -> assertThat(e.reason()).isEqualTo(PaxosException.Reason.HELD))
                .hasMessageContaining("another live process uses host id 1");
    }

    @Test
    void deadHoldersLeaseRunsOutAndAnotherWinsWithAHigherEpoch() throws Exception {
        RwElection one = world.election(1);
        assertThat(one.acquire()).isEqualTo(1);
        long start = world.now();

        RwElection two = world.election(2);
        long epoch = two.acquire();

        assertThat(epoch).isEqualTo(2);
        assertThat(world.now() - start).isGreaterThanOrEqualTo(LEASE_NANOS);
        assertThat(one.holdsLease()).isFalse();
        assertThat(two.holdsLease()).isTrue();
        assertThatThrownBy(one::renew).isInstanceOfSatisfying(PaxosException.class,
                e -> assertThat(e.reason()).isEqualTo(PaxosException.Reason.LOST));
        assertThat(two.readLeader().holder()).isEqualTo("host 2 (epoch 2)");
    }

    @Test
    void aHolderWithASlowClockStopsBeforeAContenderWithAFastClockTakesOver() throws Exception {
        world.clockRate(1, 0.95);
        world.clockRate(2, 1.05);
        RwElection slow = world.election(1);
        slow.acquire();
        RwElection fast = world.election(2);
        world.background.add(() -> assertThat(fast.holdsLease() && slow.holdsLease()).isFalse());

        assertThat(fast.acquire()).isEqualTo(2);
        assertThat(slow.holdsLease()).isFalse();
    }

    @Test
    void holderStopsHoldingBeforeAContenderMayDecideItIsDead() throws Exception {
        RwElection one = world.election(1);
        one.acquire();
        world.advance(LEASE_NANOS - LEASE_NANOS / 4 - 1);
        assertThat(one.holdsLease()).isTrue();
        world.advance(1);
        assertThat(one.holdsLease()).isFalse();
        assertThatThrownBy(() -> one.publishAnchor(1)).isInstanceOf(PaxosException.class);
    }

    @Test
    void releaseLetsAnotherWinAtOnce() throws Exception {
        RwElection one = world.election(1);
        one.acquire();
        one.release();
        assertThat(one.holdsLease()).isFalse();
        long start = world.now();

        assertThat(world.election(3).acquire()).isEqualTo(2);
        assertThat(world.now() - start).isLessThan(LEASE_NANOS / 4);
    }

    @Test
    void publishedAnchorIsDurableAndCarriedOverATakeover() throws Exception {
        RwElection one = world.election(1);
        one.acquire();
        one.publishAnchor(4242);
        world.volume.powerLoss();
        world.volume = world.volume.restart();

        RwElection two = world.election(2);
        assertThat(two.readLeader().journalAnchor()).isEqualTo(4242);
        assertThat(two.acquire()).isEqualTo(2);
        assertThat(two.readLeader().journalAnchor()).isEqualTo(4242);
    }

    @Test
    void renewReportsLostWhenAnotherHostTookOverWhileItsClockStood() throws Exception {
        AtomicLong slowClock = new AtomicLong(world.now());
        RwElection one = world.election(1, slowClock);
        one.acquire();
        RwElection two = world.election(2);
        assertThat(two.acquire()).isEqualTo(2);

        assertThat(one.holdsLease()).isTrue();
        assertThatThrownBy(one::renew).isInstanceOfSatisfying(PaxosException.class, e -> {
            assertThat(e.reason()).isEqualTo(PaxosException.Reason.LOST);
            assertThat(e.getMessage()).contains("host 2 (epoch 2) took over");
        });
        assertThat(one.holdsLease()).isFalse();
    }

    @Test
    void winnerThatDiedBeforeRecordingItsWinIsTakenOverWithTheNextEpoch() throws Exception {
        RwElection one = world.election(1);
        AcquireAgent agent = one.newAcquireAgent();
        while (!agent.atLeaderWrite()) {
            agent.doWork();
        }
        // Host 1 won epoch 1 in Disk Paxos and died before writing the leader record.
        RwElection two = world.election(2);
        assertThat(two.acquire()).isEqualTo(2);
        assertThat(two.readLeader().holder()).isEqualTo("host 2 (epoch 2)");
    }

    @Test
    void onAFencingVolumeATakeoverWorksAndTheDeposedHoldersWritesAreRefused() throws Exception {
        world.fencing = true;
        AtomicLong slowClock = new AtomicLong(world.now());
        RwElection one = world.election(1, slowClock);
        assertThat(one.acquire()).isEqualTo(1);
        RwElection two = world.election(2);
        assertThat(two.acquire()).isEqualTo(2);

        // Host 1 has not noticed (its clock stood still): a journal write at its epoch is refused.
        ByteBuffer journal = ByteBuffer.allocate(4096);
        assertThatThrownBy(() -> VolumeException.await(world.view().write(0, journal, 1, true)))
                .isInstanceOfSatisfying(VolumeException.class,
                        e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.STALE_EPOCH));
        assertThat(one.holdsLease()).isTrue();
        assertThatThrownBy(one::renew).isInstanceOfSatisfying(PaxosException.class,
                e -> assertThat(e.reason()).isEqualTo(PaxosException.Reason.LOST));
        two.renew();
        assertThat(two.readLeader().holder()).isEqualTo("host 2 (epoch 2)");
    }

    @Test
    void acquireOnAnUnformattedRegionFailsAsCorrupt() {
        SimWorld blank = new SimWorld(4, 2);
        assertThatThrownBy(() -> blank.election(1).acquire()).isInstanceOfSatisfying(PaxosException.class, e -> {
            assertThat(e.reason()).isEqualTo(PaxosException.Reason.CORRUPT);
            assertThat(e.getMessage()).contains("not formatted");
        });
        assertThatThrownBy(() -> blank.election(1).readLeader()).isInstanceOf(PaxosException.class);
    }

    @Test
    void regionFormattedForOtherHostCountIsRejected() throws Exception {
        RwElection.format(world.volume, OFFSET, 3);
        assertThatThrownBy(() -> world.election(1).acquire()).isInstanceOfSatisfying(PaxosException.class, e -> {
            assertThat(e.reason()).isEqualTo(PaxosException.Reason.CORRUPT);
            assertThat(e.getMessage()).contains("formatted for 3 hosts, expected 4");
        });
    }

    @Test
    void aTornLeaderCopyFallsBackToTheOtherCopy() throws Exception {
        RwElection one = world.election(1);
        one.acquire();
        one.publishAnchor(7);
        LeaderRecord before = one.readLeader();
        // Tear the newest copy: one 512 B sector of garbage.
        int newest = (int) (before.seq() % 2);
        ByteBuffer junk = ByteBuffer.allocate(512);
        junk.putLong(0, 0xdeadbeefL).position(0);
        VolumeException.await(world.volume.write(OFFSET + newest * 4096L + 1024, junk));

        LeaderRecord after = one.readLeader();
        assertThat(after.seq()).isEqualTo(before.seq() - 1);
        assertThat(after.epoch()).isEqualTo(1);
        one.renew();
        LeaderRecord renewed = one.readLeader();
        assertThat(renewed.heartbeat()).isEqualTo(before.heartbeat() + 1);
        assertThat(renewed.journalAnchor()).isEqualTo(7);
    }

    @Test
    void bothCopiesOfABlockCorruptFailsAsCorruptNamingTheHost() throws Exception {
        ByteBuffer junk = ByteBuffer.allocate(8192);
        VolumeException.await(world.volume.write(OFFSET + DiskPaxosDescriptor.blockOffset(3), junk));
        assertThatThrownBy(() -> world.election(1).acquire()).isInstanceOfSatisfying(PaxosException.class, e -> {
            assertThat(e.reason()).isEqualTo(PaxosException.Reason.CORRUPT);
            assertThat(e.getMessage()).contains("block of host 3");
        });
    }

    @Test
    void ioErrorsSurfaceAsIoAndChangeNoHolder() throws Exception {
        FaultyVolume v = world.volume;
        v.ioErrorRate(1.0);
        assertThatThrownBy(() -> world.election(1).acquire()).isInstanceOfSatisfying(PaxosException.class,
                e -> assertThat(e.reason()).isEqualTo(PaxosException.Reason.IO));
        v.ioErrorRate(0);
        assertThat(world.election(2).readLeader().held()).isFalse();
    }

    @Test
    void rejectsBadParameters() {
        assertThatThrownBy(() -> world.election(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host id 5");
        assertThatThrownBy(() -> new RwElection(world.volume, 100, 4, 1, SimWorld.LEASE, world.clock::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset 100");
        assertThatThrownBy(() -> new RwElection(world.volume, 0, 1000, 1, SimWorld.LEASE, world.clock::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds the volume");
    }
}
