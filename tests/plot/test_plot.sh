#!/usr/bin/env bash
# scripts/plot on the committed fixture tests/data/plot_fixture.csv (vmap
# churn and replay rows, and MMU rows in the shape bench_mmu.c writes:
# mmu/translate with a preset and with none, mmu/reach with the tlb_*
# shape columns): every plot appears as a PNG and an SVG, and the MMU
# plots carry what they are to show (the working set, a miss-rate label,
# each preset's reach), and with tests/plot/vmalloc.csv (a subset of a
# real run's vmsim vmalloc rows) the four vmalloc plots; then without the
# reach rows only tlb_reach is skipped; then without any MMU rows: the
# vmap plots appear, the MMU ones are skipped with a note and the exit
# status is 0; then tests/plot/system.csv (augrb and linux churn, kmap
# rows): the linux ratio and kmap plots; then a malformed vmalloc.csv is
# refused (2, FILE:LINE).  Skips (77) only without gnuplot.
set -euo pipefail
src=$1
command -v gnuplot >/dev/null ||
	{ echo "SKIP: gnuplot not installed (Debian: gnuplot-nox)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$tmp/run"
cp "$src/tests/data/plot_fixture.csv" "$tmp/run/results.csv"
cp "$src/tests/plot/vmalloc.csv" "$tmp/run/vmalloc.csv"
"$src/scripts/plot" -o "$tmp/out" "$tmp/run" >"$tmp/log" 2>&1 ||
	{ cat "$tmp/log"; fail "scripts/plot exited $?"; }
has_plots() {	# DIR NAME...
	local d=$1 p
	shift
	for p in "$@"; do
		[ -s "$d/$p.png" ] || fail "$p.png missing"
		[ -s "$d/$p.svg" ] || fail "$p.svg missing"
		[ "$(head -c 4 "$d/$p.png" | od -An -tx1 | tr -d ' ')" = 89504e47 ] ||
			fail "$p.png is not a PNG"
		grep -q '<svg' "$d/$p.svg" || fail "$p.svg is not an SVG"
	done
}
has_plots "$tmp/out" vmap_churn_cost vmap_churn_visits vmap_workloads \
	mmu_translate tlb_reach vmalloc_shootdowns vmalloc_pt_pages \
	vmalloc_huge_tlb vmalloc_rezki
# This fixture has neither linux, kmap nor vmalloc rows: those three are
# skipped, and nothing else.
[ "$(grep 'note:' "$tmp/log" | sed 's/: skipped.*//' | sort | tr '\n' ' ')" = \
  "note: kmap note: vmalloc_cost note: vmap_linux_ratio " ] ||
	fail "unexpected notes: $(cat "$tmp/log")"
[ ! -e "$tmp/out/kmap.png" ] || fail "kmap from no kmap rows"
svg_has() {
	grep -qF -- "$2" "$tmp/out/$1.svg" || fail "$1.svg lacks '$2'"
}
# The vmalloc plots from vmalloc.csv (a subset of a real run's): the
# experiments' series and what the data decide (the CPUs of the
# lazy_max_pages runs, the upper table levels' count, the area sizes).
svg_has vmalloc_shootdowns 'flushes per 10^6 vfree vs lazy_max_pages, 4 CPUs'
svg_has vmalloc_shootdowns 'IPIs per 10^6 vfree'
svg_has vmalloc_shootdowns '>lazy<'
svg_has vmalloc_shootdowns '>eager<'
svg_has vmalloc_shootdowns 'eager: flushes'
svg_has vmalloc_shootdowns 'ranged flushes (INVLPG per page)'
svg_has vmalloc_pt_pages "pages of levels 1+: 72 in every run"
svg_has vmalloc_pt_pages '512-page areas, huge, lazy'
svg_has vmalloc_pt_pages '1-page areas, 4K, eager'
svg_has vmalloc_huge_tlb 'huge mappings allowed (--huge)'
for n in 256 512 4096; do svg_has vmalloc_huge_tlb ">$n<"; done
svg_has vmalloc_rezki 'node visits, 4.19 / 5.2'
svg_has vmalloc_rezki 'time, 4.19 / 5.2'
svg_has vmalloc_rezki 'Rezki, i5-3320M: 3.3-3.9x'
svg_has vmalloc_rezki 'Rezki, HiKey960: 6-23x'
for n in 1 64 none; do svg_has vmalloc_rezki ">$n<"; done
svg_has mmu_translate 'n = 16384 pages'
svg_has mmu_translate '91% miss'
svg_has mmu_translate '(n1-64k)'
svg_has tlb_reach 'skylake: L1 64 x 4 KiB = 256 KiB, L2 1536 x 4 KiB = 6 MiB'
svg_has tlb_reach 'zen4: L1 72 x 4 KiB = 288 KiB, L2 3072 x 4 KiB = 12 MiB'
# The zen4 translate rows are not x86-64-4l's main preset (skylake, listed
# first): no bar of theirs (290 ns) may stretch the common y range, which
# ends at 1.4 x the tallest main bar (87 ns): its last tick is 120.
grep -qE '> *120<' "$tmp/out/mmu_translate.svg" ||
	fail "mmu_translate's y range does not end near 120 ns"
grep -qE '> *(300|400)<' "$tmp/out/mmu_translate.svg" &&
	fail "mmu_translate's y range includes a non-main preset"

# Without the reach rows: tlb_reach alone is skipped.
mkdir "$tmp/run1"
grep -v '^mmu,reach,' "$src/tests/data/plot_fixture.csv" >"$tmp/run1/results.csv"
"$src/scripts/plot" -o "$tmp/out1" "$tmp/run1" >"$tmp/log1" 2>&1 ||
	{ cat "$tmp/log1"; fail "scripts/plot exited $? without reach rows"; }
[ -s "$tmp/out1/mmu_translate.png" ] || fail "mmu_translate missing without reach rows"
[ ! -e "$tmp/out1/tlb_reach.png" ] || fail "tlb_reach from no reach rows"
grep -q 'note: tlb_reach: skipped' "$tmp/log1" || fail "no tlb_reach skip note"
grep -q 'note: mmu_translate' "$tmp/log1" && fail "mmu_translate skipped"

# Without MMU rows: skipped cleanly.
mkdir "$tmp/run2"
grep -v '^mmu,' "$src/tests/data/plot_fixture.csv" >"$tmp/run2/results.csv"
"$src/scripts/plot" -o "$tmp/out2" "$tmp/run2" >"$tmp/log2" 2>&1 ||
	{ cat "$tmp/log2"; fail "scripts/plot exited $? without MMU rows"; }
[ -s "$tmp/out2/vmap_churn_cost.png" ] || fail "vmap plot missing"
[ ! -e "$tmp/out2/mmu_translate.png" ] || fail "mmu plot from no rows"
grep -q 'note: mmu_translate: skipped' "$tmp/log2" || fail "no skip note"
grep -q 'note: tlb_reach: skipped' "$tmp/log2" || fail "no skip note"

# linux and kmap rows (tests/plot/system.csv: augrb and linux churn at
# 1k, 20k and 1M live areas, the eight kmap benchmarks): the ratio plot
# and the kmap plot, PKMAP over 1 and over 4096 pages as two bars.
mkdir "$tmp/run4"
cp "$src/tests/plot/system.csv" "$tmp/run4/results.csv"
"$src/scripts/plot" -o "$tmp/out4" "$tmp/run4" >"$tmp/log4" 2>&1 ||
	{ cat "$tmp/log4"; fail "scripts/plot exited $? on system.csv"; }
has_plots "$tmp/out4" vmap_churn_cost vmap_linux_ratio kmap vmalloc_cost
# Strategies as clusters, kernel models labelled with their strategy,
# one bar per area size.
for t in '>linux<' '>augrb<' '>kernel-5.2<' '>(augrb)<' '>1 page<' '>64 pages<'; do
	grep -qF -- "$t" "$tmp/out4/vmalloc_cost.svg" ||
		fail "vmalloc_cost.svg lacks '$t'"
done
grep -q 'note: vmalloc_\*: skipped, no vmalloc.csv' "$tmp/log4" ||
	fail "no note for the missing vmalloc.csv"
grep -q 'note: vmap_linux_ratio' "$tmp/log4" && fail "ratio plot skipped"
grep -q 'note: kmap' "$tmp/log4" && fail "kmap plot skipped"
grep -qF '>1k<' "$tmp/out4/vmap_linux_ratio.svg" || fail "ratio plot lacks 1k"
grep -qF '>1M<' "$tmp/out4/vmap_linux_ratio.svg" || fail "ratio plot lacks 1M"
grep -qF 'target: 2x faster' "$tmp/out4/vmap_linux_ratio.svg" ||
	fail "ratio plot lacks the target"
grep -qF '>augrb alloc+free<' "$tmp/out4/vmap_linux_ratio.svg" ||
	fail "ratio plot lacks augrb's alloc+free"
[ "$(grep -c '>pages:4096<' "$tmp/out4/kmap.svg")" -ge 2 ] ||
	fail "kmap.svg lacks the PKMAP pages:4096 bars"
grep -qF '>IPIs<' "$tmp/out4/kmap.svg" || fail "kmap.svg lacks IPIs"

# A malformed vmalloc.csv is refused with FILE:LINE (2), nothing drawn.
mkdir "$tmp/run5"
cp "$src/tests/plot/system.csv" "$tmp/run5/results.csv"
sed '3s/,[^,]*$/,many/' "$src/tests/plot/vmalloc.csv" >"$tmp/run5/vmalloc.csv"
set +e
"$src/scripts/plot" -o "$tmp/out5" "$tmp/run5" >"$tmp/log5" 2>&1
st=$?
set -e
[ $st -eq 2 ] || { cat "$tmp/log5"; fail "bad vmalloc.csv: exit $st, not 2"; }
grep -q 'vmalloc.csv:3: value .many. is not a number' "$tmp/log5" ||
	fail "bad vmalloc.csv: $(cat "$tmp/log5")"
[ ! -e "$tmp/out5" ] || fail "plots written from a bad vmalloc.csv"

# A run directory without results.csv is an error (2), not a crash.
mkdir "$tmp/empty"
set +e
"$src/scripts/plot" -o "$tmp/out3" "$tmp/empty" 2>/dev/null
[ $? -eq 2 ] || fail "missing results.csv should exit 2"
echo ok
