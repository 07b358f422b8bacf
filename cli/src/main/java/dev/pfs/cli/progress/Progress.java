package dev.pfs.cli.progress;

import dev.pfs.cli.CliContext;
import dev.pfs.common.config.ByteSize;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A one-line progress display on stderr, drawn only when stderr is a terminal (so scripts and
 * logs never see it) and erased when closed. Two kinds: a bar over a known number of bytes
 * (cp), and an elapsed-time ticker for one long call whose progress libpfs does not report
 * (mkfs, fsck, growfs).
 */
public final class Progress implements AutoCloseable {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR_WIDTH = 30;

    private final PrintWriter err;
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private final ScheduledExecutorService ticker;
    private long done;
    private long files;
    private long lastDraw = start - REDRAW_NANOS;
    private boolean drawn;

    private Progress(PrintWriter err, String label, long total, boolean tick) {
        this.err = err;
        this.label = label;
        this.total = total;
        if (err != null && tick) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "pfs-progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::draw, 200, 200, TimeUnit.MILLISECONDS);
        } else {
            ticker = null;
        }
    }

    /** @return a bar over {@code totalBytes}, or a silent one when stderr is not a terminal */
    public static Progress bytes(CliContext context, String label, long totalBytes) {
        return new Progress(context.errIsTerminal() ? context.err() : null, label, Math.max(totalBytes, 1), false);
    }

    /** @return an elapsed-time ticker, or a silent one when stderr is not a terminal */
    public static Progress elapsed(CliContext context, String label) {
        return new Progress(context.errIsTerminal() ? context.err() : null, label, -1, true);
    }

    /** One long call that reports no progress of its own. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        /** @return the call's result */
        T run() throws E;
    }

    /** Runs {@code work} with an elapsed-time ticker on a terminal. */
    public static <T, E extends Exception> T whileRunning(CliContext context, String label, Work<T, E> work) throws E {
        Progress ticker = elapsed(context, label);
        try {
            return work.run();
        } finally {
            ticker.close();
        }
    }

    /** Counts {@code bytes} more done. */
    public synchronized void advance(long bytes) {
        done += bytes;
        if (err != null && System.nanoTime() - lastDraw >= REDRAW_NANOS) {
            draw();
        }
    }

    /** Counts one more file done. */
    public synchronized void fileDone() {
        files++;
    }

    private synchronized void draw() {
        if (err == null) {
            return;
        }
        lastDraw = System.nanoTime();
        double seconds = (lastDraw - start) / 1e9;
        String line;
        if (total < 0) {
            line = String.format(Locale.ROOT, "%s ... %.1f s", label, seconds);
        } else {
            double fraction = Math.min(1.0, (double) done / total);
            int filled = (int) Math.round(fraction * BAR_WIDTH);
            double rate = seconds > 0 ? done / seconds : 0;
            line = String.format(Locale.ROOT, "%s [%s%s] %3d%% %s / %s, %d files, %s/s", label,
                    "#".repeat(filled), ".".repeat(BAR_WIDTH - filled), Math.round(fraction * 100),
                    ByteSize.human(done), ByteSize.human(total), files,
                    ByteSize.human((long) rate));
        }
        err.print("\r" + line + "\u001b[K");
        err.flush();
        drawn = true;
    }

    /** Stops the display and erases its line. */
    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
            try {
                ticker.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (drawn) {
                err.print("\r\u001b[K");
                err.flush();
            }
        }
    }
}
