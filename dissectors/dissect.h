/*
 * dissect.h - what every dissector returns, and the kinds of value they find.
 */
#ifndef SW_DISSECT_H
#define SW_DISSECT_H

/* One verdict for every parser in dissectors/. */
enum dres {
	D_OK = 0,     /* parsed; results are filled in */
	D_NEED_MORE,  /* the bytes so far are a valid prefix; give more */
	D_NOT_MINE,   /* these bytes are not this protocol */
	D_MALFORMED,  /* this protocol, but broken or beyond a limit */
};

/* Kinds of observation.  The names (sw_kind_name) are the `kind` column of
 * hits and the first column of `replay --hostnames`. */
enum sw_kind {
	K_SNI = 0,   /* TLS ClientHello server_name over TCP */
	K_QUIC,      /* server_name in a QUIC Initial's ClientHello */
	K_HTTP,      /* HTTP/1.x Host header (port removed) */
	K_URI,       /* HTTP/1.x request target, exactly as on the request line */
	K_DNS,       /* DNS query name (and, later, matching CNAME targets) */
	K_ECH,       /* outer name of a ClientHello carrying encrypted_client_hello */
	K_RESOLVED,  /* flow to an address earlier resolved from a name */
	K_IP,        /* server address matched an IP rule */
	K_GQUIC,     /* SNI tag of a Google QUIC (Q0xx) cleartext CHLO */
	K_COUNT
};

static inline const char *sw_kind_name(enum sw_kind k)
{
	static const char *const names[K_COUNT] = {
		"sni", "quic", "http", "uri", "dns", "ech", "resolved", "ip",
		"gquic",
	};
	return (unsigned)k < K_COUNT ? names[k] : "?";
}

#endif
