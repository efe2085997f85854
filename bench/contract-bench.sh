#!/usr/bin/env bash
# contract-bench.sh: time `mlv contract check` against pandera on one generated CSV (issue 4).
#
# Steps (in WORK; the page cache is warmed with `cat data.csv >/dev/null` before every timed run):
#   1  generate data.csv, ~SIZE_MB MiB, 20 mixed columns (bench/contract_gen.py: ints, floats with
#      empty-field nulls and exponents, true/false, dates, datetimes, categories, free text with
#      quoted commas, doubled quotes and a few embedded newlines), seeded and deterministic
#   2  `mlv contract infer data.csv --out contract.yaml` (timed once, for information)
#   3  translate contract.yaml into pandera's YAML (same columns, dtypes, nullability, min/max,
#      allowed lists, unique, strict); what pandera cannot express is listed on stderr
#   4  timed: `mlv contract check data.csv --contract contract.yaml` (MLV_RUNS runs, best kept);
#      `pandera validate -s pandera-cli.yaml -d data.csv` (pandera's own CLI: plain pd.read_csv,
#      so the datetime columns carry `coerce: true`); and a script doing
#      pd.read_csv(parse_dates=the datetime columns) + schema.validate(df, lazy=True)
#      Every tool must find the data clean (mlv exit 0, pandera no failure case).
#   5  one bad value: a copy of data.csv with `age` of one known row set to -7 (below the inferred
#      minimum); mlv must exit 3 and every pandera mode must fail, naming the column (untimed)
#
# Environment:
#   MLV            mlv binary (also MLV_BIN; default .build/release/mlv, built with
#                  `swift build -c release` when missing — don't let that race another build)
#   SIZE_MB        size of data.csv in MiB (default 1024)
#   WORK           work dir (default: a new mktemp -d, removed at the end unless KEEP=1). A WORK
#                  you name is kept, and its data.csv is reused when SIZE_MB and SEED match
#   VENV           virtualenv with pandera[cli], pandas, pyyaml, numpy
#                  (default ~/.cache/mlv-bench/pandera-venv; created when missing)
#   SEED           generator seed (default 42)
#   GEN_JOBS       generator worker processes (default: all cores)
#   MLV_RUNS       timed runs of `mlv contract check`, the best is reported (default 2)
#   PANDERA_MODES  subset of "cli script" (default both)
#   BENCH_TOOLS    subset of "mlv pandera" (default both). Without mlv, CONTRACT must name a contract
#   CONTRACT       use this mlv contract instead of inferring one
#
# Prints the table on stdout (progress on stderr); the table also goes to $WORK/contract-results.txt.
# Exit status 0 when every check held; 2 when a tool failed or disagreed (clean data reported dirty,
# the bad value missed, wrong exit code; the table is still printed); 1 on set-up errors.
set -Eeuo pipefail
trap 'rc=$?; printf "[contract-bench] ERROR: exit %s at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2' ERR
export LC_ALL=C PYTHONWARNINGS=ignore

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
MLV=${MLV:-${MLV_BIN:-}}
SIZE_MB=${SIZE_MB:-1024}
VENV=${VENV:-$HOME/.cache/mlv-bench/pandera-venv}
SEED=${SEED:-42}
GEN_JOBS=${GEN_JOBS:-0}
MLV_RUNS=${MLV_RUNS:-2}
PANDERA_MODES=${PANDERA_MODES:-cli script}
BENCH_TOOLS=${BENCH_TOOLS:-mlv pandera}
CONTRACT=${CONTRACT:-}
KEEP=${KEEP:-0}

log() { printf '[contract-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
want() { [[ " $BENCH_TOOLS " == *" $1 "* ]]; }
mode() { [[ " $PANDERA_MODES " == *" $1 "* ]]; }

[[ $SIZE_MB =~ ^[1-9][0-9]*$ ]] || die "SIZE_MB must be a positive integer"
[[ $SEED =~ ^[0-9]+$ ]] || die "SEED must be a non-negative integer"
[[ $GEN_JOBS =~ ^[0-9]+$ ]] || die "GEN_JOBS must be a non-negative integer"
[[ $MLV_RUNS =~ ^[1-9][0-9]*$ ]] || die "MLV_RUNS must be a positive integer"
want mlv || want pandera || die "BENCH_TOOLS names neither mlv nor pandera"
want mlv || [ -n "$CONTRACT" ] || die "without mlv in BENCH_TOOLS, set CONTRACT to an mlv contract file"
[ -z "$CONTRACT" ] || [ -f "$CONTRACT" ] || die "CONTRACT=$CONTRACT: no such file"
[ -z "$CONTRACT" ] || CONTRACT=$(cd "$(dirname "$CONTRACT")" && pwd)/$(basename "$CONTRACT")

if [ -n "${WORK:-}" ]; then
    mkdir -p "$WORK"
    W=$(cd "$WORK" && pwd)
else
    W=$(mktemp -d "${TMPDIR:-/tmp}/mlv-contract-bench.XXXXXX")
    if [ "$KEEP" != 1 ]; then
        trap 'rm -rf "$W"' EXIT
    fi
fi

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

# ---------------------------------------------------------------- set-up
apt_install() {
    log "apt-get install $*"
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y -qq "$@" >/dev/null 2>&1; then
        $SUDO apt-get update -qq >/dev/null
        $SUDO apt-get install -y -qq "$@" >/dev/null
    fi
}

ensure_apt() {
    local missing=()
    [ -x /usr/bin/time ] || missing+=(time)
    command -v python3 >/dev/null || missing+=(python3)
    command -v bc >/dev/null || missing+=(bc)
    ((${#missing[@]})) || return 0
    apt_install "${missing[@]}"
}

# The venv's python runs everything Python here: the generator (numpy >= 2), the schema
# translation (pyyaml) and pandera itself.
ensure_venv() {
    PY=$VENV/bin/python
    PANDERA=$VENV/bin/pandera
    if [ -x "$PY" ] && "$PY" -c 'import numpy, pandas, pandera, yaml, typer; assert int(numpy.__version__.split(".")[0]) >= 2' >/dev/null 2>&1 &&
        [ -x "$PANDERA" ]; then
        return 0
    fi
    local plog
    plog=$(dirname "$VENV")/$(basename "$VENV")-pip.log
    log "installing pandera[cli], pandas, pyyaml, numpy into $VENV (log: $plog)"
    mkdir -p "$(dirname "$VENV")"
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
        apt_install python3-venv
        rm -rf "$VENV"
        python3 -m venv "$VENV"
    fi
    {
        "$VENV/bin/pip" install -q --upgrade pip
        "$VENV/bin/pip" install -q --upgrade 'pandera[cli]' pandas pyyaml 'numpy>=2'
    } >"$plog" 2>&1 || { tail -n 20 "$plog" >&2; die "pip install failed, see $plog"; }
    "$PY" -c 'import numpy, pandas, pandera, yaml, typer' || die "the venv $VENV does not import pandera"
}

ensure_mlv() {
    want mlv || return 0
    if [ -z "$MLV" ]; then
        MLV=$repo/.build/release/mlv
        if [ ! -x "$MLV" ]; then
            command -v swift >/dev/null && [ -f "$repo/Package.swift" ] || die "no $MLV and no swift toolchain to build it"
            log "building mlv: swift build -c release (log: $W/swift-build.log)"
            (cd "$repo" && swift build -c release) >"$W/swift-build.log" 2>&1 ||
                { tail -n 20 "$W/swift-build.log" >&2; die "swift build failed (see $W/swift-build.log)"; }
        fi
    fi
    [ -x "$MLV" ] && [ -f "$MLV" ] || die "mlv binary not found: $MLV"
    MLV=$(cd "$(dirname "$MLV")" && pwd)/$(basename "$MLV")
}

ensure_apt
ensure_venv
ensure_mlv

DATA=$W/data.csv
BAD=$W/bad.csv
LOGS=$W/logs
ROWS=$W/rows.tsv
TIMEF=$W/time.out
mkdir -p "$LOGS"
: >"$ROWS"
FAILED=0
cd "$W"

fail() { log "CHECK FAILED: $*"; FAILED=1; }
warm() { cat "$DATA" >/dev/null; }

# measure LOGNAME cmd...: cmd under /usr/bin/time after warming the page cache; sets M_SECS (wall,
# EPOCHREALTIME, 3 decimals), M_RSS (peak RSS, KiB) and M_RC (exit status); output in $LOGS/LOGNAME.log.
measure() {
    local lf=$LOGS/$1.log t0 t1
    shift
    warm
    printf '$ %s\n' "$*" >"$lf"
    M_RC=0
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %M' -o "$TIMEF" "$@" >>"$lf" 2>&1 || M_RC=$?
    t1=$EPOCHREALTIME
    M_SECS=$(printf '%.3f' "$(echo "$t1 - $t0" | bc)")
    M_RSS=$(tail -n 1 "$TIMEF" | awk '{print $2}')
}

rec() { # key tool secs rss_kb note
    printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS"
}

show_log() { # LOGNAME [lines]: the head of a command's output, indented, on stderr
    sed -n "2,${2:-12}p" "$LOGS/$1.log" | cut -c1-160 | sed 's/^/    /' >&2
}

# ---------------------------------------------------------------- 1 data
stamp="size_mb=$SIZE_MB seed=$SEED gen=$(cksum <"$here/contract_gen.py" | cut -d' ' -f1)"
if [ -f "$DATA" ] && [ -f "$DATA.meta.json" ] && [ "$(cat "$DATA.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "reusing $DATA ($stamp)"
else
    avail_kb=$(df -Pk "$W" | awk 'NR==2{print $4}')
    ((avail_kb > SIZE_MB * 1024 * 2 + 65536)) ||
        log "WARNING: only $((avail_kb / 1024)) MiB free in $W, about $((SIZE_MB * 2)) MiB needed (data + bad copy)"
    log "generating $DATA (SIZE_MB=$SIZE_MB, SEED=$SEED)"
    rm -f "$DATA.stamp"
    "$PY" "$here/contract_gen.py" gen --out "$DATA" --size-mb "$SIZE_MB" --seed "$SEED" --jobs "$GEN_JOBS"
    echo "$stamp" >"$DATA.stamp"
fi
read -r N_ROWS N_BYTES GEN_SECS BAD_ROW BAD_COL BAD_OLD BAD_NEW BAD_OFF < <("$PY" -c '
import json, sys
m = json.load(open(sys.argv[1])); b = m["bad"]
print(m["rows"], m["bytes"], m["seconds"], b["row"], b["column"], b["old"], b["new"], b["offset"])' "$DATA.meta.json")
log "data.csv: $N_ROWS rows, $N_BYTES bytes (generated in $GEN_SECS s)"

# ---------------------------------------------------------------- 2 contract
if [ -n "$CONTRACT" ]; then
    log "contract: $CONTRACT (given, not inferred)"
    cp "$CONTRACT" "$W/contract.yaml"
else
    log "mlv contract infer data.csv --out contract.yaml"
    rm -f contract.yaml
    measure infer "$MLV" contract infer "$DATA" --out "$W/contract.yaml"
    if ((M_RC)) || [ ! -s contract.yaml ]; then
        show_log infer 20
        die "mlv contract infer failed (exit $M_RC; log $LOGS/infer.log)"
    fi
    rec infer "mlv contract infer" "$M_SECS" "$M_RSS" "information"
fi
"$PY" - "$W/contract.yaml" >&2 <<'EOF' || die "contract.yaml is not a YAML mapping with columns"
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
cols = d["columns"]
items = cols.items() if isinstance(cols, dict) else [(c.get("name"), c) for c in cols]
print("[contract-bench] contract: " + ", ".join(f"{k}:{(v or {}).get('type', '?')}" for k, v in items))
EOF

# ---------------------------------------------------------------- 3 pandera schema
if want pandera; then
    "$PY" "$here/contract_gen.py" pandera-schema --contract contract.yaml --out pandera.yaml 2>"$LOGS/schema.log" ||
        { cat "$LOGS/schema.log" >&2; die "cannot translate contract.yaml into a pandera schema"; }
    "$PY" "$here/contract_gen.py" pandera-schema --contract contract.yaml --out pandera-cli.yaml --coerce-datetimes 2>/dev/null
    sed 's/^/[contract-bench] /' "$LOGS/schema.log" >&2
fi

# ---------------------------------------------------------------- 4 timed checks on clean data
if want mlv; then
    best="" best_rss=""
    for ((i = 1; i <= MLV_RUNS; i++)); do
        log "mlv contract check data.csv --contract contract.yaml (run $i/$MLV_RUNS)"
        measure "check-$i" "$MLV" contract check "$DATA" --contract "$W/contract.yaml"
        if ((M_RC)); then
            fail "mlv contract check exited $M_RC on the clean data (expected 0; log $LOGS/check-$i.log)"
            show_log "check-$i" 20
            break
        fi
        log "  $M_SECS s, peak RSS $((M_RSS / 1024)) MiB"
        if [ -z "$best" ] || [ "$(echo "$M_SECS < $best" | bc)" = 1 ]; then best=$M_SECS; fi
        if [ -z "$best_rss" ] || ((M_RSS > best_rss)); then best_rss=$M_RSS; fi
    done
    if [ -n "$best" ]; then
        rec mlv "mlv contract check (best of $MLV_RUNS)" "$best" "$best_rss" "clean: exit 0"
    else
        rec mlv "mlv contract check" "" "" "error: exit $M_RC on clean data"
    fi
fi

if want pandera; then
    PANDERA_VERSION=$("$PY" -c 'import pandera, pandas; print(f"pandera {pandera.__version__}, pandas {pandas.__version__}")')
    if mode cli; then
        log "pandera validate -s pandera-cli.yaml -d data.csv ($PANDERA_VERSION)"
        measure pandera-cli "$PANDERA" validate -s "$W/pandera-cli.yaml" -d "$DATA"
        if ((M_RC)); then
            fail "pandera validate exited $M_RC on the clean data (log $LOGS/pandera-cli.log)"
            grep -v '│ passed │' "$LOGS/pandera-cli.log" | sed -n '2,30p' | cut -c1-160 | sed 's/^/    /' >&2
            rec pandera-cli "pandera validate (CLI)" "" "" "error: exit $M_RC on clean data"
        else
            log "  $M_SECS s, peak RSS $((M_RSS / 1024)) MiB"
            rec pandera-cli "pandera validate (CLI)" "$M_SECS" "$M_RSS" "clean"
        fi
    fi
    if mode script; then
        log "pandas.read_csv(parse_dates) + schema.validate(lazy=True) ($PANDERA_VERSION)"
        measure pandera-script "$PY" "$here/contract_gen.py" validate --schema "$W/pandera.yaml" --data "$DATA"
        if ((M_RC)); then
            fail "pandera (script) found errors in the clean data (exit $M_RC; log $LOGS/pandera-script.log)"
            show_log pandera-script 20
            rec pandera-script "read_csv + schema.validate" "" "" "error: exit $M_RC on clean data"
        else
            log "  $M_SECS s, peak RSS $((M_RSS / 1024)) MiB: $(sed -n 2p "$LOGS/pandera-script.log")"
            rec pandera-script "read_csv + schema.validate" "$M_SECS" "$M_RSS" "clean"
        fi
    fi
fi

# ---------------------------------------------------------------- 5 one bad value
log "bad.csv: row $BAD_ROW, column $BAD_COL: $BAD_OLD -> $BAD_NEW"
"$PY" "$here/contract_gen.py" inject --data "$DATA" --out "$BAD" >/dev/null
BAD_LINE=$(($(head -c "$BAD_OFF" "$BAD" | wc -l) + 1))
log "  (physical line $BAD_LINE of the file: quoted newlines in earlier rows shift lines from rows)"
if want mlv; then
    measure bad-mlv "$MLV" contract check "$BAD" --contract "$W/contract.yaml"
    log "mlv contract check bad.csv: exit $M_RC"
    show_log bad-mlv 15
    if [ "$M_RC" != 3 ]; then
        fail "mlv contract check exited $M_RC on bad.csv (expected 3)"
    elif ! grep -qw "$BAD_COL" "$LOGS/bad-mlv.log"; then
        fail "mlv's report does not name the column $BAD_COL"
    elif ! grep -qwE "$BAD_ROW|$((BAD_ROW + 1))" "$LOGS/bad-mlv.log"; then
        fail "mlv's report names neither row $BAD_ROW (data row) nor $((BAD_ROW + 1)) (record, header = 1)"
    fi
    measure bad-mlv-json "$MLV" contract check "$BAD" --contract "$W/contract.yaml" --json
    if [ "$M_RC" != 3 ]; then
        fail "mlv contract check --json exited $M_RC on bad.csv (expected 3)"
    elif ! sed 1d "$LOGS/bad-mlv-json.log" | grep -v '^error: \|^hint: ' | "$PY" -c 'import json, sys; json.load(sys.stdin)' 2>/dev/null; then
        fail "mlv contract check --json did not print one JSON document (log $LOGS/bad-mlv-json.log)"
    fi
fi
if want pandera; then
    if mode cli; then
        measure bad-pandera-cli "$PANDERA" validate -s "$W/pandera-cli.yaml" -d "$BAD"
        log "pandera validate bad.csv: exit $M_RC"
        sed -n '/Failure details/,$p' "$LOGS/bad-pandera-cli.log" | head -n 12 | cut -c1-100 | sed 's/^/    /' >&2
        if [ "$M_RC" = 0 ]; then
            fail "pandera validate passed bad.csv"
        elif ! grep -q "$BAD_COL" "$LOGS/bad-pandera-cli.log"; then
            fail "pandera validate's report does not name the column $BAD_COL"
        fi
    fi
    if mode script; then
        measure bad-pandera-script "$PY" "$here/contract_gen.py" validate --schema "$W/pandera.yaml" --data "$BAD"
        log "read_csv + schema.validate on bad.csv: exit $M_RC (pandera's index is 0-based: row $BAD_ROW = index $((BAD_ROW - 1)))"
        show_log bad-pandera-script 6
        if [ "$M_RC" = 0 ]; then
            fail "read_csv + schema.validate passed bad.csv"
        elif ! grep -qE "^ *0 +$BAD_COL .* $((BAD_ROW - 1)) +$BAD_NEW\$" "$LOGS/bad-pandera-script.log"; then
            fail "read_csv + schema.validate did not report $BAD_COL=$BAD_NEW at index $((BAD_ROW - 1))"
        fi
    fi
fi

# ---------------------------------------------------------------- report
{
    echo "contract-bench: $N_BYTES bytes ($(echo "scale=1; $N_BYTES / 1048576" | bc) MiB), $N_ROWS rows x 20 columns, seed $SEED; generated in $GEN_SECS s"
    if want mlv; then echo "mlv: $MLV ($("$MLV" --version 2>/dev/null | head -n 1 || echo "version unknown"))"; fi
    if want pandera; then echo "peer: $PANDERA_VERSION ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"; fi
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); page cache warmed before every run"
    echo
    "$PY" - "$ROWS" "$N_BYTES" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
size = int(sys.argv[2])
base = next((r for r in rows if r[0] == "mlv" and r[2]), None)
hdr = ["tool", "seconds", "MB/s", "peak RSS MiB", "time / mlv", "RSS / mlv", "note"]
out = []
for key, tool, secs, rss, note in rows:
    if not secs:
        out.append([tool, "-", "-", "-", "-", "-", note]); continue
    s, m = float(secs), int(rss) / 1024
    mbs = "%.0f" % (size / 1e6 / s) if key != "infer" and s > 0 else "-"
    rt = rm = "-"
    if base and key.startswith("pandera"):
        rt = "%.1fx" % (s / float(base[2])) if float(base[2]) > 0 else "-"
        rm = "%.1fx" % (m / (int(base[3]) / 1024))
    out.append([tool, "%.2f" % s, mbs, "%.0f" % m, rt, rm, note])
w = [max(len(str(r[i])) for r in out + [hdr]) for i in range(len(hdr))]
for r in [hdr, ["-" * x for x in w]] + out:
    print("  ".join(str(c).ljust(w[i]) if i in (0, 6) else str(c).rjust(w[i]) for i, c in enumerate(r)).rstrip())
print("\nMB/s = file bytes / 1e6 / seconds. Target (issue 4): mlv >= 300 MB/s, peak RSS <= 200 MB.")
EOF
    echo
    if ((FAILED)); then echo "checks: FAILED (see the CHECK FAILED lines above)"; else echo "checks: ok (clean data passes every tool; the bad value at row $BAD_ROW is reported by every tool)"; fi
} | tee "$W/contract-results.txt"
[ "$KEEP" = 1 ] || [ -n "${WORK:-}" ] || log "removing $W (KEEP=1 keeps it)"
((FAILED)) && exit 2
exit 0
