/* SPDX-License-Identifier: MIT */
/*
 * Entry encodings: values pinned from the architecture manuals, round
 * trips for every geometry, level and permission set, and the reserved
 * encodings that decoding must reject.
 */
#include <errno.h>

#include <vmbench/pgtable.h>

#include "../test.h"

static const struct pt_geometry *geo(const char *name)
{
	const struct pt_geometry *g = pt_geometry_find(name);

	if (!g)
		TEST_FAIL("no geometry %s", name);
	return g;
}

static uint64_t enc(const char *name, unsigned level, int kind, uint64_t pa,
		    uint32_t prot, bool contig)
{
	struct pt_entry e = { .pa = pa, .prot = prot, .level = (uint8_t)level,
			      .kind = (uint8_t)kind, .contig = contig };
	uint64_t raw = 0;

	ASSERT_OK(pt_entry_encode(geo(name), &e, &raw));
	return raw;
}

#define R PT_PROT_READ
#define W PT_PROT_WRITE
#define X PT_PROT_EXEC
#define U PT_PROT_USER
#define G PT_PROT_GLOBAL
#define A PT_PROT_ACCESSED
#define D PT_PROT_DIRTY
#define LEAF PT_ENTRY_LEAF
#define TABLE PT_ENTRY_TABLE

static void test_pinned_x86(void)
{
	/* 4K user RW NX: P(0) RW(1) US(2) A(5) D(6) = 0x67, NX = bit 63. */
	ASSERT_EQ(enc("x86-64-4l", 0, LEAF, 0x1234000, R | W | U | A | D, 0),
		  0x8000000001234067ULL);
	/* 2M kernel RX global: P A PS(7) G(8) = 0x1a1; exec so no NX. */
	ASSERT_EQ(enc("x86-64-4l", 1, LEAF, 0x40000000, R | X | G | A, 0),
		  0x00000000400001a1ULL);
	/* 1G user RO NX (PDPTE with PS): P US A PS = 0xa5, NX. */
	ASSERT_EQ(enc("x86-64-5l", 2, LEAF, 0x80000000, R | U | A, 0),
		  0x80000000800000a5ULL);
	/* A PML4E to a table at 0x5000 without restriction: P RW US A. */
	ASSERT_EQ(enc("x86-64-4l", 3, TABLE, 0x5000, R | W | X | U | A, 0),
		  0x5027ULL);

	/* x86-32: 4K kernel RW: P RW A D = 0x63; no NX bit exists. */
	ASSERT_EQ(enc("x86-32", 0, LEAF, 0xabc000, R | W | X | A | D, 0),
		  0xabc063ULL);
	/* 4M PSE page, user RW: P RW US A PS = 0xa7 at 12 MiB. */
	ASSERT_EQ(enc("x86-32", 1, LEAF, 0xc00000, R | W | X | U | A, 0),
		  0xc000a7ULL);
	/* Top page, user RO global: P US G = 0x105. */
	ASSERT_EQ(enc("x86-32", 0, LEAF, 0xfffff000, R | X | U | G, 0),
		  0xfffff105ULL);

	/* PAE PDPTE: P and the address only (bits 1, 2, 5-8 reserved). */
	ASSERT_EQ(enc("x86-pae", 2, TABLE, 0x3000, R | W | X | U | A, 0),
		  0x3001ULL);
	/* PAE 2M page above 4 GiB, kernel RW NX: P RW A D PS = 0xe3. */
	ASSERT_EQ(enc("x86-pae", 1, LEAF, 0x100200000ULL, R | W | A | D, 0),
		  0x80000001002000e3ULL);
	/* PAE 4K user RX: P US A = 0x25. */
	ASSERT_EQ(enc("x86-pae", 0, LEAF, 0x7000, R | X | U | A, 0), 0x7025ULL);
}

static void test_pinned_arm64(void)
{
	/*
	 * 4K user RW NX, dirty, not global: bits 1:0 = 11 (page), AP[1] (6)
	 * for EL0, AP[2] clear (dirty), SH = 11 (9:8), AF (10), nG (11):
	 * 0xf43; DBM (51) writable, PXN (53), UXN (54): 0x0068 << 48.
	 */
	ASSERT_EQ(enc("arm64-4k-48", 0, LEAF, 0x1234000, R | W | U | A | D, 0),
		  0x0068000001234f43ULL);
	/* 2M kernel RX global block: bits 1:0 = 01, AP[2] (read-only), SH,
	 * AF = 0x781; kernel exec: UXN set, PXN clear. */
	ASSERT_EQ(enc("arm64-4k-39", 1, LEAF, 0x40000000, R | X | G | A, 0),
		  0x0040000040000781ULL);
	/* Table descriptor: bits 1:0 = 11, no APTable/XNTable. */
	ASSERT_EQ(enc("arm64-4k-48", 3, TABLE, 0x5000, R | W | X | U, 0),
		  0x5003ULL);
	/*
	 * 64K granule, 52-bit PA 0xa_0000_0001_0000: PA[47:16] in place,
	 * PA[51:48] = 0xa in bits 15:12.  User RO exec, global, clean:
	 * page 11, AP[1], AP[2], SH, AF = 0x7c3 (| 0xa000); PXN set, UXN
	 * clear.
	 */
	ASSERT_EQ(enc("arm64-64k-52", 0, LEAF, 0xa000000010000ULL,
		      R | X | U | G | A, 0),
		  0x002000000001a7c3ULL);
	/* Writable clean page: DBM set and AP[2] set; contiguous (52). */
	ASSERT_EQ(enc("arm64-16k-47", 0, LEAF, 0x8000000, R | W | A, 1),
		  0x0058000008000f83ULL | (1ULL << 53) | (1ULL << 54));
}

static void test_pinned_riscv(void)
{
	/* 4K user RW: V R W U A D = 0xd7, PPN 0x80001 at bit 10. */
	ASSERT_EQ(enc("sv39", 0, LEAF, 0x80001000, R | W | U | A | D, 0),
		  0x200004d7ULL);
	/* 2M megapage kernel RX global: V R X G A = 0x6b, PPN 0x80200. */
	ASSERT_EQ(enc("sv39", 1, LEAF, 0x80200000, R | X | G | A, 0),
		  0x2008006bULL);
	/* Pointer: V only, PPN 3. */
	ASSERT_EQ(enc("sv48", 3, TABLE, 0x3000, R | W | X | U, 0), 0xc01ULL);
	/* Execute-only page: V X, PPN 5 (legal on RISC-V only). */
	ASSERT_EQ(enc("sv48", 0, LEAF, 0x5000, X, 0), 0x1409ULL);
	/* 512G terapage of Sv48 at 512 GiB. */
	ASSERT_EQ(enc("sv48", 3, LEAF, 1ULL << 39, R | W | A | D, 0),
		  ((1ULL << 27) << 10) | 0xc7);
}

static void expect_bad(const char *name, unsigned level, uint64_t raw)
{
	struct pt_entry e;

	if (pt_entry_decode(geo(name), level, raw, &e) != -EINVAL)
		TEST_FAIL("%s level %u: %#llx decoded", name, level,
			  (unsigned long long)raw);
	ASSERT_EQ(e.kind, PT_ENTRY_NONE);
}

static void test_reserved(void)
{
	struct pt_entry e;
	uint64_t raw;

	expect_bad("x86-64-4l", 3, 0x5081);          /* PS in a PML4E */
	expect_bad("x86-64-4l", 1, 0x40002081);      /* 2M, bit 13 set */
	expect_bad("x86-64-5l", 3, 0x80000081);      /* 512G page: none */
	expect_bad("x86-pae", 2, 0x3003);            /* R/W in a PDPTE */
	expect_bad("x86-pae", 2, 0x3001 | (1ULL << 63));
	expect_bad("x86-32", 1, 0xc02081);           /* 4M, bit 13 set */
	expect_bad("arm64-4k-48", 0, 0x1234001);     /* 01 at level 3 */
	expect_bad("arm64-4k-48", 3, 0x5001);        /* block at L0 */
	expect_bad("arm64-16k-48", 2, 0x5001);       /* 64G block: none */
	expect_bad("arm64-4k-48", 1, 0x201001);      /* 2M block, addr 4K */
	expect_bad("arm64-4k-48", 2, 0x40000000ULL | (1ULL << 52) | 1);
	expect_bad("sv39", 0, 0x5 | (5 << 10));      /* W without R */
	expect_bad("sv39", 1, 0x3 | (1 << 10));      /* misaligned mega */
	expect_bad("sv39", 0, 0x1 | (5 << 10));      /* pointer at level 0 */
	expect_bad("sv39", 1, 0x41 | (5 << 10));     /* A in a pointer */
	expect_bad("sv39", 0, 0x3 | (1ULL << 60));   /* bits 63:54 */

	/* Not present is not an error. */
	ASSERT_OK(pt_entry_decode(geo("x86-64-4l"), 0, 0x1234066, &e));
	ASSERT_EQ(e.kind, PT_ENTRY_NONE);

	/* Unrepresentable leaves are refused by the strict encoder. */
	struct pt_entry bad = { .pa = 0x1000, .kind = LEAF, .prot = W };
	ASSERT_EQ(pt_entry_encode(geo("x86-64-4l"), &bad, &raw), -EINVAL);
	ASSERT_EQ(pt_entry_encode(geo("sv39"), &bad, &raw), -EINVAL);
	bad.prot = R;
	ASSERT_EQ(pt_entry_encode(geo("x86-32"), &bad, &raw), -EINVAL);
	bad.prot = R | D;
	ASSERT_EQ(pt_entry_encode(geo("arm64-4k-48"), &bad, &raw), -EINVAL);
	bad.prot = R;
	bad.pa = 0x1800;
	ASSERT_EQ(pt_entry_encode(geo("sv39"), &bad, &raw), -EINVAL);
	bad.pa = 0x1000;
	bad.level = 1;  /* 2M leaf at a 4K address */
	ASSERT_EQ(pt_entry_encode(geo("sv39"), &bad, &raw), -EINVAL);
	bad.level = 3;  /* no 512G leaf on x86-64 */
	bad.pa = 0;
	ASSERT_EQ(pt_entry_encode(geo("x86-64-4l"), &bad, &raw), -EINVAL);
	bad.level = 0;
	bad.contig = true;
	ASSERT_EQ(pt_entry_encode(geo("x86-64-4l"), &bad, &raw), -EINVAL);
	bad.contig = false;
	bad.pa = 1ULL << 48;  /* beyond the 48-bit OA of the 4K granule */
	ASSERT_EQ(pt_entry_encode(geo("arm64-4k-48"), &bad, &raw), -EINVAL);
	bad.pa = 1ULL << 32;
	ASSERT_EQ(pt_entry_encode(geo("x86-32"), &bad, &raw), -EINVAL);
}

static void round_trip(const struct pt_geometry *g, const struct pt_entry *in,
		       uint32_t want_prot)
{
	struct pt_entry out;
	uint64_t raw;
	int err = pt_entry_encode(g, in, &raw);

	if (err)
		TEST_FAIL("%s: encode level %u kind %u pa %#llx prot %#x: %d",
			  g->name, in->level, in->kind,
			  (unsigned long long)in->pa, in->prot, err);
	ASSERT_OK(pt_entry_decode(g, in->level, raw, &out));
	ASSERT_EQ(out.kind, in->kind);
	ASSERT_EQ(out.level, in->level);
	ASSERT_EQ(out.pa, in->pa);
	ASSERT_EQ(out.contig, in->contig);
	if (out.prot != want_prot)
		TEST_FAIL("%s level %u raw %#llx: prot %#x, want %#x", g->name,
			  in->level, (unsigned long long)raw, out.prot,
			  want_prot);
	if (in->kind == LEAF)
		ASSERT_EQ(out.size, pt_level_size(g, in->level));
}

static void test_round_trips(void)
{
	size_t n;
	const struct pt_geometry *gs = pt_geometries(&n);

	ASSERT_EQ(n, 12);
	for (size_t i = 0; i < n; i++) {
		const struct pt_geometry *g = &gs[i];

		ASSERT_OK(pt_geometry_check(g));
		ASSERT(pt_geometry_find(g->name) == g);
		for (unsigned l = 0; l < g->levels; l++) {
			uint64_t sz = pt_level_size(g, l);
			uint64_t pas[3] = { 0, sz, (1ULL << g->pa_bits) - sz };

			for (int k = 0; k < 3; k++) {
				struct pt_entry e = { .pa = pas[k],
						      .level = (uint8_t)l };

				if (l && (pas[k] & ((1ULL << g->page_shift) -
						    1)) == 0) {
					e.kind = TABLE;
					e.prot = R | W | X | U;
					round_trip(g, &e, R | W | X | U);
				}
				if (!(g->leaf_levels & (1u << l)))
					continue;
				e.kind = LEAF;
				for (uint32_t p = 0; p < 128; p++) {
					uint32_t f = pt_prot_fit(g, p);

					/* fit widens rights, keeps state */
					ASSERT_EQ(f & p & (R | W | X | U | G),
						  p & (R | W | X | U | G));
					ASSERT_EQ(pt_prot_fit(g, f), f);
					e.prot = f;
					e.contig = false;
					round_trip(g, &e, f);
					if (g->contig[l]) {
						e.contig = true;
						round_trip(g, &e, f);
					}
				}
			}
		}
	}
	/* Table restrictions survive where the format has them. */
	struct pt_entry t = { .pa = 0x4000, .level = 1, .kind = TABLE,
			      .prot = R | X };
	round_trip(geo("x86-64-4l"), &t, R | X);
	round_trip(geo("arm64-4k-48"), &t, R | X);
	t.prot = R | W | U;
	round_trip(geo("arm64-4k-48"), &t, R | W | U);
	round_trip(geo("x86-64-4l"), &t, R | W | U);
}

int main(void)
{
	test_pinned_x86();
	test_pinned_arm64();
	test_pinned_riscv();
	test_reserved();
	test_round_trips();
	printf("pt_entry: ok\n");
	return 0;
}
