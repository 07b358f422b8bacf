package dev.pfs.chunkserver.metrics;

import dev.pfs.chunkserver.store.StoreObserver;
import dev.pfs.chunkserver.replication.Replication;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chunkserver's Prometheus metrics: requests by op and status, bytes moved, request
 * latency, WAL syncs and group-commit sizes, checkpoints, rejected frames, and the read-reply
 * memory the connections hold.
 */
public final class ChunkServerMetrics implements StoreObserver {
    private final Counter requests;
    private final Counter bytes;
    private final Histogram latency;
    private final Counter walSyncs;
    private final Histogram groupCommitRecords;
    private final Histogram walSyncSeconds;
    private final Histogram walFramesInFlight;
    private final Counter checkpoints;
    private final Counter redirectedBlocks;
    private final Counter frameErrors;
    private final Counter writeStageSeconds;
    private final Counter writeStageCount;
    private final AtomicLong replyBytes = new AtomicLong();
    private final AtomicLong replyBytesPeak = new AtomicLong();
    private final Counter walAppendSeconds;
    private static final String LOG_WRITE_NANOS = "log_write_nanos";

    /** Registers the metrics in {@code registry}. */
    public ChunkServerMetrics(PrometheusRegistry registry) {
        requests = Counter.builder().name("pfs_chunkserver_requests_total")
                .help("Data-path requests by op and status").labelNames("op", "status").register(registry);
        bytes = Counter.builder().name("pfs_chunkserver_bytes_total")
                .help("Payload bytes read and written").labelNames("op").register(registry);
        latency = Histogram.builder().name("pfs_chunkserver_request_seconds")
                .help("Request latency from decode to reply").labelNames("op")
                .classicExponentialUpperBounds(0.00002, 2, 18).register(registry);
        walSyncs = Counter.builder().name("pfs_chunkserver_wal_syncs_total")
                .help("WAL frames written and synced (one per group commit)").register(registry);
        groupCommitRecords = Histogram.builder().name("pfs_chunkserver_group_commit_records")
                .help("Changes made durable by one WAL sync")
                .classicExponentialUpperBounds(1, 2, 10).register(registry);
        walSyncSeconds = Histogram.builder().name("pfs_chunkserver_wal_sync_seconds")
                .help("Time to write and sync one WAL frame")
                .classicExponentialUpperBounds(0.00002, 2, 18).register(registry);
        walFramesInFlight = Histogram.builder().name("pfs_chunkserver_wal_frames_in_flight")
                .help("WAL frames in flight when a group commit's write was issued, itself included")
                .classicExponentialUpperBounds(1, 2, 7).register(registry);
        checkpoints = Counter.builder().name("pfs_chunkserver_checkpoints_total")
                .help("Checkpoints written (each reclaims the WAL)").register(registry);
        redirectedBlocks = Counter.builder().name("pfs_chunkserver_redirected_blocks_total")
                .help("64 KB blocks written by redirected writes: data once to fresh blocks, only a REMAP logged")
                .register(registry);
        writeStageSeconds = Counter.builder().name("pfs_chunkserver_write_stage_seconds")
                .help("Time writes spent per stage: queued (submitted until the store took it), batched (until its"
                        + " group commit's WAL write began), sync (WAL write + sync), reply (durable until the reply"
                        + " went out on the event loop)").labelNames("stage").register(registry);
        writeStageCount = Counter.builder().name("pfs_chunkserver_write_stage_writes")
                .help("Writes counted in pfs_chunkserver_write_stage_seconds, per stage").labelNames("stage")
                .register(registry);
        walAppendSeconds = Counter.builder().name("pfs_chunkserver_wal_append_seconds")
                .help("Time group commits spent appending to the WAL, per part: encode (copying records into the"
                        + " frame, CRCs), write (the durable write)").labelNames("part").register(registry);
        frameErrors = Counter.builder().name("pfs_chunkserver_frame_errors_total")
                .help("Frames rejected: malformed, oversized, or unframeable").labelNames("kind").register(registry);
        GaugeWithCallback.builder().name("pfs_chunkserver_reply_bytes_outstanding")
                .help("Read-reply buffers allocated and not yet written to a socket, all connections")
                .callback(cb -> cb.call(replyBytes.get())).register(registry);
    }

    /**
     * Exports {@code replication}'s counters (events such as leader changes, log writes and
     * refusals; the time rounds waited for their log writes) and how many groups this server
     * holds and leads.
     */
    public void replication(PrometheusRegistry registry, Replication replication) {
        CounterWithCallback.builder().name("pfs_chunkserver_replication_events_total")
                .help("Replication events on this server: leader_changes (a group's node here became leader), "
                        + "log_writes, readies, log_reclaims, refusals and checkpoint streaming")
                .labelNames("event").callback(cb -> replication.counters().forEach((k, v) -> {
                    if (!k.equals(LOG_WRITE_NANOS)) {
                        cb.call(v, k);
                    }
                })).register(registry);
        CounterWithCallback.builder().name("pfs_chunkserver_replication_log_write_seconds_total")
                .help("Time rounds waited from starting their replication-log write until it and every earlier one "
                        + "was durable").callback(cb -> cb.call(replication.counters()
                        .getOrDefault(LOG_WRITE_NANOS, 0L) / 1e9)).register(registry);
        GaugeWithCallback.builder().name("pfs_chunkserver_replication_groups")
                .help("Replication groups (chunks) this server is a member of, and how many it leads")
                .labelNames("role").callback(cb -> {
                    cb.call(replication.groups(), "member");
                    cb.call(replication.leading(), "leader");
                }).register(registry);
    }

    /** Counts read-reply buffer bytes allocated ({@code delta > 0}) or written out or dropped ({@code < 0}). */
    public void replyBytes(long delta) {
        long now = replyBytes.addAndGet(delta);
        if (delta > 0) {
            replyBytesPeak.accumulateAndGet(now, Math::max);
        }
    }

    /** @return read-reply bytes allocated and not yet written to a socket */
    public long replyBytesOutstanding() {
        return replyBytes.get();
    }

    /** @return the most read-reply bytes ever outstanding at once since start */
    public long replyBytesPeak() {
        return replyBytesPeak.get();
    }

    /** Counts one answered request. */
    public void request(String op, String status, long payloadBytes, long nanos) {
        requests.labelValues(op, status).inc();
        if (payloadBytes > 0) {
            bytes.labelValues(op).inc(payloadBytes);
        }
        latency.labelValues(op).observe(nanos / 1e9);
    }

    /** Counts a rejected frame of some {@code kind}. */
    public void frameError(String kind) {
        frameErrors.labelValues(kind).inc();
    }

    @Override
    public void walSynced(int records, int bytesWritten, long nanos) {
        walSyncs.inc();
        groupCommitRecords.observe(records);
        walSyncSeconds.observe(nanos / 1e9);
    }

    @Override
    public void walInFlight(int frames) {
        walFramesInFlight.observe(frames);
    }

    @Override
    public void walAppended(long encodeNanos, long writeNanos) {
        walAppendSeconds.labelValues("encode").inc(encodeNanos / 1e9);
        walAppendSeconds.labelValues("write").inc(writeNanos / 1e9);
    }

    @Override
    public void writeWaited(long queuedNanos, long batchedNanos, long syncNanos) {
        stage("queued", queuedNanos);
        stage("batched", batchedNanos);
        stage("sync", syncNanos);
    }

    /** Counts the time from a write's durability until its reply was written on the event loop. */
    public void replyWaited(long nanos) {
        stage("reply", nanos);
    }

    private void stage(String stage, long nanos) {
        writeStageSeconds.labelValues(stage).inc(nanos / 1e9);
        writeStageCount.labelValues(stage).inc();
    }

    @Override
    public void checkpointed(long nanos) {
        checkpoints.inc();
    }

    @Override
    public void redirected(int blocks) {
        redirectedBlocks.inc(blocks);
    }
}
