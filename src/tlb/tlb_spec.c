/* SPDX-License-Identifier: MIT */
/*
 * The TLB shape: presets, the text-spec parser and the checker (grammar and
 * preset sizes in tlb.h).  The parser reads the spec once, item by item,
 * never past its NUL, and reports the first error with the item's number,
 * its text and the field at fault.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tlb_internal.h"

struct preset {
	const char *name;
	const char *spec;
};

/* Sizes and their sources are documented in tlb.h. */
static const struct preset presets[] = {
	{ "skylake",
	  "pages:4k/2m/1g,"
	  "l1d.4k:64x4:lru,l1d.2m:32x4:lru,l1d.1g:4x4:lru,"
	  "l2.4k+2m:1536x12:lru,l2.1g:16x4:lru,"
	  "psc.pml4e:2x2:lru,psc.pdpte:4x4:lru,psc.pde:32x4:lru" },
	{ "zen4",
	  "pages:4k/2m/1g,l1d.all:72x72:lru,l2.4k+2m:3072x12:lru" },
	{ "neoverse-n1",
	  "pages:4k/2m/1g,l1d.4k+2m:48x48:lru,l2.all:1280x5:lru" },
	{ "none", "pages:4k/2m/1g" },
};

#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

static const char *const preset_names[] = {
	"skylake", "zen4", "neoverse-n1", "none", NULL,
};

_Static_assert(sizeof(preset_names) / sizeof(preset_names[0]) ==
	       NPRESETS + 1, "preset_names matches presets");

const char *const *tlb_presets(void)
{
	return preset_names;
}

/* The checker's and the parser's failures: -EINVAL, the reason in @r. */
#define say(r, ...) reason_fail(r, -EINVAL, 0, __VA_ARGS__)

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* The policy's own limits on @ways; 0 or -EINVAL with the reason in @why. */
static int check_policy(enum tlb_policy pol, uint32_t ways, char *why,
			size_t n)
{
	const struct tlb_policy_ops *ops = tlb_policies[pol];

	return ops->check ? ops->check(ways, why, n) : 0;
}

/* Check one array shape; @what names it in the message. */
static int check_shape(uint32_t entries, uint32_t ways, enum tlb_policy pol,
		       const char *what, struct reason *r)
{
	char why[96];

	if (tlb_policy_name(pol)[0] == '?')
		return say(r, "%s: unknown policy %d", what, (int)pol);
	if (entries == 0 || entries > TLB_MAX_ENTRIES) {
		return say(r, "%s: entries %u not in 1..%u", what, entries,
		    (unsigned)TLB_MAX_ENTRIES);
	}
	if (ways == 0 || ways > TLB_MAX_WAYS) {
		return say(r, "%s: ways %u not in 1..%u", what, ways,
		    (unsigned)TLB_MAX_WAYS);
	}
	if (entries % ways) {
		return say(r, "%s: entries %u not a multiple of ways %u", what,
		    entries, ways);
	}
	if (!is_pow2(entries / ways)) {
		return say(r, "%s: sets %u (entries / ways) not a power of two",
		    what, entries / ways);
	}
	if (check_policy(pol, ways, why, sizeof(why)))
		return say(r, "%s: %s", what, why);
	return 0;
}

static int check_level(const struct tlb_config *cfg,
		       const struct tlb_struct_config *sc, unsigned n,
		       const char *lvname, struct reason *r)
{
	uint32_t seen = 0, all = (1u << cfg->npage_sizes) - 1;
	char what[32];

	if (n > TLB_MAX_STRUCTS) {
		return say(r, "%s: %u structures, at most %u", lvname, n,
		    (unsigned)TLB_MAX_STRUCTS);
	}
	for (unsigned s = 0; s < n; s++) {
		int err;

		snprintf(what, sizeof(what), "%s structure %u", lvname, s);
		err = check_shape(sc[s].entries, sc[s].ways, sc[s].policy,
				  what, r);
		if (err)
			return err;
		if (!sc[s].size_mask || sc[s].size_mask & ~all) {
			return say(r, "%s: page-size mask %#x not within the "
			    "%u configured sizes", what, sc[s].size_mask,
			    cfg->npage_sizes);
		}
		if (sc[s].size_mask & seen) {
			return say(r, "%s: a page size is already held by "
			    "another %s structure", what, lvname);
		}
		seen |= sc[s].size_mask;
	}
	return 0;
}

int tlb_config_check(const struct tlb_config *cfg, struct reason *r)
{
	int err;

	if (cfg->npage_sizes == 0 || cfg->npage_sizes > TLB_MAX_PAGE_SIZES) {
		return say(r, "pages: %u page sizes, need 1..%u",
		    cfg->npage_sizes, (unsigned)TLB_MAX_PAGE_SIZES);
	}
	for (unsigned i = 0; i < cfg->npage_sizes; i++) {
		unsigned s = cfg->page_shift[i];

		if (s < TLB_MIN_PAGE_SHIFT || s > TLB_MAX_PAGE_SHIFT) {
			return say(r, "pages: size 2^%u not in 2^%u..2^%u", s,
			    TLB_MIN_PAGE_SHIFT, TLB_MAX_PAGE_SHIFT);
		}
		if (i && s <= cfg->page_shift[i - 1]) {
			return say(r, "pages: sizes must increase strictly");
		}
	}
	err = check_level(cfg, cfg->l1, cfg->nl1, "l1d", r);
	if (!err)
		err = check_level(cfg, cfg->l2, cfg->nl2, "l2", r);
	if (err)
		return err;
	if (cfg->npsc > TLB_MAX_PSC) {
		return say(r, "psc: %u levels, at most %u", cfg->npsc,
		    (unsigned)TLB_MAX_PSC);
	}
	for (unsigned p = 0; p < cfg->npsc; p++) {
		const struct tlb_psc_config *pc = &cfg->psc[p];
		char what[32];

		snprintf(what, sizeof(what), "psc level %u", p);
		err = check_shape(pc->entries, pc->ways, pc->policy, what,
				  r);
		if (err)
			return err;
		if (pc->shift < TLB_MIN_PAGE_SHIFT || pc->shift > 63) {
			return say(r, "%s: shift %u not in %u..63", what,
			    pc->shift, TLB_MIN_PAGE_SHIFT);
		}
		if (p && pc->shift >= cfg->psc[p - 1].shift) {
			return say(r, "%s: shifts must decrease (shallow to "
			    "deep) and differ", what);
		}
	}
	if (cfg->flush_ceiling == 0) {
		return say(r, "ceiling: must be at least 1");
	}
	return 0;
}

/* ---- the parser ---- */

/* A token: [s, s + n), not NUL-terminated. */
struct tok {
	const char *s;
	size_t n;
};

static bool tok_is(struct tok t, const char *word)
{
	return strlen(word) == t.n && strncmp(t.s, word, t.n) == 0;
}

/* Split @t at the first @c: head in *a, rest in *b; false if no @c. */
static bool tok_split(struct tok t, char c, struct tok *a, struct tok *b)
{
	const char *p = memchr(t.s, c, t.n);

	if (!p)
		return false;
	a->s = t.s;
	a->n = (size_t)(p - t.s);
	b->s = p + 1;
	b->n = t.n - a->n - 1;
	return true;
}

/* Decimal digits only, value <= @max. */
static bool parse_u64(struct tok t, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (t.n == 0)
		return false;
	for (size_t i = 0; i < t.n; i++) {
		unsigned d = (unsigned char)t.s[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* "4k", "2m", "1g", "4t": a power of two; its shift into *shift. */
static bool parse_size(struct tok t, unsigned *shift)
{
	unsigned unit;
	uint64_t v;

	if (t.n < 2)
		return false;
	switch (t.s[t.n - 1]) {
	case 'k': case 'K': unit = 10; break;
	case 'm': case 'M': unit = 20; break;
	case 'g': case 'G': unit = 30; break;
	case 't': case 'T': unit = 40; break;
	default: return false;
	}
	t.n--;
	if (!parse_u64(t, 1u << 20, &v) || !is_pow2(v))
		return false;
	*shift = unit + (unsigned)__builtin_ctzll(v);
	return true;
}

struct pctx {
	unsigned item;            /* 1-based */
	struct tok text;
	struct reason *r;
};

#define perr(c, ...) perr_(c, __VA_ARGS__)

static int perr_(const struct pctx *c, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return say(c->r, "item %u '%.*s': %s", c->item,
		   (int)(c->text.n > 60 ? 60 : c->text.n), c->text.s, why);
}

static int parse_pages(const struct pctx *c, struct tok v,
		       struct tlb_config *cfg)
{
	struct tok a, rest = v;
	unsigned n = 0;

	for (;;) {
		bool more = tok_split(rest, '/', &a, &rest);
		unsigned shift;

		if (!more)
			a = rest;
		if (n == TLB_MAX_PAGE_SIZES)
			return perr(c, "more than %u page sizes",
				    (unsigned)TLB_MAX_PAGE_SIZES);
		if (!parse_size(a, &shift))
			return perr(c, "page size '%.*s' is not digits "
				    "followed by k, m, g or t, a power of two",
				    (int)(a.n > 20 ? 20 : a.n), a.s);
		if (shift < TLB_MIN_PAGE_SHIFT || shift > TLB_MAX_PAGE_SHIFT)
			return perr(c, "page size 2^%u not in 2^%u..2^%u",
				    shift, TLB_MIN_PAGE_SHIFT,
				    TLB_MAX_PAGE_SHIFT);
		if (n && shift <= cfg->page_shift[n - 1])
			return perr(c, "page sizes must increase strictly");
		cfg->page_shift[n++] = shift;
		if (!more)
			break;
	}
	cfg->npage_sizes = n;
	return 0;
}

/* "ENTRIESxWAYS:POLICY" */
static int parse_shape(const struct pctx *c, struct tok v, uint32_t *entries,
		       uint32_t *ways, enum tlb_policy *pol)
{
	struct tok shape, pname, e, w;
	uint64_t ne, nw;
	char why[96];
	int k;

	if (!tok_split(v, ':', &shape, &pname))
		return perr(c, "missing ':POLICY' after ENTRIESxWAYS");
	if (!tok_split(shape, 'x', &e, &w))
		return perr(c, "shape '%.*s' is not ENTRIESxWAYS",
			    (int)(shape.n > 20 ? 20 : shape.n), shape.s);
	if (!parse_u64(e, TLB_MAX_ENTRIES, &ne) || ne == 0)
		return perr(c, "entries '%.*s' not a number in 1..%u",
			    (int)(e.n > 20 ? 20 : e.n), e.s,
			    (unsigned)TLB_MAX_ENTRIES);
	if (!parse_u64(w, TLB_MAX_WAYS, &nw) || nw == 0)
		return perr(c, "ways '%.*s' not a number in 1..%u",
			    (int)(w.n > 20 ? 20 : w.n), w.s,
			    (unsigned)TLB_MAX_WAYS);
	k = tlb_policy_find(pname.s, pname.n);
	if (k < 0)
		return perr(c, "policy '%.*s' is not one of %s",
			    (int)(pname.n > 20 ? 20 : pname.n), pname.s,
			    tlb_policy_list(why, sizeof(why), ", "));
	*pol = (enum tlb_policy)k;
	*entries = (uint32_t)ne;
	*ways = (uint32_t)nw;
	if (ne % nw)
		return perr(c, "entries %u not a multiple of ways %u",
			    (unsigned)ne, (unsigned)nw);
	if (!is_pow2(ne / nw))
		return perr(c, "sets %u (entries / ways) not a power of two",
			    (unsigned)(ne / nw));
	if (check_policy(*pol, *ways, why, sizeof(why)))
		return perr(c, "%s", why);
	return 0;
}

/* "all" or SIZE[+SIZE...], each a configured page size. */
static int parse_size_mask(const struct pctx *c, struct tok v,
			   const struct tlb_config *cfg, uint32_t *mask)
{
	struct tok a, rest = v;

	*mask = 0;
	if (tok_is(v, "all")) {
		*mask = (1u << cfg->npage_sizes) - 1;
		return 0;
	}
	for (;;) {
		bool more = tok_split(rest, '+', &a, &rest);
		unsigned shift, i;

		if (!more)
			a = rest;
		if (!parse_size(a, &shift))
			return perr(c, "page-size suffix '%.*s' is not 'all' "
				    "or sizes like 4k+2m",
				    (int)(a.n > 20 ? 20 : a.n), a.s);
		for (i = 0; i < cfg->npage_sizes; i++)
			if (cfg->page_shift[i] == shift)
				break;
		if (i == cfg->npage_sizes)
			return perr(c, "page size '%.*s' is not one of the "
				    "configured sizes (see pages:)",
				    (int)a.n, a.s);
		if (*mask & 1u << i)
			return perr(c, "page size '%.*s' listed twice",
				    (int)a.n, a.s);
		*mask |= 1u << i;
		if (!more)
			break;
	}
	return 0;
}

static int parse_psc_name(const struct pctx *c, struct tok n, unsigned *shift)
{
	static const struct { const char *name; unsigned shift; } names[] = {
		{ "pml5e", 48 }, { "pml4e", 39 },
		{ "pdpte", 30 }, { "pde", 21 },
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (tok_is(n, names[i].name)) {
			*shift = names[i].shift;
			return 0;
		}
	}
	if (n.n >= 2 && n.s[0] == 's') {
		struct tok d = { n.s + 1, n.n - 1 };

		if (parse_u64(d, 63, &v) && v >= TLB_MIN_PAGE_SHIFT) {
			*shift = (unsigned)v;
			return 0;
		}
		return perr(c, "psc shift '%.*s' not a number in %u..63",
			    (int)(d.n > 20 ? 20 : d.n), d.s,
			    TLB_MIN_PAGE_SHIFT);
	}
	return perr(c, "psc level '%.*s' is not pml5e, pml4e, pdpte, pde or "
		    "sN", (int)(n.n > 20 ? 20 : n.n), n.s);
}

static int parse_struct(const struct pctx *c, struct tok suffix,
			bool has_suffix, struct tok v, bool l1,
			struct tlb_config *cfg)
{
	struct tlb_struct_config *sc = l1 ? cfg->l1 : cfg->l2;
	unsigned *n = l1 ? &cfg->nl1 : &cfg->nl2;
	uint32_t seen = 0, mask;
	int err;

	if (*n == TLB_MAX_STRUCTS)
		return perr(c, "more than %u %s structures",
			    (unsigned)TLB_MAX_STRUCTS, l1 ? "l1d" : "l2");
	if (has_suffix) {
		err = parse_size_mask(c, suffix, cfg, &mask);
		if (err)
			return err;
	} else {
		mask = l1 ? 1u : (1u << cfg->npage_sizes) - 1;
	}
	for (unsigned s = 0; s < *n; s++)
		seen |= sc[s].size_mask;
	if (mask & seen)
		return perr(c, "a page size here is already held by another "
			    "%s structure", l1 ? "l1d" : "l2");
	err = parse_shape(c, v, &sc[*n].entries, &sc[*n].ways,
			  &sc[*n].policy);
	if (err)
		return err;
	sc[*n].size_mask = mask;
	(*n)++;
	return 0;
}

static int parse_psc(const struct pctx *c, struct tok name, struct tok v,
		     struct tlb_config *cfg)
{
	struct tlb_psc_config pc;
	unsigned p;
	int err;

	if (cfg->npsc == TLB_MAX_PSC)
		return perr(c, "more than %u psc levels",
			    (unsigned)TLB_MAX_PSC);
	err = parse_psc_name(c, name, &pc.shift);
	if (!err)
		err = parse_shape(c, v, &pc.entries, &pc.ways, &pc.policy);
	if (err)
		return err;
	/* Keep the levels sorted shallow to deep (decreasing shift). */
	for (p = 0; p < cfg->npsc; p++) {
		if (cfg->psc[p].shift == pc.shift)
			return perr(c, "psc level with shift %u given twice",
				    pc.shift);
		if (cfg->psc[p].shift < pc.shift)
			break;
	}
	memmove(&cfg->psc[p + 1], &cfg->psc[p],
		(cfg->npsc - p) * sizeof(cfg->psc[0]));
	cfg->psc[p] = pc;
	cfg->npsc++;
	return 0;
}

static int parse_item(const struct pctx *c, bool pages_pass,
		      struct tlb_config *cfg)
{
	struct tok key, v, base, suffix = { NULL, 0 };
	bool has_suffix;
	uint64_t num;

	if (c->text.n == 0)
		return perr(c, "empty item");
	if (!tok_split(c->text, ':', &key, &v))
		return perr(c, "no ':' (expected LEVEL:ENTRIESxWAYS:POLICY, "
			    "pages:..., ceiling:N or seed:N)");
	if (tok_is(key, "pages"))
		return pages_pass ? parse_pages(c, v, cfg) : 0;
	if (pages_pass)
		return 0;
	if (tok_is(key, "ceiling")) {
		if (!parse_u64(v, UINT64_MAX, &num) || num == 0)
			return perr(c, "ceiling '%.*s' not a number >= 1",
				    (int)(v.n > 24 ? 24 : v.n), v.s);
		cfg->flush_ceiling = num;
		return 0;
	}
	if (tok_is(key, "seed")) {
		if (!parse_u64(v, UINT64_MAX, &num))
			return perr(c, "seed '%.*s' not a number",
				    (int)(v.n > 24 ? 24 : v.n), v.s);
		cfg->seed = num;
		return 0;
	}
	has_suffix = tok_split(key, '.', &base, &suffix);
	if (!has_suffix)
		base = key;
	if (tok_is(base, "l1d") || tok_is(base, "l2")) {
		if (has_suffix && suffix.n == 0)
			return perr(c, "empty page-size suffix after '.'");
		return parse_struct(c, suffix, has_suffix, v,
				    tok_is(base, "l1d"), cfg);
	}
	if (tok_is(base, "psc")) {
		if (!has_suffix)
			return perr(c, "psc needs a level: psc.pde, psc.pdpte, "
				    "psc.pml4e, psc.pml5e or psc.sN");
		return parse_psc(c, suffix, v, cfg);
	}
	return perr(c, "unknown level '%.*s' (expected l1d, l2, psc, pages, "
		    "ceiling or seed)", (int)(base.n > 20 ? 20 : base.n),
		    base.s);
}

static int parse_spec(const char *spec, struct tlb_config *cfg,
		      struct reason *r)
{
	/* Pass 0 reads pages: wherever it is, pass 1 the rest against it. */
	for (int pass = 0; pass < 2; pass++) {
		struct pctx c = { .item = 0, .r = r };
		const char *p = spec;
		unsigned npages = 0;

		for (;;) {
			const char *e = strchr(p, ',');
			int err;

			c.item++;
			c.text.s = p;
			c.text.n = e ? (size_t)(e - p) : strlen(p);
			if (pass == 0 && c.text.n > 6 &&
			    strncmp(c.text.s, "pages:", 6) == 0 && ++npages > 1)
				return perr(&c, "pages: given twice");
			err = parse_item(&c, pass == 0, cfg);
			if (err)
				return err;
			if (!e)
				break;
			p = e + 1;
		}
	}
	return 0;
}

int tlb_config_parse(const char *spec, struct tlb_config *cfg,
		     struct reason *r)
{
	int err;

	reason_clear(r);
	if (!spec)
		return say(r, "no spec");
	memset(cfg, 0, sizeof(*cfg));
	/* x86-64's 4K/2M/1G, as many as the build allows. */
	for (unsigned i = 0; i < 3 && i < TLB_MAX_PAGE_SIZES; i++) {
		cfg->page_shift[i] = 12 + 9 * i;
		cfg->npage_sizes = i + 1;
	}
	cfg->flush_ceiling = TLB_DEFAULT_FLUSH_CEILING;
	cfg->seed = 1;
	for (size_t i = 0; i < NPRESETS; i++)
		if (strcmp(spec, presets[i].name) == 0)
			spec = presets[i].spec;
	if (spec[0] == '\0')
		return say(r, "empty spec (give a preset: skylake, zen4, "
			   "neoverse-n1, none; or items like l1d:64x4:lru)");
	err = parse_spec(spec, cfg, r);
	if (!err)
		err = tlb_config_check(cfg, r);
	return err;
}

int tlb_create_spec(struct tlb **out, const char *spec, struct reason *r)
{
	struct tlb_config cfg;
	int err = tlb_config_parse(spec, &cfg, r);

	return err ? err : tlb_create(out, &cfg);
}
