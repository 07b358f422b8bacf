package dev.pfs.chunkserver.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * Mutual TLS for one cluster: every chunkserver, peer link and client holds a certificate
 * signed by the cluster's own CA and accepts only peers that present one. The cluster CA is
 * private to the cluster, so a valid chain is the whole identity check: there is no host
 * name to verify (servers are reached by address, often loopback), and a certificate from any
 * other CA, or none, is refused during the handshake, before any frame is read.
 *
 * <p>Files are PEM: the certificate (chain), its PKCS#8 private key, and the CA certificate.
 */
public final class ClusterTls {
    private final SslContext server;
    private final SslContext client;
    private final String description;

    private ClusterTls(SslContext server, SslContext client, String description) {
        this.server = server;
        this.client = client;
        this.description = description;
    }

    /**
     * Loads a cluster identity.
     *
     * @param cert PEM certificate (chain) of this process
     * @param key  PEM PKCS#8 private key of {@code cert}
     * @param ca   PEM certificate of the cluster CA
     * @throws IOException naming the file that is missing or unreadable, or what is wrong with it
     */
    public static ClusterTls load(Path cert, Path key, Path ca) throws IOException {
        for (Path p : new Path[] {cert, key, ca}) {
            if (!Files.isReadable(p)) {
                throw new IOException("TLS file " + p + " does not exist or cannot be read");
            }
        }
        try {
            SslContext server = SslContextBuilder.forServer(cert.toFile(), key.toFile())
                    .trustManager(ca.toFile()).clientAuth(ClientAuth.REQUIRE).protocols("TLSv1.3").build();
            // No host name check (see the class comment): the chain to the cluster CA is the identity.
            SslContext client = SslContextBuilder.forClient().keyManager(cert.toFile(), key.toFile())
                    .trustManager(ca.toFile()).endpointIdentificationAlgorithm(null).protocols("TLSv1.3").build();
            return new ClusterTls(server, client, "TLS cert=" + cert + " ca=" + ca);
        } catch (SSLException | IllegalArgumentException e) {
            throw new IOException("cannot use TLS certificate " + cert + ", key " + key + " and CA " + ca
                    + ": " + e.getMessage(), e);
        }
    }

    /** @return the first handler of an accepted connection: it requires a client certificate of the cluster CA */
    public SslHandler serverHandler(ByteBufAllocator alloc) {
        return server.newHandler(alloc);
    }

    /** @return the first handler of a connection this process dials, presenting its own certificate */
    public SslHandler clientHandler(ByteBufAllocator alloc) {
        return client.newHandler(alloc);
    }

    @Override
    public String toString() {
        return description;
    }
}
