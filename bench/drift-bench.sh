#!/usr/bin/env bash
# drift-bench.sh: time `mlv drift` against Evidently's DataDriftPreset on two generated CSVs.
#
#   bench/drift-bench.sh [ROWS]        ROWS rows in each file (default 1000000)
#
# Steps (the page cache is warmed with `cat reference.csv current.csv >/dev/null` before every
# timed run):
#   1  generate WORK/data/reference.csv and current.csv (bench/drift_gen.py: 20 columns, 10 floats,
#      2 integers with many values, 2 small integers, 6 string categories; 7 columns shifted in
#      current.csv, listed in WORK/data/expected.json; 2 unshifted float columns have empty fields).
#      Reused when ROWS, SEED and drift_gen.py are unchanged
#   2  timed: `mlv drift --reference REF --current CUR --json` (MLV_RUNS runs, best kept; stdout in
#      WORK/mlv.json)
#   3  timed: `evidently_drift.py REF CUR --json WORK/evidently.json` (pandas.read_csv of both files,
#      Report([DataDriftPreset()]) with Evidently's defaults; one run, it takes ~70 s at 1M rows)
#   4  compare: each tool must flag exactly the columns of expected.json; per column, Evidently's
#      method and score next to mlv's test and statistic
#
# Environment:
#   MLV            mlv binary (also MLV_BIN; default .build/release/mlv). Nothing is built: when the
#                  binary is missing the script says how to build it and stops
#   WORK           work dir (default /tmp/drift-bench; kept: data/ is reused, results are rewritten)
#   VENV           virtualenv with evidently 0.7.23 and pandas<3
#                  (default ~/.cache/mlv-bench/evidently-venv; created when missing)
#   SEED           generator seed (default 42)
#   MLV_RUNS       timed runs of `mlv drift`, the best is reported (default 2)
#   BENCH_TOOLS    subset of "mlv evidently" (default both)
#
# Prints the tables on stdout (progress on stderr); the same text goes to WORK/drift-results.txt.
# Exit status 0 when every tool flagged exactly the expected columns; 2 when a tool failed,
# missed a drifted column or flagged an unshifted one (the tables are still printed); 1 on
# set-up errors (no mlv binary, no venv).
set -Eeuo pipefail
trap 'rc=$?; printf "[drift-bench] ERROR: exit %s at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2' ERR
export LC_ALL=C PYTHONWARNINGS=ignore

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
N_ROWS=${1:-${ROWS:-1000000}}
N_ROWS=${N_ROWS//[,_]/}
MLV=${MLV:-${MLV_BIN:-}}
WORK=${WORK:-/tmp/drift-bench}
VENV=${VENV:-$HOME/.cache/mlv-bench/evidently-venv}
SEED=${SEED:-42}
MLV_RUNS=${MLV_RUNS:-2}
BENCH_TOOLS=${BENCH_TOOLS:-mlv evidently}
EVIDENTLY_VERSION=0.7.23

log() { printf '[drift-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
want() { [[ " $BENCH_TOOLS " == *" $1 "* ]]; }

[[ $N_ROWS =~ ^[1-9][0-9]*$ ]] && ((N_ROWS >= 2000)) || die "ROWS must be an integer >= 2000 (got '$N_ROWS')"
[[ $SEED =~ ^[0-9]+$ ]] || die "SEED must be a non-negative integer"
[[ $MLV_RUNS =~ ^[1-9][0-9]*$ ]] || die "MLV_RUNS must be a positive integer"
want mlv || want evidently || die "BENCH_TOOLS names neither mlv nor evidently"

mkdir -p "$WORK"
W=$(cd "$WORK" && pwd)

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

# The venv's python runs the generator (numpy), the comparison and Evidently itself.
ensure_venv() {
    PY=$VENV/bin/python
    # importlib.metadata, not `import evidently` (which takes ~4 s)
    if [ -x "$PY" ] && "$PY" -c "
import numpy, importlib.metadata as md
assert md.version('evidently') == '$EVIDENTLY_VERSION', md.version('evidently')
assert int(md.version('pandas').split('.')[0]) < 3" >/dev/null 2>&1; then
        return 0
    fi
    local plog
    plog=$(dirname "$VENV")/$(basename "$VENV")-pip.log
    log "installing evidently==$EVIDENTLY_VERSION and pandas<3 into $VENV (log: $plog)"
    mkdir -p "$(dirname "$VENV")"
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
        apt_install python3-venv
        rm -rf "$VENV"
        python3 -m venv "$VENV"
    fi
    {
        "$VENV/bin/pip" install -q --upgrade pip
        "$VENV/bin/pip" install -q "evidently==$EVIDENTLY_VERSION" 'pandas<3'
    } >"$plog" 2>&1 || { tail -n 20 "$plog" >&2; die "pip install failed, see $plog"; }
    "$PY" -c 'import numpy, pandas, evidently' || die "the venv $VENV does not import evidently"
    "$PY" -c "import evidently; assert evidently.__version__ == '$EVIDENTLY_VERSION'" ||
        die "the venv $VENV has evidently $("$PY" -c 'import evidently; print(evidently.__version__)'), not $EVIDENTLY_VERSION"
}

ensure_mlv() {
    want mlv || return 0
    [ -n "$MLV" ] || MLV=$repo/.build/release/mlv
    if [ ! -x "$MLV" ] || [ ! -f "$MLV" ]; then
        log "ERROR: mlv binary not found: $MLV"
        log "build it first (not done here, so it can't race another build in this checkout):"
        log "    (cd $repo && swift build -c release)"
        log "or name a binary: MLV=/path/to/mlv $0 $N_ROWS; or run Evidently alone: BENCH_TOOLS=evidently $0 $N_ROWS"
        exit 1
    fi
    MLV=$(cd "$(dirname "$MLV")" && pwd)/$(basename "$MLV")
}

ensure_apt
ensure_venv
ensure_mlv

D=$W/data
REF=$D/reference.csv
CUR=$D/current.csv
EXPECTED=$D/expected.json
LOGS=$W/logs
ROWS_TSV=$W/rows.tsv
TIMEF=$W/time.out
mkdir -p "$D" "$LOGS"
: >"$ROWS_TSV"
rm -f "$W/mlv.json" "$W/mlv.json.error" "$W/evidently.json"
FAILED=0
cd "$W"

fail() { log "CHECK FAILED: $*"; FAILED=1; }
warm() { cat "$REF" "$CUR" >/dev/null; }

# measure LOGNAME STDOUT cmd...: cmd under /usr/bin/time after warming the page cache; stdout goes to
# STDOUT, stderr to $LOGS/LOGNAME.log. Sets M_SECS (wall, EPOCHREALTIME, 3 decimals), M_RSS (peak
# RSS, KiB) and M_RC (exit status).
measure() {
    local lf=$LOGS/$1.log out=$2 t0 t1
    shift 2
    warm
    printf '$ %s\n' "$*" >"$lf"
    M_RC=0
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %M' -o "$TIMEF" "$@" >"$out" 2>>"$lf" || M_RC=$?
    t1=$EPOCHREALTIME
    M_SECS=$(printf '%.3f' "$(echo "$t1 - $t0" | bc)")
    M_RSS=$(tail -n 1 "$TIMEF" | awk '{print $2}')
}

rec() { # key tool secs rss_kb note
    printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS_TSV"
}

show() { # FILE [lines]: the head of a file, indented, on stderr
    sed -n "1,${2:-12}p" "$1" | cut -c1-160 | sed 's/^/    /' >&2
}

# ---------------------------------------------------------------- 1 data
stamp="rows=$N_ROWS seed=$SEED gen=$(cksum <"$here/drift_gen.py" | cut -d' ' -f1)"
if [ -f "$REF" ] && [ -f "$CUR" ] && [ -f "$EXPECTED" ] && [ -f "$D/stamp" ] && [ "$(cat "$D/stamp")" = "$stamp" ]; then
    log "reusing $D ($stamp)"
else
    log "generating $D ($N_ROWS rows per file, seed $SEED)"
    rm -f "$D/stamp"
    "$PY" "$here/drift_gen.py" "$N_ROWS" "$D" --seed "$SEED"
    echo "$stamp" >"$D/stamp"
fi
read -r REF_BYTES CUR_BYTES GEN_SECS DRIFTED < <("$PY" -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(m["bytes"]["reference.csv"], m["bytes"]["current.csv"], m["seconds"], ",".join(m["drifted"]))' "$EXPECTED")
log "reference.csv $REF_BYTES bytes, current.csv $CUR_BYTES bytes; shifted columns: $DRIFTED"

# ---------------------------------------------------------------- 2 mlv drift
# docs/drift.md: exit 0 with a report, 10 only with --fail-on-drift (not passed here). 0, 1, 3 and 10
# are accepted as long as stdout holds the JSON report; anything else is a failure.
if want mlv; then
    best="" best_rss="" ok=0
    for ((i = 1; i <= MLV_RUNS; i++)); do
        log "mlv drift --reference reference.csv --current current.csv --json (run $i/$MLV_RUNS)"
        measure "mlv-$i" "$W/mlv-$i.json" "$MLV" drift --reference "$REF" --current "$CUR" --json
        if [[ " 0 1 3 10 " != *" $M_RC "* ]] || [ ! -s "$W/mlv-$i.json" ]; then
            fail "mlv drift exited $M_RC with $(wc -c <"$W/mlv-$i.json") bytes on stdout (log $LOGS/mlv-$i.log)"
            { echo "mlv drift exited $M_RC (0, 1, 3 or 10 with a JSON report expected); its stderr:"; sed -n '2,6p' "$LOGS/mlv-$i.log" | cut -c1-160 | sed 's/^/      /'; } >"$W/mlv.json.error"
            show "$LOGS/mlv-$i.log" 20
            show "$W/mlv-$i.json" 20
            break
        fi
        ok=1
        cp "$W/mlv-$i.json" "$W/mlv.json"
        log "  exit $M_RC, $M_SECS s, peak RSS $((M_RSS / 1024)) MiB"
        if [ -z "$best" ] || [ "$(echo "$M_SECS < $best" | bc)" = 1 ]; then best=$M_SECS; fi
        if [ -z "$best_rss" ] || ((M_RSS > best_rss)); then best_rss=$M_RSS; fi
    done
    MLV_VERSION=$("$MLV" --version 2>/dev/null | head -n 1 || echo "version unknown")
    if ((ok)); then
        rec mlv "mlv drift --json (best of $MLV_RUNS)" "$best" "$best_rss" "exit $M_RC"
    else
        rec mlv "mlv drift --json" "" "" "error: exit $M_RC"
    fi
fi

# ---------------------------------------------------------------- 3 Evidently
if want evidently; then
    log "evidently_drift.py: pandas.read_csv x2 + Report([DataDriftPreset()]) (evidently $EVIDENTLY_VERSION; ~70 s at 1M rows)"
    measure evidently "$LOGS/evidently.out" "$PY" "$here/evidently_drift.py" "$REF" "$CUR" --json "$W/evidently.json"
    if ((M_RC)) || [ ! -s "$W/evidently.json" ]; then
        fail "evidently_drift.py exited $M_RC (log $LOGS/evidently.log)"
        show "$LOGS/evidently.log" 30
        rec evidently "Evidently DataDriftPreset" "" "" "error: exit $M_RC"
    else
        split=$("$PY" -c 'import json, sys; d = json.load(open(sys.argv[1]))
print("import %.1f s, read_csv %.1f s, report %.1f s" % (d["import_seconds"], d["load_seconds"], d["report_seconds"]))' "$W/evidently.json")
        log "  $M_SECS s ($split), peak RSS $((M_RSS / 1024)) MiB"
        rec evidently "Evidently DataDriftPreset" "$M_SECS" "$M_RSS" "$split"
    fi
fi

# ---------------------------------------------------------------- 4 report and checks
prc=0
{
    echo "drift-bench: $N_ROWS rows x 20 columns per file (reference $REF_BYTES bytes, current $CUR_BYTES bytes), seed $SEED; generated in $GEN_SECS s"
    if want mlv; then echo "mlv: $MLV ($MLV_VERSION)"; fi
    if want evidently; then echo "peer: $("$PY" -c 'import importlib.metadata as md, sys; print(", ".join(f"{p} {md.version(p)}" for p in ("evidently", "pandas", "numpy", "scipy")) + f", Python {sys.version.split()[0]}")')"; fi
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); page cache warmed before every run"
    echo
    "$PY" - "$ROWS_TSV" "$EXPECTED" "$W/mlv.json" "$W/evidently.json" "$BENCH_TOOLS" <<'EOF' || prc=$?
import json, os, sys

rows_tsv, expected_path, mlv_path, ev_path, tools = sys.argv[1:6]
tools = tools.split()
bad = []


def table(hdr, out, left=(0,)):
    w = [max(len(str(r[i])) for r in out + [hdr]) for i in range(len(hdr))]
    for r in [hdr, ["-" * x for x in w]] + out:
        print("  ".join(str(c).ljust(w[i]) if i in left else str(c).rjust(w[i]) for i, c in enumerate(r)).rstrip())


# ---- timings
rows = [l.rstrip("\n").split("\t") for l in open(rows_tsv) if l.strip()]
base = next((r for r in rows if r[0] == "mlv" and r[2]), None)
out = []
for key, tool, secs, rss, note in rows:
    if not secs:
        out.append([tool, "-", "-", "-", "-", note])
        continue
    s, m = float(secs), int(rss) / 1024
    rt = rm = "-"
    if base and key != "mlv":
        rt = "%.1fx" % (s / float(base[2])) if float(base[2]) > 0 else "-"
        rm = "%.1fx" % (m / (int(base[3]) / 1024)) if int(base[3]) > 0 else "-"
    out.append([tool, "%.2f" % s, "%.0f" % m, rt, rm, note])
table(["tool", "seconds", "peak RSS MiB", "time / mlv", "RSS / mlv", "note"], out, left=(0, 5))
print("\nseconds: wall time of the whole process (Evidently's includes Python imports and read_csv);"
      "\npeak RSS: /usr/bin/time %M. Ratios: Evidently / mlv.")

expected = json.load(open(expected_path))
want_set = set(expected["drifted"])
kinds = expected.get("kinds", {})
order = expected.get("columns") or sorted(kinds)


# ---- mlv's JSON, read defensively
def first(d, *keys):
    for k in keys:
        if isinstance(d, dict) and k in d and d[k] is not None:
            return d[k]
    return None


def as_bool(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes", "drift", "drifted", "1")
    return None


def parse_mlv(path):
    """{column: {"drifted", "test", "statistic", "score", "threshold", "type", "skipped"}}, the dataset
    part, and an error text or None. Expected (docs/drift.md, "format": "mlv-drift"): {"columns":
    [{"column": NAME, "type": ..., "drifted": bool, "test": ..., "statistic": ..., "p_value": ...,
    "score": (the number compared with the threshold), "threshold": ...} or {..., "skipped": REASON},
    ...], "dataset": {...}}; a {NAME: {...}} mapping, a top-level list, "name" for "column", and
    "drift"/"method"/"value" spellings are accepted too."""
    raw = open(path, encoding="utf-8", errors="replace").read()
    try:
        doc = json.loads(raw)
    except ValueError:
        lo, hi = raw.find("{"), raw.rfind("}")
        try:
            doc = json.loads(raw[lo:hi + 1]) if 0 <= lo < hi else None
        except ValueError:
            doc = None
        if doc is None:
            return None, None, "stdout is not JSON"
    cols = doc.get("columns") if isinstance(doc, dict) else doc
    if isinstance(cols, dict):
        cols = [dict(v, column=k) if isinstance(v, dict) else {"column": k, "drifted": v} for k, v in cols.items()]
    if not isinstance(cols, list):
        return None, doc, "no \"columns\" list"
    res = {}
    for c in cols:
        if not isinstance(c, dict):
            continue
        name = first(c, "column", "name", "feature")
        if name is None:
            continue
        skipped = first(c, "skipped")
        drifted = as_bool(first(c, "drifted", "drift", "drift_detected", "is_drifted"))
        res[name] = {
            "drifted": False if (skipped and drifted is None) else drifted,
            "test": first(c, "test", "method", "stattest", "metric"),
            "statistic": first(c, "statistic", "value", "distance", "drift_score", "score"),
            "score": first(c, "score", "drift_score", "statistic", "value"),
            "threshold": first(c, "threshold"),
            "type": first(c, "type", "kind"),
            "skipped": skipped,
        }
    if not res:
        return None, doc, "no column entries with a \"column\" name"
    return res, (doc.get("dataset") if isinstance(doc, dict) else None), None


mlv = mlv_ds = None
if "mlv" in tools:
    if os.path.exists(mlv_path) and os.path.getsize(mlv_path):
        mlv, mlv_ds, err = parse_mlv(mlv_path)
        if err:
            bad.append(f"mlv: cannot read its JSON ({err}); its output is shown above the column table")
            print("\nmlv's JSON did not have the expected shape (%s). It printed:" % err)
            with open(mlv_path, encoding="utf-8", errors="replace") as f:
                for line in f.read().splitlines()[:40]:
                    print("    " + line[:200])
            mlv = None
    else:
        why = open(mlv_path + ".error").read().strip() if os.path.exists(mlv_path + ".error") else "no output"
        bad.append("mlv: " + why)

ev = None
if "evidently" in tools:
    if os.path.exists(ev_path):
        ev = json.load(open(ev_path))
    else:
        bad.append("evidently: no output")

# ---- per column
def fmt(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return "%.4f" % v
    return "-" if v is None else str(v)


def flag(v):
    return "-" if v is None else ("DRIFT" if v else "ok")


# mlv's "score" gets its own column only when it differs from "statistic" somewhere (p-value tests)
show_score = mlv is not None and any(c.get("score") != c.get("statistic") for c in mlv.values())
names = list(order)
for extra in list((mlv or {}).keys()) + list(((ev or {}).get("columns") or {}).keys()):
    if extra not in names:
        names.append(extra)
out = []
for n in names:
    e = ((ev or {}).get("columns") or {}).get(n, {})
    m = (mlv or {}).get(n, {})
    r = [n, kinds.get(n, "?"), "DRIFT" if n in want_set else "-"]
    if ev is not None:
        r += [(e.get("type") or "-") + " " + (e.get("method") or "-") if e else "not tested", fmt(e.get("score")), flag(e.get("drifted"))]
    if mlv is not None:
        if not m:
            desc = "not reported"
        elif m.get("skipped"):
            desc = "skipped: " + str(m["skipped"])[:40]
        else:
            desc = ("%s %s" % (m.get("type") or "", m.get("test") or "-")).strip()
        r += [desc, fmt(m.get("statistic")), fmt(m.get("score")) if show_score else None, flag(m.get("drifted"))]
        if not show_score:
            r.pop(-2)
    # Evidently's score is the number it compares with the threshold (a p-value for tests): the
    # same as mlv's "score"
    if ev is not None and mlv is not None and isinstance(e.get("score"), (int, float)) and isinstance(m.get("score"), (int, float)):
        d = m["score"] - e["score"]
        r.append("%+.4f" % d)
    elif ev is not None and mlv is not None:
        r.append("-")
    out.append(r)
hdr = ["column", "kind", "expected"]
if ev is not None:
    hdr += ["Evidently type/method", "score", "flag"]
if mlv is not None:
    hdr += ["mlv type/test", "statistic"] + (["score"] if show_score else []) + ["flag"]
if ev is not None and mlv is not None:
    hdr.append("mlv - Evidently")
print()
table(hdr, out, left=tuple(i for i, h in enumerate(hdr) if h in ("column", "kind", "Evidently type/method", "mlv type/test")))
if ev is not None:
    print("\nEvidently's defaults (> 1000 reference rows): numerical -> Wasserstein distance / reference std, "
          "categorical -> Jensen-Shannon distance (natural log), drift when >= 0.1. Missing values are dropped first.")


# ---- checks
def check(tool, flagged, reported):
    flagged = set(flagged)
    missed = sorted(want_set - flagged)
    extra = sorted(flagged - want_set)
    absent = sorted(set(order) - set(reported))
    if missed:
        bad.append(f"{tool}: missed the drifted column(s) {', '.join(missed)}")
    if extra:
        bad.append(f"{tool}: flagged unshifted column(s) {', '.join(extra)}")
    if absent:
        bad.append(f"{tool}: no result for column(s) {', '.join(absent)}")
    return not (missed or extra)


print()
if ev is not None:
    ok = check("Evidently", ev.get("drifted", []), (ev.get("columns") or {}).keys())
    ds = ev.get("dataset") or {}
    print("Evidently: flagged %s%s; %s of %s columns drifted (share %s, dataset drift %s)" % (
        ", ".join(ev.get("drifted", [])) or "nothing", "" if ok else "  <-- WRONG",
        ds.get("drifted_columns"), len(ev.get("columns") or {}), ds.get("share"), ds.get("dataset_drift")))
if mlv is not None:
    skipped = sorted(n for n, c in mlv.items() if c.get("skipped"))
    if skipped:
        bad.append("mlv: skipped " + ", ".join("%s (%s)" % (n, mlv[n]["skipped"]) for n in skipped))
    unknown = sorted(n for n, c in mlv.items() if c["drifted"] is None)
    if unknown:
        bad.append("mlv: no drifted true/false for " + ", ".join(unknown))
    flagged = sorted(n for n, c in mlv.items() if c["drifted"])
    ok = check("mlv", flagged, mlv.keys())
    print("mlv:       flagged %s%s" % (", ".join(flagged) or "nothing", "" if ok else "  <-- WRONG"))
    if mlv_ds is not None:
        print("mlv dataset: " + json.dumps(mlv_ds)[:300])
print("expected:  " + ", ".join(sorted(want_set)))
print()
if bad:
    print("checks: FAILED")
    for b in bad:
        print("  - " + b)
    sys.exit(2)
print("checks: ok (every tool flagged exactly the shifted columns)")
EOF
    echo "$prc" >"$W/compare.rc"
} | tee "$W/drift-results.txt"
rc=$(cat "$W/compare.rc")
if [ "$rc" = 0 ] && ((FAILED == 0)); then exit 0; fi
exit 2
