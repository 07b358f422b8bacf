package dev.pfs.core.paxos;

import dev.pfs.common.volume.FileVolume;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A contender process for {@link RwElectionProcessTest}: tries to acquire the volume until it
 * wins, then keeps its lease until killed. Prints one line per outcome:
 * {@code CONTENDER WON <host> <epoch>}, {@code CONTENDER HELD <host> <message>},
 * {@code CONTENDER LOST <host> <message>}.
 *
 * <p>Arguments: volume file, host id, max hosts, lease in milliseconds, region offset.
 */
public final class ContenderMain {
    private ContenderMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int host = Integer.parseInt(args[1]);
        int maxHosts = Integer.parseInt(args[2]);
        Duration lease = Duration.ofMillis(Long.parseLong(args[3]));
        long offset = Long.parseLong(args[4]);
        try (FileVolume volume = FileVolume.open(file)) {
            RwElection election = new RwElection(volume, offset, maxHosts, host, lease, System::nanoTime);
            while (true) {
                try {
                    long epoch = election.acquire();
                    say("WON " + host + " " + epoch);
                    LeaseKeeper keeper = new LeaseKeeper(election, lost -> say("LOST " + host + " " + lost.getMessage()));
                    while (keeper.isKeeping()) {
                        if (keeper.doWork() == 0) {
                            LockSupport.parkNanos(election.renewIntervalNanos() / 8);
                        }
                    }
                } catch (PaxosException e) {
                    say(e.reason() + " " + host + " " + e.getMessage());
                    if (e.reason() == PaxosException.Reason.CORRUPT) {
                        System.exit(2);
                    }
                }
            }
        }
    }

    private static void say(String line) {
        System.out.println("CONTENDER " + line);
        System.out.flush();
    }
}
