package dev.pfs.chunkserver.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CommitPipelineTest {
    @Test
    void commitsFinishInLogOrderWhateverOrderTheirFramesComplete() {
        List<String> finished = new ArrayList<>();
        CommitPipeline<Integer> p = new CommitPipeline<>((c, t) -> finished.add(c + (t == null ? "" : "!")));
        List<CompletableFuture<Void>> durable = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            CompletableFuture<Void> d = new CompletableFuture<>();
            durable.add(d);
            p.add(i, d);
        }
        durable.get(3).complete(null);
        durable.get(1).complete(null);
        assertThat(finished).as("nothing finishes before the first frame").isEmpty();
        durable.get(0).complete(null);
        assertThat(finished).containsExactly("1", "2");
        assertThat(p.size()).isEqualTo(2);
        durable.get(2).completeExceptionally(new RuntimeException("lost"));
        assertThat(finished).containsExactly("1", "2", "3!", "4");
        assertThat(p.size()).isZero();
    }

    @Test
    void concurrentCompletionsFinishEveryCommitOnceInOrder() throws Exception {
        List<Integer> finished = Collections.synchronizedList(new ArrayList<>());
        CommitPipeline<Integer> p = new CommitPipeline<>((c, t) -> finished.add(c));
        int n = 2000;
        List<CompletableFuture<Void>> durable = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CompletableFuture<Void> d = new CompletableFuture<>();
            durable.add(d);
            p.add(i, d);
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int first = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = n - 1 - first; i >= 0; i -= 4) {
                    durable.get(i).complete(null);
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        p.awaitEmpty();
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(i);
        }
        assertThat(finished).isEqualTo(expected);
    }
}
