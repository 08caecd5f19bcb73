#!/usr/bin/env bash
# scripts/plot on the committed fixture tests/data/plot_fixture.csv (vmap
# churn and replay rows, and MMU rows in the shape bench_mmu.c writes:
# mmu/translate with a preset and with none, mmu/reach with the tlb_*
# shape columns): every plot appears as a PNG and an SVG, and the MMU
# plots carry what they are to show (the working set, a miss-rate label,
# each preset's reach); then without the reach rows only tlb_reach is
# skipped; then without any MMU rows: the vmap plots appear, the MMU ones
# are skipped with a note and the exit status is 0.  Skips (77) only
# without gnuplot.
set -euo pipefail
src=$1
command -v gnuplot >/dev/null ||
	{ echo "SKIP: gnuplot not installed (Debian: gnuplot-nox)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$tmp/run"
cp "$src/tests/data/plot_fixture.csv" "$tmp/run/results.csv"
"$src/scripts/plot" -o "$tmp/out" "$tmp/run" >"$tmp/log" 2>&1 ||
	{ cat "$tmp/log"; fail "scripts/plot exited $?"; }
for p in vmap_churn_cost vmap_churn_visits vmap_workloads mmu_translate \
	 tlb_reach; do
	[ -s "$tmp/out/$p.png" ] || fail "$p.png missing"
	[ -s "$tmp/out/$p.svg" ] || fail "$p.svg missing"
	[ "$(head -c 4 "$tmp/out/$p.png" | od -An -tx1 | tr -d ' ')" = 89504e47 ] ||
		fail "$p.png is not a PNG"
	grep -q '<svg' "$tmp/out/$p.svg" || fail "$p.svg is not an SVG"
done
grep -q 'note:' "$tmp/log" && fail "unexpected note: $(cat "$tmp/log")"
svg_has() {
	grep -qF -- "$2" "$tmp/out/$1.svg" || fail "$1.svg lacks '$2'"
}
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

# A run directory without results.csv is an error (2), not a crash.
mkdir "$tmp/empty"
set +e
"$src/scripts/plot" -o "$tmp/out3" "$tmp/empty" 2>/dev/null
[ $? -eq 2 ] || fail "missing results.csv should exit 2"
echo ok
