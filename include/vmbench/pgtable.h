/* SPDX-License-Identifier: MIT */
/*
 * pgtable — radix page tables of several architectures over a simulated
 * physical memory, with a walker that reads entries the way hardware does.
 *
 * Conventions in this file
 * ------------------------
 * Levels count up from the last level: level 0 holds base-page entries
 * (x86 PT, arm64 L3, RISC-V level 0), level g->levels - 1 is the root.
 * "Level L" maps pt_level_size(g, L) bytes per entry; its index is
 * (va >> pt_level_shift(g, L)) & ((1 << g->bits[L]) - 1).  Addresses and
 * sizes are bytes in uint64_t.  Functions that can fail return 0 or a
 * negative errno and leave the table unchanged on failure.
 *
 * Geometries (pt_geometries(), selected by name with pt_geometry_find())
 * -----------------------------------------------------------------------
 *  name          VA  page entry bits (root..L0)  leaves            contig
 *  x86-64-4l     48  4K   8   9/9/9/9            4K 2M 1G          -
 *  x86-64-5l     57  4K   8   9/9/9/9/9          4K 2M 1G          -
 *  x86-32        32  4K   4   10/10              4K 4M (PSE)       -
 *  x86-pae       32  4K   8   2/9/9              4K 2M             -
 *  arm64-4k-39   39  4K   8   9/9/9              4K 2M 1G          16 x4K 16 x2M
 *  arm64-4k-48   48  4K   8   9/9/9/9            4K 2M 1G          16 x4K 16 x2M
 *  arm64-16k-47  47  16K  8   11/11/11           16K 32M           128 x16K 32 x32M
 *  arm64-16k-48  48  16K  8   1/11/11/11         16K 32M           128 x16K 32 x32M
 *  arm64-64k-42  42  64K  8   13/13              64K 512M          32 x64K 32 x512M
 *  arm64-64k-52  52  64K  8   10/13/13           64K 512M          32 x64K 32 x512M
 *  sv39          39  4K   8   9/9/9              4K 2M 1G          -
 *  sv48          48  4K   8   9/9/9/9            4K 2M 1G 512G     -
 * The root of a narrower top level is smaller than a frame: x86-pae's PDPT
 * is 4 entries (32 bytes), arm64-16k-48's L0 2 entries (16 bytes),
 * arm64-64k-52's L1 1024 entries (8 KiB; VA[51:42]).  Every table, the
 * root included, takes one frame of the simulated memory (frame size =
 * page size); pt_stats.bytes counts the table's own size, pt_stats.frames
 * the frames.  arm64 blocks at the 4K-granule L0 (512G) and the 16K/64K L1
 * (64G/4T) need FEAT_LPA2/LPA and are not modelled.  Contiguous runs are
 * supported for pages (level 0) and for level-1 blocks (Linux's "cont
 * PMD"); not for 1G blocks.  RISC-V Svnapot (64K NAPOT) is not modelled.
 *
 * VA ranges: x86-64 and RISC-V require canonical addresses (bits 63..va_bits-1
 * equal).  arm64 accepts bits 63..va_bits all zero (TTBR0) or all one
 * (TTBR1); one struct pt models ONE of the two tables, so 0x0000_xxxx and
 * 0xffff_xxxx with the same low va_bits alias the same entries.
 * x86-32 and PAE require va < 2^32.
 *
 * Entry layouts (bits of the raw entry; "addr" is the output address)
 * -------------------------------------------------------------------
 * x86 (x86-64, PAE: 64-bit; x86-32: 32-bit):
 *   0 P  1 R/W  2 U/S  3 PWT  4 PCD  5 A  6 D (leaf)  7 PS (levels >= 1;
 *   PAT at level 0)  8 G (leaf)  12.. addr (leaf of 2M/1G/4M: bit 12 is
 *   PAT, bits 13..shift-1 reserved)  addr up to PT_X86_MAXPHYADDR-1
 *   (x86-32: 31)  63 NX (not on x86-32, so every page there is executable).
 *   PS in a PML4E/PML5E is reserved.  PAE PDPTE: P and addr only; bits
 *   1, 2, 5-8 and 63 reserved.  Tables we create are P|RW|US|A (no
 *   restriction); the walk ANDs R/W and U/S and ORs NX over all levels.
 * arm64 (VMSAv8-64 stage 1, 48-bit OA; 64K granule: 52-bit OA with
 *   PA[51:48] in bits 15:12 (FEAT_LPA)):
 *   0 valid  1 table (levels >= 1) / page (level 0); 0 at level >= 1 is a
 *   block  4:2 AttrIndx  9:8 SH  6 AP[1] (EL0 access)  7 AP[2] (read-only)
 *   10 AF  11 nG  47:granule addr  49:48 RES0 (treated as reserved)
 *   51 DBM  52 Contiguous  53 PXN  54 UXN.  Table descriptors: 59 PXNTable
 *   60 UXNTable  61 APTable[0] (no EL0)  62 APTable[1] (no write).
 *   Leaves carry PT_ARM64_LEAF_ATTR in AttrIndx/SH (default: inner
 *   shareable, AttrIndx 0).  Neutral mapping: USER = AP[1]; EXEC means
 *   executable at the mapping's own level (user: UXN clear, PXN set;
 *   kernel: PXN clear, UXN set); GLOBAL = !nG; ACCESSED = AF.  Writable
 *   pages use hardware dirty state (FEAT_HAFDBS): DBM=1 marks writable,
 *   AP[2]=1 clean, AP[2]=0 dirty.  Decoding: WRITE = !AP[2] || DBM,
 *   DIRTY = !AP[2].  A read-only dirty page cannot be encoded.
 * RISC-V Sv39/Sv48: 0 V  1 R  2 W  3 X  4 U  5 G  6 A  7 D  9:8 RSW
 *   53:10 PPN (56-bit PA)  63:54 reserved.  R|W|X all clear is a pointer
 *   to the next table; W without R is reserved; a superpage whose PPN is
 *   not aligned to its size is reserved (misaligned superpage); U/A/D in
 *   a pointer are reserved.
 *
 * The walk
 * --------
 * pt_walk() starts at the root, pt_walk_from() at a given level's table.
 * At each level it loads ONE entry (4 or 8 bytes) from the simulated
 * memory at table + index * entry_size; the next table's address comes
 * from that entry, so a walk is a chain of dependent loads.  w->reads is
 * the number of such loads (a full 4K walk on x86-64-4l: 4; a 2M page: 3;
 * PAE: 3, counting the PDPTE load that real CPUs do at CR3 load time).
 * w->table[L] is the physical address of the table read at level L, for
 * L from the start level down to w->level.  Accessed/dirty bits are
 * reported, never set, and an entry with A (or AF) clear is not a fault.
 * The permissions are the effective ones: restrictions in table entries
 * (x86 R/W, U/S, NX; arm64 APTable, XNTable) are applied; pt_walk_from()
 * applies only those from its start level down.  On a contiguous-hint
 * leaf, w->size is the whole run (what one TLB entry may cover).
 */
#ifndef VMBENCH_PGTABLE_H
#define VMBENCH_PGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest geometry modelled (x86-64 with LA57). */
#define PT_MAX_LEVELS 5

/* x86 MAXPHYADDR: physical address bits of x86-64 and PAE entries. */
#ifndef PT_X86_MAXPHYADDR
#define PT_X86_MAXPHYADDR 52
#endif

/* Physical address of the first frame of simulated memory (non-zero so
 * that a table address of 0 is always a bug); must be frame-aligned. */
#ifndef PT_MEM_BASE
#define PT_MEM_BASE 0x100000ULL
#endif

/* Frames the simulated memory holds before it first grows. */
#ifndef PT_MEM_INITIAL_FRAMES
#define PT_MEM_INITIAL_FRAMES 16
#endif

/* Memory attributes written into arm64 leaves: SH = inner shareable. */
#ifndef PT_ARM64_LEAF_ATTR
#define PT_ARM64_LEAF_ATTR (3ULL << 8)
#endif

/*
 * Architectures.  Each is one table of operations (struct pt_arch, in
 * src/pgtable/pt_impl.h; one file src/pgtable/arch_*.c each) that knows
 * its entries' bits; a geometry points at its architecture's table.
 * PT_ARCH_* name the built-in ones, for geometry rows and comparisons.
 */
struct pt_arch;
extern const struct pt_arch pt_arch_x86_64;   /* 4/5-level, 64-bit entries */
extern const struct pt_arch pt_arch_x86_32;   /* 2-level, 32-bit, PSE, no NX */
extern const struct pt_arch pt_arch_x86_pae;  /* 3-level, 4-entry PDPT */
extern const struct pt_arch pt_arch_arm64;
extern const struct pt_arch pt_arch_riscv;
#define PT_ARCH_X86_64 (&pt_arch_x86_64)
#define PT_ARCH_X86_32 (&pt_arch_x86_32)
#define PT_ARCH_X86_PAE (&pt_arch_x86_pae)
#define PT_ARCH_ARM64 (&pt_arch_arm64)
#define PT_ARCH_RISCV (&pt_arch_riscv)

/* The architecture's short name ("x86-64", "arm64", ...); cannot fail. */
const char *pt_arch_name(const struct pt_arch *a);

struct pt_geometry {
	const char *name;
	const char *summary;      /* one line for --help */
	const struct pt_arch *arch;  /* its table of operations */
	uint8_t levels;
	uint8_t va_bits;
	uint8_t pa_bits;          /* output addresses must be < 2^pa_bits */
	uint8_t page_shift;       /* base page = frame = full table size */
	uint8_t entry_size;       /* 4 or 8 */
	uint8_t bits[PT_MAX_LEVELS];      /* index bits at level L */
	uint8_t leaf_levels;              /* bit L: level L may hold a leaf */
	uint16_t contig[PT_MAX_LEVELS];   /* arm64 contiguous run at L or 0 */
};

/* The built-in geometries in the order of the table above. */
const struct pt_geometry *pt_geometries(size_t *count);

/* The geometry called @name, or NULL. */
const struct pt_geometry *pt_geometry_find(const char *name);

/*
 * 0 if @g is self-consistent (levels 1..PT_MAX_LEVELS, page_shift + sum of
 * bits == va_bits, every table fits in a frame, level 0 holds leaves,
 * entry size matches the arch), else -EINVAL.  Lets tests build small
 * fan-out variants of an architecture.
 */
int pt_geometry_check(const struct pt_geometry *g);

/* VA shift of level @level's index, and the bytes one entry there maps. */
static inline unsigned pt_level_shift(const struct pt_geometry *g,
				      unsigned level)
{
	unsigned s = g->page_shift;

	for (unsigned l = 0; l < level; l++)
		s += g->bits[l];
	return s;
}

static inline uint64_t pt_level_size(const struct pt_geometry *g,
				     unsigned level)
{
	return 1ULL << pt_level_shift(g, level);
}

/* Architecture-neutral permissions and state of an entry. */
#define PT_PROT_READ     0x01u
#define PT_PROT_WRITE    0x02u
#define PT_PROT_EXEC     0x04u
#define PT_PROT_USER     0x08u
#define PT_PROT_GLOBAL   0x10u
#define PT_PROT_ACCESSED 0x20u
#define PT_PROT_DIRTY    0x40u
#define PT_PROT_RWX (PT_PROT_READ | PT_PROT_WRITE | PT_PROT_EXEC)

enum pt_entry_kind {
	PT_ENTRY_NONE,    /* not present */
	PT_ENTRY_TABLE,   /* points to the next level's table */
	PT_ENTRY_LEAF,    /* page or block */
};

struct pt_entry {
	uint64_t pa;      /* leaf: output address; table: next table */
	uint64_t size;    /* decode: bytes the leaf maps (one entry); table: 0 */
	uint32_t prot;    /* PT_PROT_*; for a table, what it permits below */
	uint8_t level;
	uint8_t kind;     /* enum pt_entry_kind */
	bool contig;      /* arm64 contiguous hint */
};

/*
 * Encode @e (at e->level) into *raw in @g's own bit layout.  Leaves are
 * strict: -EINVAL when the permissions cannot be expressed (x86 and arm64:
 * no READ; x86-32: no EXEC; arm64: DIRTY without WRITE; RISC-V: WRITE
 * without READ or none of R/W/X), when the level may not hold a leaf,
 * when pa is not aligned to the leaf size or out of pa_bits, or contig is
 * asked where the geometry has no run.  Tables: prot bits the format
 * cannot express as a restriction are ignored; -EINVAL on a misaligned or
 * out-of-range table address, or at level 0.  PT_ENTRY_NONE encodes to 0.
 */
int pt_entry_encode(const struct pt_geometry *g, const struct pt_entry *e,
		    uint64_t *raw);

/*
 * Decode @raw found at @level into *e.  Not present: 0, e->kind NONE.
 * Reserved bits set, W-without-R, a leaf where the level may hold none,
 * or a table pointer at level 0: -EINVAL (the walker's
 * PT_FAULT_RESERVED).
 */
int pt_entry_decode(const struct pt_geometry *g, unsigned level, uint64_t raw,
		    struct pt_entry *e);

/*
 * The nearest leaf permission set @g can express that grants at least
 * @prot: adds READ where every present page is readable (x86, arm64, and
 * RISC-V W without R), EXEC on x86-32, drops DIRTY without WRITE on arm64.
 */
uint32_t pt_prot_fit(const struct pt_geometry *g, uint32_t prot);

/*
 * Simulated physical memory and its frame allocator.  One growing byte
 * array from PT_MEM_BASE; frames of 2^frame_shift bytes; freed frames are
 * reused last-in first-out, so the same operations give the same
 * addresses.  Several page tables of the same page size may share one.
 */
struct pt_mem;

/* -EINVAL: frame_shift outside 10..24 or pa_limit too small for a frame;
 * -ENOMEM: out of memory.  Frames are never placed at or above pa_limit. */
int pt_mem_create(struct pt_mem **out, unsigned frame_shift,
		  uint64_t pa_limit);
void pt_mem_destroy(struct pt_mem *m);

/*
 * A frame source: where a memory created by pt_mem_create_sourced() takes
 * its frames from (the buddy allocator's buddy_pt_mem_create() is one).
 * alloc returns 0 and a frame-aligned address inside the memory's range,
 * or a negative errno; free takes back what alloc handed out.
 */
struct pt_frame_source {
	int (*alloc)(void *ctx, uint64_t *pa);
	void (*free)(void *ctx, uint64_t pa);
};

/*
 * A simulated memory of @frames frames from PT_MEM_BASE, all addressable
 * at once (reserved on the host, committed only where written), whose
 * pt_frame_alloc / pt_frame_free go to @src with @ctx.  Frames the source
 * hands to others (data pages) read as zero.  -EINVAL: frame_shift
 * outside 10..24, @frames 0 or beyond the host's address space; -ENOMEM.
 */
int pt_mem_create_sourced(struct pt_mem **out, unsigned frame_shift,
			  uint64_t frames, const struct pt_frame_source *src,
			  void *ctx);

/* A zeroed frame at *pa.  -ENOMEM: host out of memory or pa_limit hit
 * (or the frame source's error; -EFAULT when the source hands out a frame
 * outside the memory, which is given back). */
int pt_frame_alloc(struct pt_mem *m, uint64_t *pa);
/* Give back a frame from pt_frame_alloc(). */
void pt_frame_free(struct pt_mem *m, uint64_t pa);
uint64_t pt_mem_frames_in_use(const struct pt_mem *m);

/* Read/write @bytes (4 or 8, naturally aligned) at @pa.  -EFAULT outside
 * the memory handed out so far, -EINVAL on bad size or alignment. */
int pt_mem_read(const struct pt_mem *m, uint64_t pa, unsigned bytes,
		uint64_t *val);
int pt_mem_write(struct pt_mem *m, uint64_t pa, unsigned bytes, uint64_t val);

/* Page tables. */
struct pt;

/*
 * A page table of geometry @g with an empty root.  Tables come from @mem
 * if given (its frame size must equal the page size), else from a memory
 * the table owns.  -EINVAL: @g fails pt_geometry_check or the frame size
 * differs; -ENOMEM: out of memory.
 */
int pt_create(struct pt **out, const struct pt_geometry *g,
	      struct pt_mem *mem);
/* Free every table (and the memory if owned).  NULL is a no-op.  Over a
 * shared memory, tables below an entry that cannot be read or decoded
 * (a corrupted table) are not freed. */
void pt_destroy(struct pt *pt);

/* Getters; they cannot fail. */
const struct pt_geometry *pt_geometry_of(const struct pt *pt);
struct pt_mem *pt_mem_of(const struct pt *pt);
uint64_t pt_root(const struct pt *pt);

#define PT_MAP_HUGE 0x1u  /* largest page/block that alignment allows */
#define PT_MAP_CONT 0x2u  /* arm64: contiguous runs where aligned */

/*
 * Map [va, va + size) to [pa, pa + size) with @prot widened by
 * pt_prot_fit().  Base pages unless PT_MAP_HUGE, which uses at each
 * address the largest leaf whose size va and pa are aligned to and that
 * fits in the range; PT_MAP_CONT also sets the arm64 contiguous hint on
 * aligned runs.  A huge leaf that takes the slot of an (empty) table
 * frees that table and the empty ones below it, as the kernel's
 * pmd_free_pte_page() does.  -EINVAL: size 0, va/pa/size not page-aligned, va range
 * not valid for the geometry (see above) or pa + size beyond pa_bits;
 * -EEXIST: some page in the range is mapped already; -ENOMEM: frame
 * allocation failed (whatever was mapped is undone); -EFAULT: a table
 * pointer on the way leads outside the simulated memory (a corrupted
 * table; nothing is changed).
 */
int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size,
	   uint32_t prot, unsigned flags);

/*
 * Make sure the table at @level that translates @va exists, creating it
 * and any missing table above it (a kernel's boot-time preallocation:
 * the fixmap's PTE tables, x86-64's vmalloc P4D/PUD tables).  *@table
 * (may be NULL) gets its physical address; @level == root level gives
 * the root.  A table left empty this way stays until pt_unmap() of a
 * range in it or pt_destroy().  -EINVAL: @va not valid for the geometry
 * or @level above the root; -EEXIST: a leaf above @level covers @va;
 * -ENOMEM; -EFAULT as pt_map.  On failure, tables created on the way
 * may stay (empty).
 */
int pt_populate(struct pt *pt, uint64_t va, unsigned level, uint64_t *table);

/*
 * Unmap every leaf in [va, va + size); holes are allowed.  Tables left
 * without entries are freed to the frame allocator (never the root).  A
 * contiguous run cut by the range loses its hint on the part that stays.
 * -EINVAL: bad range (as pt_map), a huge page/block straddles a range
 * end (no splitting) or an entry on the way has reserved bits; -EFAULT:
 * a table pointer leads outside the simulated memory; nothing is changed
 * then.
 */
int pt_unmap(struct pt *pt, uint64_t va, uint64_t size);

/*
 * pt_unmap(), except that a table the unmap leaves empty is freed only
 * when its level is below @keep: 0 keeps every table (as Linux's
 * vunmap_range_noflush() never frees kernel page-table pages), 1 frees
 * empty last-level tables only (as pmd_free_pte_page() before a huge
 * leaf), PT_MAX_LEVELS is pt_unmap().  Errors as pt_unmap().
 */
int pt_unmap_keep(struct pt *pt, uint64_t va, uint64_t size, unsigned keep);

/*
 * Set the permissions (READ, WRITE, EXEC, USER, GLOBAL; widened by
 * pt_prot_fit) of every leaf in [va, va + size); ACCESSED and DIRTY keep
 * their values (arm64 drops DIRTY when WRITE goes).  A contiguous run cut
 * by the range loses its hint.  -EINVAL: bad range or a huge leaf
 * straddles an end (or reserved bits, as pt_unmap); -ENOENT: a page in
 * the range is not mapped; -EFAULT as pt_unmap.  Nothing is changed on
 * failure.
 */
int pt_protect(struct pt *pt, uint64_t va, uint64_t size, uint32_t prot);

enum pt_fault {
	PT_FAULT_NONE,
	PT_FAULT_NOT_PRESENT,  /* an entry on the way is not present */
	PT_FAULT_RESERVED,     /* reserved bits, or leaf/table at a bad level */
	PT_FAULT_RANGE,        /* VA not canonical / out of range, bad start */
	PT_FAULT_BAD_PA,       /* a table address outside simulated memory */
};

#define PT_PA_NONE UINT64_MAX

struct pt_walk {
	uint64_t pa;       /* translation of va, PT_PA_NONE on a fault */
	uint64_t size;     /* bytes the translation covers (contig: the run) */
	uint64_t entry;    /* raw value of the last entry read */
	uint64_t table[PT_MAX_LEVELS];  /* table read at level L */
	uint32_t prot;     /* effective permissions, A/D/G of the leaf */
	uint8_t fault;     /* enum pt_fault */
	uint8_t level;     /* level of the leaf, or where the fault was */
	uint8_t start;     /* level the walk started at */
	uint8_t reads;     /* entries loaded from memory */
};

/* Translate @va from the root; fills *w and returns w->pa. */
uint64_t pt_walk(const struct pt *pt, uint64_t va, struct pt_walk *w);

/*
 * Translate @va starting at @level with the table at @table_pa, as after
 * a paging-structure-cache hit that supplied the table.  A level above the
 * root gives PT_FAULT_RANGE.  Returns w->pa.
 */
uint64_t pt_walk_from(const struct pt *pt, uint64_t va, unsigned level,
		      uint64_t table_pa, struct pt_walk *w);

struct reason;

/*
 * Validator: every entry reachable from the root decodes (no reserved
 * bits, no table outside the simulated memory), each table's count of
 * entries in use and the tables and leaves per level in pt_get_stats()
 * match what is reachable, and every contiguous run is whole (n leaves
 * with the hint, consecutive addresses, equal rights).  0, or -EUCLEAN
 * with the first broken invariant in *@r (may be NULL).  Never prints;
 * changes nothing.
 */
int pt_check(const struct pt *pt, struct reason *r);

struct pt_stats {
	uint64_t tables[PT_MAX_LEVELS];  /* tables at level L (root: 1) */
	uint64_t bytes[PT_MAX_LEVELS];   /* tables[L] * entries * entry_size */
	uint64_t leaves[PT_MAX_LEVELS];  /* leaf entries at level L */
	uint64_t table_bytes;            /* sum of bytes[] */
	uint64_t frames;                 /* frames the tables occupy */
};

/* Fills *st; cannot fail. */
void pt_get_stats(const struct pt *pt, struct pt_stats *st);

#endif /* VMBENCH_PGTABLE_H */
