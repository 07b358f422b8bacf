package dev.pfs.nbd;

/** Whether clients may, or must, upgrade to TLS with NBD_OPT_STARTTLS. */
public enum TlsMode {
    /** No TLS: STARTTLS is answered NBD_REP_ERR_UNSUP. */
    OFF,
    /** TLS for clients that ask for it, plain for the rest. */
    ON,
    /** Every option but STARTTLS and ABORT is refused with NBD_REP_ERR_TLS_REQD until TLS is up. */
    REQUIRE
}
