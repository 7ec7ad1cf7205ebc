/*
 * ioc_import.c - feed importers: AssoEchap ioc.yaml / watchware.yaml,
 * STIX 2.1 bundles (MVT, Amnesty, Echap), TinyCheck iocs.json.
 *
 * All three are read with libyaml's document loader (JSON is, for these
 * files, a subset of YAML: flow mappings and sequences of double-quoted
 * strings and numbers).  Values are handed to the builder leniently: each
 * repair (defanging, IDN, URL, IP in a host field ...) or skip is reported
 * with file:line (YAML) or the object id (JSON) and never fails the load;
 * a document that does not parse, or is not the expected shape, does.
 *
 * AssoEchap ioc.yaml (one mapping per app):
 *   - name: Cocospy          family
 *     type: stalkerware      category
 *     websites: [...]        vendor sites: medium confidence
 *     distribution: [...]    APK download sites: high
 *     c2: {domains: [...], ips: [...], ip: [...]}   c2: high; IPs low
 *   ("ip" is a misspelling upstream's generator ignores; it is read here.)
 * STIX 2.1: indicator patterns [domain-name:value='x'], [url:value='x'],
 *   [ipv4-addr:value='x'], [ipv6-addr:value='x'] (several joined by OR are
 *   all read); the family is the name of the malware object an "indicates"
 *   relationship points at.  A relationship to a missing object is reported.
 * TinyCheck iocs.json: {"iocs": [{"type", "tag", "value"}]}: domain,
 *   freedns, ip4addr, ip6addr, cidr are read (tag = family and category;
 *   "tracker" and "suspect" tags get low confidence); tld, ns, sha1cert and
 *   snort entries are not network rules and are counted as skipped.
 */
#include "ioc/ioc_int.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "daemon/util.h"

/* ---- libyaml document helpers --------------------------------------------- */

static yaml_node_t *node(yaml_document_t *d, int id)
{
	return yaml_document_get_node(d, id);
}

static bool is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

/* The value of key in mapping m, or NULL. */
static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	size_t kl = strlen(key);
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(d, p->key);
		if (is_scalar(k) && k->data.scalar.length == kl &&
		    memcmp(k->data.scalar.value, key, kl) == 0)
			return node(d, p->value);
	}
	return NULL;
}

/* Scalar text of n (NUL-terminated by libyaml), or NULL. */
static const char *sval(const yaml_node_t *n, size_t *len)
{
	if (!is_scalar(n))
		return NULL;
	if (len)
		*len = n->data.scalar.length;
	return (const char *)n->data.scalar.value;
}

static bool seq_items(const yaml_node_t *n, yaml_node_item_t **b, yaml_node_item_t **e)
{
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return false;
	*b = n->data.sequence.items.start;
	*e = n->data.sequence.items.top;
	return true;
}

static int load_doc(struct ioc_b *b, const char *buf, size_t len, yaml_document_t *doc,
                    char *err, size_t errlen)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&p, doc)) {
		ioc_b_err(b, (uint32_t)p.problem_mark.line + 1, NULL, err, errlen, "%s: %s",
		          p.context ? p.context : "parse error", p.problem ? p.problem : "?");
		yaml_parser_delete(&p);
		return -1;
	}
	yaml_parser_delete(&p);
	if (!yaml_document_get_root_node(doc)) {
		yaml_document_delete(doc);
		ioc_b_err(b, 0, NULL, err, errlen, "empty document");
		return -1;
	}
	return 0;
}

/* ---- AssoEchap YAML ------------------------------------------------------- */

static int echap_field(struct ioc_b *b, yaml_document_t *d, yaml_node_t *seq,
                       const char *field, const char *fam, const char *cat, int conf,
                       char *err, size_t errlen)
{
	yaml_node_item_t *it, *end;
	if (!seq)
		return 0;
	if (!seq_items(seq, &it, &end)) {
		ioc_b_warn(b, (uint32_t)seq->start_mark.line + 1, NULL,
		           "skipped %s: not a list", field);
		return 0;
	}
	char comment[64];
	snprintf(comment, sizeof comment, "echap %s", field);
	for (; it < end; it++) {
		yaml_node_t *v = node(d, *it);
		size_t vl;
		const char *t = sval(v, &vl);
		uint32_t line = v ? (uint32_t)v->start_mark.line + 1 : 0;
		if (!t) {
			ioc_b_warn(b, line, NULL, "skipped %s entry: not a string", field);
			continue;
		}
		ioc_b_count(b, field);
		struct ioc_cand c = {
			.text = t, .textlen = vl, .family = fam, .comment = comment,
			.category = cat, .line = line, .confidence = conf, .lenient = true,
		};
		if (ioc_b_add(b, &c, err, errlen) == IOC_ADD_ERROR)
			return -1;
	}
	return 0;
}

int ioc_import_echap_yaml(struct ioc_b *b, const char *buf, size_t len, char *err, size_t errlen)
{
	yaml_document_t doc;
	if (load_doc(b, buf, len, &doc, err, errlen) != 0)
		return -1;
	int rc = 0;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	yaml_node_item_t *it, *end;
	if (!seq_items(root, &it, &end)) {
		ioc_b_err(b, 1, NULL, err, errlen, "expected a list of apps (- name: ...)");
		rc = -1;
		goto out;
	}
	for (; it < end; it++) {
		yaml_node_t *app = node(&doc, *it);
		uint32_t line = app ? (uint32_t)app->start_mark.line + 1 : 0;
		const char *name = sval(map_get(&doc, app, "name"), NULL);
		if (!name || !*name) {
			ioc_b_warn(b, line, NULL, "skipped an app without a name");
			continue;
		}
		char fam[129];
		snprintf(fam, sizeof fam, "%s", name);
		for (char *q = fam; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				*q = '?';
		const char *type = sval(map_get(&doc, app, "type"), NULL);
		char cat[33];
		snprintf(cat, sizeof cat, "%s", type ? type : "");
		yaml_node_t *c2 = map_get(&doc, app, "c2");
		if (echap_field(b, &doc, map_get(&doc, c2, "domains"), "c2.domains", fam, cat,
		                IOC_CONF_HIGH, err, errlen) ||
		    echap_field(b, &doc, map_get(&doc, c2, "ips"), "c2.ips", fam, cat, -1, err, errlen) ||
		    echap_field(b, &doc, map_get(&doc, c2, "ip"), "c2.ip", fam, cat, -1, err, errlen) ||
		    echap_field(b, &doc, map_get(&doc, app, "distribution"), "distribution", fam, cat,
		                IOC_CONF_HIGH, err, errlen) ||
		    echap_field(b, &doc, map_get(&doc, app, "websites"), "websites", fam, cat,
		                IOC_CONF_MEDIUM, err, errlen)) {
			rc = -1;
			goto out;
		}
	}
out:
	yaml_document_delete(&doc);
	return rc;
}

/* ---- STIX 2.1 ------------------------------------------------------------- */

struct idname {
	const char *id;
	const char *name;
};

struct rel {
	const char *src, *dst, *id;
};

static int cmp_idname(const void *a, const void *b)
{
	return strcmp(((const struct idname *)a)->id, ((const struct idname *)b)->id);
}

static int cmp_rel(const void *a, const void *b)
{
	return strcmp(((const struct rel *)a)->src, ((const struct rel *)b)->src);
}

/* Unescape a STIX pattern string ('...' with \' and \\) into out. */
static size_t stix_unquote(const char *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		if (p[i] == '\\' && i + 1 < n)
			i++;
		out[o++] = p[i];
	}
	out[o] = '\0';
	return o;
}

/* Hand each network comparison "<type>:value = '<v>'" of a pattern to the
 * builder, once per family; *nonnet is set when other object types appear.
 * Returns 0, or -1 on a fatal builder error. */
static int stix_pattern(struct ioc_b *b, const char *pat, size_t pl, const char *const *fams,
                        size_t nfams, const char *id, bool *nonnet, char *err, size_t errlen)
{
	static const struct { const char *type, *field; } types[] = {
		{ "domain-name", "domain-name" }, { "url", "url" },
		{ "ipv4-addr", "ipv4-addr" }, { "ipv6-addr", "ipv6-addr" }, { NULL, NULL }
	};
	size_t i = 0;
	while (i < pl) {
		/* find "<type>:value" */
		const char *colon = memchr(pat + i, ':', pl - i);
		if (!colon)
			break;
		size_t ts = (size_t)(colon - pat);
		while (ts > i && pat[ts - 1] != '[' && pat[ts - 1] != ' ' && pat[ts - 1] != '(')
			ts--;
		size_t tl = (size_t)(colon - pat) - ts;
		const char *q = memchr(colon, '\'', pl - (size_t)(colon - pat));
		if (!q)
			break;
		size_t vs = (size_t)(q - pat) + 1, ve = vs;
		while (ve < pl && pat[ve] != '\'') {
			if (pat[ve] == '\\')
				ve++;
			ve++;
		}
		if (ve > pl)
			ve = pl;
		const char *field = NULL;
		for (size_t k = 0; types[k].type; k++)
			if (strlen(types[k].type) == tl && memcmp(types[k].type, pat + ts, tl) == 0 &&
			    strncmp(colon + 1, "value", 5) == 0)
				field = types[k].field;
		if (!field) {
			*nonnet = true;
		} else {
			char v[SW_IOC_LINE_MAX];
			size_t vl = stix_unquote(pat + vs, ve - vs, v, sizeof v);
			ioc_b_count(b, field);
			char comment[64];
			snprintf(comment, sizeof comment, "stix2 %s", field);
			for (size_t f = 0; f < (nfams ? nfams : 1); f++) {
				struct ioc_cand c = {
					.text = v, .textlen = vl, .family = nfams ? fams[f] : "",
					.comment = comment, .category = "", .where = id,
					.confidence = -1, .lenient = true,
				};
				if (ioc_b_add(b, &c, err, errlen) == IOC_ADD_ERROR)
					return -1;
			}
		}
		i = ve + 1;
	}
	return 0;
}

static int import_stix(struct ioc_b *b, yaml_document_t *d, yaml_node_t *root,
                       char *err, size_t errlen)
{
	const char *type = sval(map_get(d, root, "type"), NULL);
	yaml_node_t *objs = map_get(d, root, "objects");
	yaml_node_item_t *it, *end;
	if (!type || strcmp(type, "bundle") != 0 || !seq_items(objs, &it, &end)) {
		ioc_b_err(b, 0, NULL, err, errlen,
		          "JSON that is neither a STIX 2.1 bundle (\"type\": \"bundle\", \"objects\") "
		          "nor a TinyCheck iocs.json (\"iocs\")");
		return -1;
	}
	size_t nobj = (size_t)(end - it);
	struct idname *mal = calloc(nobj ? nobj : 1, sizeof *mal);
	struct idname *ids = calloc(nobj ? nobj : 1, sizeof *ids);
	struct rel *rels = calloc(nobj ? nobj : 1, sizeof *rels);
	size_t nmal = 0, nids = 0, nrel = 0;
	int rc = 0;
	if (!mal || !ids || !rels) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	for (yaml_node_item_t *k = it; k < end; k++) {
		yaml_node_t *o = node(d, *k);
		const char *t = sval(map_get(d, o, "type"), NULL);
		const char *id = sval(map_get(d, o, "id"), NULL);
		if (!t || !id)
			continue;
		ids[nids].id = id;
		ids[nids++].name = t;
		if (!strcmp(t, "malware") || !strcmp(t, "intrusion-set") || !strcmp(t, "tool")) {
			const char *name = sval(map_get(d, o, "name"), NULL);
			mal[nmal].id = id;
			mal[nmal++].name = name && *name ? name : id;
		} else if (!strcmp(t, "relationship")) {
			const char *rt = sval(map_get(d, o, "relationship_type"), NULL);
			const char *src = sval(map_get(d, o, "source_ref"), NULL);
			const char *dst = sval(map_get(d, o, "target_ref"), NULL);
			if (rt && !strcmp(rt, "indicates") && src && dst) {
				rels[nrel].src = src;
				rels[nrel].dst = dst;
				rels[nrel++].id = id;
			}
		}
	}
	qsort(mal, nmal, sizeof *mal, cmp_idname);
	qsort(ids, nids, sizeof *ids, cmp_idname);
	qsort(rels, nrel, sizeof *rels, cmp_rel);
	/* relationships that point at missing objects: reported, not fatal */
	for (size_t r = 0; r < nrel; r++) {
		struct idname key = { .id = rels[r].dst };
		struct idname ks = { .id = rels[r].src };
		char e[160];
		if (!bsearch(&key, ids, nids, sizeof *ids, cmp_idname)) {
			sw_esc_buf(e, sizeof e, rels[r].dst, strlen(rels[r].dst));
			ioc_b_warn(b, 0, rels[r].id, "points at %s, which is not in the bundle", e);
		}
		if (!bsearch(&ks, ids, nids, sizeof *ids, cmp_idname)) {
			sw_esc_buf(e, sizeof e, rels[r].src, strlen(rels[r].src));
			ioc_b_warn(b, 0, rels[r].id, "comes from %s, which is not in the bundle", e);
		}
	}
	for (yaml_node_item_t *k = it; k < end; k++) {
		yaml_node_t *o = node(d, *k);
		const char *t = sval(map_get(d, o, "type"), NULL);
		const char *id = sval(map_get(d, o, "id"), NULL);
		if (!t || !id || strcmp(t, "indicator") != 0)
			continue;
		size_t pl;
		const char *pat = sval(map_get(d, o, "pattern"), &pl);
		if (!pat) {
			ioc_b_warn(b, 0, id, "skipped: indicator without a pattern");
			continue;
		}
		/* families: every malware this indicator indicates */
		const char *fams[16];
		size_t nf = 0;
		struct rel key = { .src = id };
		struct rel *r = bsearch(&key, rels, nrel, sizeof *rels, cmp_rel);
		if (r) {
			while (r > rels && !strcmp(r[-1].src, id))
				r--;
			for (; r < rels + nrel && !strcmp(r->src, id); r++) {
				struct idname mk = { .id = r->dst };
				struct idname *m = bsearch(&mk, mal, nmal, sizeof *mal, cmp_idname);
				if (m && nf < 16)
					fams[nf++] = m->name;
			}
		}
		bool nonnet = false;
		if (stix_pattern(b, pat, pl, fams, nf, id, &nonnet, err, errlen) != 0) {
			rc = -1;
			goto out;
		}
		if (nonnet)
			ioc_b_count(b, "non-network");
	}
out:
	free(mal);
	free(ids);
	free(rels);
	return rc;
}

/* ---- TinyCheck iocs.json -------------------------------------------------- */

static int import_tinycheck(struct ioc_b *b, yaml_document_t *d, yaml_node_t *root,
                            char *err, size_t errlen)
{
	yaml_node_item_t *it, *end;
	if (!seq_items(map_get(d, root, "iocs"), &it, &end)) {
		ioc_b_err(b, 0, NULL, err, errlen, "expected {\"iocs\": [...]}");
		return -1;
	}
	for (; it < end; it++) {
		yaml_node_t *o = node(d, *it);
		const char *type = sval(map_get(d, o, "type"), NULL);
		const char *tag = sval(map_get(d, o, "tag"), NULL);
		const char *idv = sval(map_get(d, o, "id"), NULL);
		size_t vl;
		const char *v = sval(map_get(d, o, "value"), &vl);
		char where[48];
		snprintf(where, sizeof where, "ioc id %.20s", idv ? idv : "?");
		if (!type || !v) {
			ioc_b_warn(b, 0, where, "skipped: no type or value");
			continue;
		}
		static const char *const net[] = { "domain", "freedns", "ip4addr", "ip6addr", "cidr", NULL };
		const char *field = NULL;
		for (size_t k = 0; net[k]; k++)
			if (!strcmp(type, net[k]))
				field = net[k];
		if (!field) {
			ioc_b_count(b, "non-network");
			continue;
		}
		ioc_b_count(b, field);
		char fam[65];
		snprintf(fam, sizeof fam, "%s", tag ? tag : "");
		for (char *q = fam; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				*q = '?';
		int conf = -1;
		if (tag && (!strcmp(tag, "tracker") || !strcmp(tag, "suspect")))
			conf = IOC_CONF_LOW;
		if (!strcmp(field, "freedns"))
			conf = IOC_CONF_LOW;
		char comment[48];
		snprintf(comment, sizeof comment, "tinycheck %s", field);
		struct ioc_cand c = {
			.text = v, .textlen = vl, .family = fam, .comment = comment, .category = fam,
			.where = where, .confidence = conf, .lenient = true,
		};
		if (ioc_b_add(b, &c, err, errlen) == IOC_ADD_ERROR)
			return -1;
	}
	return 0;
}

int ioc_import_json(struct ioc_b *b, enum ioc_format f, const char *buf, size_t len,
                    char *err, size_t errlen)
{
	yaml_document_t doc;
	if (load_doc(b, buf, len, &doc, err, errlen) != 0)
		return -1;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	int rc;
	if (f == IOC_FMT_TINYCHECK && map_get(&doc, root, "iocs"))
		rc = import_tinycheck(b, &doc, root, err, errlen);
	else
		rc = import_stix(b, &doc, root, err, errlen);
	yaml_document_delete(&doc);
	return rc;
}
