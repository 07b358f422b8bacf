package dev.pfs.chunkserver.store;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The group commits whose WAL frames are in flight, in log order. Frames may become durable in
 * any order (several writes are outstanding at once), but a commit is finished, acknowledged or
 * refused, only once every commit before it is: the thread whose completion makes the oldest
 * commits ready finishes them, in order, one thread at a time, outside the lock. So no change is
 * ever acknowledged past a frame that did not make it, which is where recovery stops.
 *
 * <p>The store's agent adds commits and waits for room; completions come from the log volume's
 * I/O threads (or the agent itself, for a frame it wrote inline).
 *
 * @param <C> what one commit carries
 */
final class CommitPipeline<C> {
    private static final class Entry<C> {
        final C commit;
        boolean done;
        Throwable error;

        Entry(C commit) {
            this.commit = commit;
        }
    }

    /** Finishes one commit: {@code error} is why its frame failed, or null once it is durable. */
    private final BiConsumer<C, Throwable> finisher;
    private final ArrayDeque<Entry<C>> entries = new ArrayDeque<>();
    private boolean finishing;

    CommitPipeline(BiConsumer<C, Throwable> finisher) {
        this.finisher = finisher;
    }

    /** Adds the next commit; it finishes once {@code durable} completes and every earlier one finished. */
    void add(C commit, CompletableFuture<Void> durable) {
        Entry<C> e = new Entry<>(commit);
        synchronized (this) {
            entries.add(e);
        }
        durable.whenComplete((v, t) -> completed(e, t));
    }

    private void completed(Entry<C> e, Throwable t) {
        synchronized (this) {
            e.done = true;
            e.error = t;
            if (finishing) {
                // The thread finishing the head sees this entry when it gets here.
                return;
            }
            finishing = true;
        }
        Throwable escaped = null;
        while (true) {
            Entry<C> head;
            synchronized (this) {
                head = entries.peek();
                if (head == null || !head.done) {
                    finishing = false;
                    notifyAll();
                    break;
                }
            }
            try {
                finisher.accept(head.commit, head.error);
            } catch (RuntimeException | Error x) {
                // The finisher answers for its own failures; whatever escapes it must not leave
                // the later commits unfinished: they are finished first, then it is rethrown.
                escaped = escaped == null ? x : escaped;
            }
            synchronized (this) {
                entries.poll();
                notifyAll();
            }
        }
        if (escaped instanceof Error err) {
            throw err;
        }
        if (escaped != null) {
            throw (RuntimeException) escaped;
        }
    }

    /** @return commits not yet finished */
    synchronized int size() {
        return entries.size();
    }

    /** Waits until fewer than {@code limit} (at least 1) commits are unfinished. */
    synchronized void awaitBelow(int limit) throws InterruptedException {
        while (entries.size() >= limit) {
            wait();
        }
    }

    /** Waits until every commit added so far is finished. */
    void awaitEmpty() {
        boolean interrupted = false;
        synchronized (this) {
            while (!entries.isEmpty() || finishing) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
