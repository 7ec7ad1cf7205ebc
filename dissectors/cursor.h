/*
 * cursor.h - the one bounds-checked way to read packet bytes.
 *
 * A cursor is a non-owning view {p, len} of bytes owned by someone else (the
 * libpcap buffer, a reassembly slot).  Every getter returns true and advances
 * only when the whole read fits; on failure the cursor is left unchanged and
 * nothing is written to the output.  Lengths are compared, never pointers.
 * Integers are assembled byte by byte: packet memory is never cast to a
 * struct (alignment faults on ARM).
 *
 * Modelled on BoringSSL's CBS.  Views obtained from a cursor live as long as
 * the bytes under it; on the packet path that is the libpcap callback.
 */
#ifndef SW_CURSOR_H
#define SW_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cur {
	const uint8_t *p;
	size_t len;
};

/* A view of n bytes at p. */
static inline struct cur cur_make(const uint8_t *p, size_t n)
{
	struct cur c = { p, n };
	if (p == NULL)
		c.len = 0;
	return c;
}

static inline size_t cur_len(const struct cur *c) { return c->len; }
static inline const uint8_t *cur_ptr(const struct cur *c) { return c->p; }
static inline bool cur_empty(const struct cur *c) { return c->len == 0; }

/* Advance past n bytes. */
static inline bool cur_skip(struct cur *c, size_t n)
{
	if (n > c->len)
		return false;
	c->p += n;
	c->len -= n;
	return true;
}

/* Narrow the view to its first n bytes (bounds only shrink). */
static inline bool cur_truncate(struct cur *c, size_t n)
{
	if (n > c->len)
		return false;
	c->len = n;
	return true;
}

static inline bool cur_peek_u8(const struct cur *c, size_t off, uint8_t *v)
{
	if (off >= c->len)
		return false;
	*v = c->p[off];
	return true;
}

static inline bool cur_peek_be16(const struct cur *c, size_t off, uint16_t *v)
{
	if (off > c->len || c->len - off < 2)
		return false;
	*v = (uint16_t)((unsigned)c->p[off] << 8 | c->p[off + 1]);
	return true;
}

static inline bool cur_get_u8(struct cur *c, uint8_t *v)
{
	if (c->len < 1)
		return false;
	*v = c->p[0];
	c->p++;
	c->len--;
	return true;
}

static inline bool cur_get_be16(struct cur *c, uint16_t *v)
{
	if (c->len < 2)
		return false;
	*v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->len -= 2;
	return true;
}

static inline bool cur_get_le16(struct cur *c, uint16_t *v)
{
	if (c->len < 2)
		return false;
	*v = (uint16_t)((unsigned)c->p[1] << 8 | c->p[0]);
	c->p += 2;
	c->len -= 2;
	return true;
}

static inline bool cur_get_be24(struct cur *c, uint32_t *v)
{
	if (c->len < 3)
		return false;
	*v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
	c->p += 3;
	c->len -= 3;
	return true;
}

static inline bool cur_get_be32(struct cur *c, uint32_t *v)
{
	if (c->len < 4)
		return false;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	     (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->len -= 4;
	return true;
}

static inline bool cur_get_le32(struct cur *c, uint32_t *v)
{
	if (c->len < 4)
		return false;
	*v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 |
	     (uint32_t)c->p[1] << 8 | c->p[0];
	c->p += 4;
	c->len -= 4;
	return true;
}

static inline bool cur_get_be64(struct cur *c, uint64_t *v)
{
	uint32_t hi, lo;
	struct cur t = *c;
	if (!cur_get_be32(&t, &hi) || !cur_get_be32(&t, &lo))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	*c = t;
	return true;
}

/* Copy n bytes out. */
static inline bool cur_copy(struct cur *c, void *out, size_t n)
{
	if (n > c->len)
		return false;
	if (n)
		memcpy(out, c->p, n);
	c->p += n;
	c->len -= n;
	return true;
}

/* A child view of the next n bytes; the parent advances past them. */
static inline bool cur_get_bytes(struct cur *c, struct cur *child, size_t n)
{
	if (n > c->len)
		return false;
	child->p = c->p;
	child->len = n;
	c->p += n;
	c->len -= n;
	return true;
}

/* Length-prefixed child views (8, 16, 24-bit big-endian prefix).  On
 * failure neither the parent nor the child changes. */
static inline bool cur_get_lp8(struct cur *c, struct cur *child)
{
	struct cur t = *c;
	uint8_t n;
	if (!cur_get_u8(&t, &n) || !cur_get_bytes(&t, child, n))
		return false;
	*c = t;
	return true;
}

static inline bool cur_get_lp16(struct cur *c, struct cur *child)
{
	struct cur t = *c;
	uint16_t n;
	if (!cur_get_be16(&t, &n) || !cur_get_bytes(&t, child, n))
		return false;
	*c = t;
	return true;
}

static inline bool cur_get_lp24(struct cur *c, struct cur *child)
{
	struct cur t = *c;
	uint32_t n;
	if (!cur_get_be24(&t, &n) || !cur_get_bytes(&t, child, n))
		return false;
	*c = t;
	return true;
}

/* QUIC variable-length integer (RFC 9000 16). */
static inline bool cur_get_varint(struct cur *c, uint64_t *v)
{
	uint8_t b0;
	if (!cur_peek_u8(c, 0, &b0))
		return false;
	size_t n = (size_t)1 << (b0 >> 6);
	if (c->len < n)
		return false;
	uint64_t x = b0 & 0x3f;
	for (size_t i = 1; i < n; i++)
		x = x << 8 | c->p[i];
	*v = x;
	c->p += n;
	c->len -= n;
	return true;
}

/* Index of the first occurrence of byte b at or after off, or -1. */
static inline long cur_find_u8(const struct cur *c, size_t off, uint8_t b)
{
	if (off >= c->len)
		return -1;
	const uint8_t *q = memchr(c->p + off, b, c->len - off);
	return q ? (long)(q - c->p) : -1;
}

/* True when the view equals the NUL-terminated ASCII string s exactly. */
static inline bool cur_eq_str(const struct cur *c, const char *s)
{
	size_t n = strlen(s);
	return c->len == n && (n == 0 || memcmp(c->p, s, n) == 0);
}

#endif
