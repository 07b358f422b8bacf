package dev.pfs.nbd.transmission;

import io.netty.channel.ChannelPipeline;

/** Puts the transmission phase's frame decoder → message decoder → handler into a pipeline. */
public final class TransmissionPipeline {
    public static final String FRAME = "nbd-request-frame";
    public static final String MESSAGE = "nbd-request-message";
    public static final String HANDLER = "nbd-transmission";

    private TransmissionPipeline() {
    }

    /** Adds the three handlers right after the handler named {@code after}. */
    public static void install(ChannelPipeline pipeline, String after, Session session, TransmissionLimits limits) {
        pipeline.addAfter(after, FRAME, new RequestFrameDecoder(session.export().volume()::size));
        pipeline.addAfter(FRAME, MESSAGE, new RequestMessageDecoder());
        pipeline.addAfter(MESSAGE, HANDLER, new TransmissionHandler(session, limits));
    }
}
