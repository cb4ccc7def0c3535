#!/usr/bin/env bash
# Issue 14's benchmark (figures, no assertions): intake of N published report
# files (reports/s), then the roll-up and the status list of M agencies (ms),
# on SQLite and, with OGI_TEST_POSTGRES_URL set, on PostgreSQL.
#   cargo build --release -p ogi && tools/bench-region.sh
# Each file is the corpus's 2023 report of 金井片区 with the agency renamed
# (基准县第i局), so every file is read, checked and matched for real.
set -euo pipefail
cd "$(dirname "$0")/.."
OGI=${OGI:-target/release/ogi}
N=${N:-1000}
M=${M:-2000}
CORPUS=${OGI_CORPUS:-../shared/corpus}
src="$CORPUS/real/pingtan/2023_jjpq.txt"
name="平潭综合实验区金井片区管理局"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/first" "$work/rest"
printf 'code,name,parent,kind\n' > "$work/agencies.csv"
for i in $(seq 1 "$M"); do
  printf 'b%d,基准县第%d局,root,department\n' "$i" "$i" >> "$work/agencies.csv"
  dir=first; [ "$i" -gt "$N" ] && dir=rest
  sed "s/$name/基准县第${i}局/g" "$src" > "$work/$dir/$i.txt"
done
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
bench() {
  local label=$1 db=$2
  "$OGI" agency import "$work/agencies.csv" --db "$db" > /dev/null
  local t0 t1 t2 t3 t4
  t0=$(now)
  "$OGI" region intake "$work/first" --year 2023 --received 2024-01-20 --db "$db" 2>/dev/null | sed "s/^/  /"
  t1=$(now)
  "$OGI" region intake "$work/rest" --year 2023 --received 2024-01-20 --db "$db" > /dev/null 2>&1
  t2=$(now)
  "$OGI" region rollup --year 2023 --db "$db" > /dev/null 2>&1
  t3=$(now)
  "$OGI" region status --year 2023 --today 2024-02-01 --format csv --db "$db" > /dev/null 2>&1
  t4=$(now)
  local intake_ms; intake_ms=$(ms "$t0" "$t1")
  echo "$label: intake of $N files ${intake_ms} ms ($(( N * 1000 / (intake_ms > 0 ? intake_ms : 1) )) reports/s); $M agencies: rollup $(ms "$t2" "$t3") ms, status $(ms "$t3" "$t4") ms"
}
bench SQLite "$work/bench.db"
if [ -n "${OGI_TEST_POSTGRES_URL:-}" ]; then
  dbname="ogi_bench_$$"
  psql "$OGI_TEST_POSTGRES_URL" -qc "CREATE DATABASE $dbname" > /dev/null
  bench PostgreSQL "${OGI_TEST_POSTGRES_URL%/*}/$dbname"
  psql "$OGI_TEST_POSTGRES_URL" -qc "DROP DATABASE $dbname" > /dev/null
fi
