package dev.pfs.nbd.handshake;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the data of INFO, GO and the META_CONTEXT options. Each parser returns null when the
 * data is not what its length fields say, which the handler answers with NBD_REP_ERR_INVALID.
 */
final class OptionData {
    /** Longest string (export name, query) the spec allows. */
    static final int MAX_STRING = 4096;

    /** INFO or GO: the export asked for and the info types requested. */
    record InfoRequest(String name, List<Integer> infos) {
    }

    /** LIST or SET_META_CONTEXT: the export and the queries. */
    record MetaContextRequest(String name, List<String> queries) {
    }

    private OptionData() {
    }

    static InfoRequest info(ByteBuf data) {
        String name = string(data);
        if (name == null || data.readableBytes() < 2) {
            return null;
        }
        int count = data.readUnsignedShort();
        if (data.readableBytes() != 2 * count) {
            return null;
        }
        List<Integer> infos = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            infos.add(data.readUnsignedShort());
        }
        return new InfoRequest(name, infos);
    }

    static MetaContextRequest metaContext(ByteBuf data) {
        String name = string(data);
        if (name == null || data.readableBytes() < 4) {
            return null;
        }
        long count = data.readUnsignedInt();
        List<String> queries = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            String query = string(data);
            if (query == null) {
                return null;
            }
            queries.add(query);
        }
        return data.isReadable() ? null : new MetaContextRequest(name, queries);
    }

    /** @return a u32-length-prefixed UTF-8 string, or null if it does not fit */
    private static String string(ByteBuf data) {
        if (data.readableBytes() < 4) {
            return null;
        }
        long length = data.readUnsignedInt();
        if (length > MAX_STRING || length > data.readableBytes()) {
            return null;
        }
        return data.readCharSequence((int) length, StandardCharsets.UTF_8).toString();
    }
}
