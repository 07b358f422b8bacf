package dev.pfs.chunkserver.tls;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a process's cluster TLS identity lives: its certificate, its private key and the cluster
 * CA, all PEM. Given all three or none.
 *
 * @param cert the certificate (chain)
 * @param key  its PKCS#8 private key
 * @param ca   the cluster CA's certificate
 */
public record TlsFiles(Path cert, Path key, Path ca) {
    /** @throws IllegalArgumentException naming the missing option when only some are given */
    public TlsFiles {
        if (cert == null || key == null || ca == null) {
            throw new IllegalArgumentException("--tls-cert, --tls-key and --tls-ca go together: give all three or none");
        }
    }

    /**
     * @return the files from three options, or null when none is given
     * @throws IllegalArgumentException when only some are given
     */
    public static TlsFiles ofOptions(Path cert, Path key, Path ca) {
        return cert == null && key == null && ca == null ? null : new TlsFiles(cert, key, ca);
    }

    /** @return the loaded identity; see {@link ClusterTls#load} */
    public ClusterTls load() throws IOException {
        return ClusterTls.load(cert, key, ca);
    }
}
