package dev.pfs.pswitch.server;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.pswitch.backend.Backends;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running switch: its backends, its agent on a thread of its own, its attach socket and its
 * metrics endpoint. {@link #close()} stops taking clients, disconnects those attached, and
 * closes the backends.
 */
public final class SwitchDaemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchDaemon.class);

    private final SwitchConfig config;
    private final Map<String, VolumeExport> exports;
    private final SwitchCounters counters;
    private final AgentRunner runner;
    private final AttachListener listener;
    private final SwitchMetrics metrics;

    private SwitchDaemon(SwitchConfig config, Map<String, VolumeExport> exports, SwitchCounters counters,
                         AgentRunner runner, AttachListener listener, SwitchMetrics metrics) {
        this.config = config;
        this.exports = exports;
        this.counters = counters;
        this.runner = runner;
        this.listener = listener;
        this.metrics = metrics;
    }

    /**
     * Opens every volume's backend and starts serving.
     *
     * @throws IOException              when a backend or the socket cannot be opened
     * @throws IllegalArgumentException for a malformed backend spec
     */
    public static SwitchDaemon start(SwitchConfig config) throws IOException {
        Map<String, VolumeExport> exports = new LinkedHashMap<>();
        try {
            for (SwitchConfig.Volume v : config.volumes()) {
                BlockVolume volume = Backends.open(v.backend());
                exports.put(v.name(), new VolumeExport(v.name(), volume, v.ownerUid()));
                LOG.info("volume {}: {} ({} bytes), owner uid {}", v.name(), v.backend(), volume.size(), v.ownerUid());
            }
        } catch (IOException | RuntimeException e) {
            exports.values().forEach(x -> x.volume().close());
            throw e;
        }
        SwitchCounters counters = new SwitchCounters();
        SwitchAgent agent = new SwitchAgent(new SystemNanoClock(), config.heartbeatTimeout().toNanos(), counters);
        AgentRunner runner = new AgentRunner(agent.idleStrategy(), t -> LOG.error("switch agent failed", t), null,
                agent);
        AgentRunner.startOnThread(runner);
        AttachListener listener;
        SwitchMetrics metrics = null;
        try {
            listener = AttachListener.start(config.socket(), exports, config.layout(), agent, counters);
            if (config.metrics() != null) {
                metrics = SwitchMetrics.start(config.metrics(), counters, agent);
            }
        } catch (IOException | RuntimeException e) {
            runner.close();
            exports.values().forEach(x -> x.volume().close());
            throw e;
        }
        LOG.info("switch listening on {} for {} (layout {}, heartbeat timeout {})", config.socket(), exports.keySet(),
                config.layout(), config.heartbeatTimeout());
        return new SwitchDaemon(config, exports, counters, runner, listener, metrics);
    }

    /** @return the socket clients attach on */
    public Path socket() {
        return config.socket();
    }

    /** @return where /metrics and /health are served, or null */
    public java.net.InetSocketAddress metricsAddress() {
        return metrics == null ? null : metrics.address();
    }

    /** @return how many clients have attached since start */
    public long attachedCount() {
        return counters.attachedCount();
    }

    /** @return how many sessions were freed since start */
    public long freedCount() {
        return counters.freedCount();
    }

    /** @return how many protocol violations disconnected a client since start */
    public long violationCount() {
        return counters.violationCount();
    }

    /** @return the names of the volumes served */
    public java.util.Set<String> volumes() {
        return exports.keySet();
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            LOG.warn("closing {}: {}", config.socket(), e.getMessage());
        }
        runner.close();
        if (metrics != null) {
            metrics.close();
        }
        exports.values().forEach(x -> x.volume().close());
        LOG.info("switch on {} stopped", config.socket());
    }
}
