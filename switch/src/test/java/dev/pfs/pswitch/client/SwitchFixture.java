package dev.pfs.pswitch.client;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.pswitch.ring.ChannelLayout;
import dev.pfs.pswitch.server.SwitchConfig;
import dev.pfs.pswitch.server.SwitchDaemon;
import dev.pfs.nativeio.DeviceIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A switch in this JVM serving volume files in a directory, for tests. */
public final class SwitchFixture implements AutoCloseable {
    /** A small layout: 256 KB arena, 64 KB requests, so that tests split and fill it. */
    public static final ChannelLayout SMALL = new ChannelLayout(16 * 1024, 16 * 1024, 256 * 1024, 64 * 1024, 64);

    private final Path dir;
    private final List<SwitchConfig.Volume> volumes = new ArrayList<>();
    private ChannelLayout layout = SMALL;
    private Duration heartbeatTimeout = SwitchConfig.DEFAULT_HEARTBEAT_TIMEOUT;
    private SwitchDaemon daemon;
    private java.net.InetSocketAddress metrics;

    public SwitchFixture(Path dir) {
        this.dir = dir;
    }

    /** Adds a volume file of {@code size} bytes named {@code name}, owned by this process's uid. */
    public SwitchFixture volume(String name, long size) throws Exception {
        Path file = dir.resolve(name + ".img");
        if (!Files.exists(file)) {
            FileVolume.create(file, size).close();
        }
        volumes.add(new SwitchConfig.Volume(name, "file:" + file, DeviceIo.geteuid()));
        return this;
    }

    public SwitchFixture layout(ChannelLayout l) {
        this.layout = l;
        return this;
    }

    public SwitchFixture heartbeatTimeout(Duration d) {
        this.heartbeatTimeout = d;
        return this;
    }

    /** Serves /metrics and /health on a free loopback port. */
    public SwitchFixture withMetrics() {
        this.metrics = new java.net.InetSocketAddress("127.0.0.1", 0);
        return this;
    }

    public Path socket() {
        return dir.resolve("switch.sock");
    }

    public SwitchFixture start() throws Exception {
        daemon = SwitchDaemon.start(new SwitchConfig(socket(), volumes, layout, heartbeatTimeout, metrics));
        return this;
    }

    public SwitchDaemon daemon() {
        return daemon;
    }

    /** Stops the switch (as a restart's first half). */
    public void stop() {
        if (daemon != null) {
            daemon.close();
            daemon = null;
        }
    }

    public SwitchVolume connect(String volume) throws Exception {
        return SwitchVolume.connect(socket(), volume, new SwitchVolume.Options(Duration.ofSeconds(20),
                Duration.ofMillis(50)));
    }

    @Override
    public void close() {
        stop();
    }
}
