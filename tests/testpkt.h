/*
 * testpkt.h - byte builders shared by the Check suites that feed whole
 * frames or handshakes to the pipeline (test_pipeline, test_resolve).
 */
#ifndef SW_TESTPKT_H
#define SW_TESTPKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline size_t tu_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
	return 2;
}

static inline size_t tu_put24(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 16);
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)v;
	return 3;
}

static inline size_t tu_put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
	return 4;
}

/* A DNS name in wire form, uncompressed ("a.b" -> 1 a 1 b 0).  Returns the
 * bytes written. */
static inline size_t tu_put_name(uint8_t *b, const char *name)
{
	size_t o = 0;
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		b[o++] = (uint8_t)l;
		memcpy(b + o, name, l);
		o += l;
		name += l + (dot ? 1 : 0);
	}
	b[o++] = 0;
	return o;
}

/* What tu_hello builds.  Zero-initialise, then set what the test needs. */
struct tu_hello_opts {
	const char *sni;   /* server_name; NULL: no such extension */
	size_t pad;        /* padding extension (21) of this many bytes; 0: none */
	size_t rec;        /* records of at most rec bytes; 0: one record */
	bool ech;          /* encrypted_client_hello (0xfe0d), type outer:
	                      cipher suite, config_id, enc, payload */
};

/* A TLS 1.3-style ClientHello (TLS_AES_128_GCM_SHA256 and
 * TLS_AES_256_GCM_SHA384, supported_versions 1.3) as TLS records into out
 * (room for the handshake plus 5 bytes per record).  Returns the bytes
 * written. */
static inline size_t tu_hello(uint8_t *out, const struct tu_hello_opts *ho)
{
	uint8_t hs[8192];
	size_t o = 0;
	hs[o++] = 1;                          /* ClientHello */
	o += 3;                               /* length, below */
	o += tu_put16(hs + o, 0x0303);
	memset(hs + o, 0x11, 32);             /* random */
	o += 32;
	hs[o++] = 0;                          /* session id */
	o += tu_put16(hs + o, 4);
	o += tu_put16(hs + o, 0x1301);
	o += tu_put16(hs + o, 0x1302);
	hs[o++] = 1;                          /* compression: null */
	hs[o++] = 0;
	size_t extlen_at = o;
	o += 2;
	size_t ext0 = o;
	if (ho->sni) {
		size_t sl = strlen(ho->sni);
		o += tu_put16(hs + o, 0);     /* server_name */
		o += tu_put16(hs + o, (uint16_t)(sl + 5));
		o += tu_put16(hs + o, (uint16_t)(sl + 3));
		hs[o++] = 0;
		o += tu_put16(hs + o, (uint16_t)sl);
		memcpy(hs + o, ho->sni, sl);
		o += sl;
	}
	o += tu_put16(hs + o, 43);            /* supported_versions: TLS 1.3 */
	o += tu_put16(hs + o, 3);
	hs[o++] = 2;
	o += tu_put16(hs + o, 0x0304);
	if (ho->ech) {
		o += tu_put16(hs + o, 0xfe0d);
		o += tu_put16(hs + o, 1 + 4 + 1 + 2 + 32 + 2 + 144);
		hs[o++] = 0;                  /* outer */
		o += tu_put16(hs + o, 0x0001); /* HKDF-SHA256 */
		o += tu_put16(hs + o, 0x0001); /* AES-128-GCM */
		hs[o++] = 0x5a;               /* config_id */
		o += tu_put16(hs + o, 32);
		memset(hs + o, 0x33, 32);
		o += 32;
		o += tu_put16(hs + o, 144);
		memset(hs + o, 0x44, 144);
		o += 144;
	}
	if (ho->pad) {
		o += tu_put16(hs + o, 21);    /* padding */
		o += tu_put16(hs + o, (uint16_t)ho->pad);
		memset(hs + o, 0, ho->pad);
		o += ho->pad;
	}
	tu_put16(hs + extlen_at, (uint16_t)(o - ext0));
	tu_put24(hs + 1, (uint32_t)(o - 4));

	size_t rec = ho->rec ? ho->rec : 16384;
	size_t w = 0;
	for (size_t i = 0; i < o;) {
		size_t k = o - i < rec ? o - i : rec;
		out[w++] = 22;
		w += tu_put16(out + w, 0x0301);
		w += tu_put16(out + w, (uint16_t)k);
		memcpy(out + w, hs + i, k);
		w += k;
		i += k;
	}
	return w;
}

#endif
