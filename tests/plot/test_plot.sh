#!/usr/bin/env bash
# scripts/plot on the committed fixture tests/data/plot_fixture.csv (vmap
# churn and replay rows, and MMU rows in the shape bench_mmu.c is to
# write): every plot appears as a PNG and an SVG; then on the fixture
# without its MMU rows: the vmap plots appear, the MMU ones are skipped
# with a note and the exit status is 0.  Skips (77) only without gnuplot.
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
