#!/usr/bin/env python3
"""serve_report.py ROWS_TSV EXPECTED_JSON RESULTS_JSON: the table and the targets of serve-bench.sh.

ROWS_TSV has one line per server run: scenario, server, variant, status (ok / error / skipped),
wrk output file, seconds to ready, answer check ("ok: ..." or "bad: ..."), shutdown ("" or
"bad: ..."), note. Each wrk output is parsed from its text
(`wrk --latency`: "Requests/sec:", the "99%" line of "Latency Distribution", "Non-2xx or 3xx
responses:", "Socket errors:"); the "SERVE_SUMMARY {json}" line of serve_post.lua is kept beside
it in RESULTS_JSON. The table goes to stdout. Settings come from SB_* environment variables.
Exit status 0 (targets that FAIL included); 2 when a run failed, had errors or wrong answers.
"""
import json
import os
import re
import sys

SCENARIOS = {
    "lr1": ("LR, 1 row", "lr", 1),
    "rf1": ("RF-100, 1 row", "rf", 1),
    "lr100": ("LR, 100-row batch", "lr", 100),
}
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}
TARGETS = [  # (what, key, limit, kind) for scenario lr1
    ("mlv req/s >= 10x FastAPI's", "vs_fastapi", 10.0, "min"),
    ("mlv req/s >= 40x MLflow's", "vs_mlflow", 40.0, "min"),
    ("mlv p99 <= 5 ms", "p99_ms", 5.0, "max"),
]


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError("unknown latency %r" % text)
    return float(m.group(1)) * UNIT_MS[m.group(2)]


def parse_wrk(path):
    """requests/s, p50/p99 ms, requests, non-2xx, socket errors from wrk's text, plus SERVE_SUMMARY."""
    text = open(path, encoding="utf-8", errors="replace").read()
    r = {"non2xx": 0, "socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0}}
    m = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
    if not m:
        raise ValueError("no 'Requests/sec:' line")
    r["rps"] = float(m.group(1))
    dist = text.split("Latency Distribution", 1)
    if len(dist) != 2:
        raise ValueError("no 'Latency Distribution' (was --latency passed?)")
    for pct in ("50", "75", "90", "99"):
        m = re.search(r"^\s+%s%%\s+([0-9.]+(?:us|ms|s|m|h))\s*$" % pct, dist[1], re.M)
        if not m:
            raise ValueError("no %s%% line" % pct)
        r["p%s_ms" % pct] = to_ms(m.group(1))
    m = re.search(r"^\s+Latency\s+([0-9.]+(?:us|ms|s|m|h))\s+([0-9.]+(?:us|ms|s|m|h))\s+([0-9.]+(?:us|ms|s|m|h))", text, re.M)
    if m:
        r["mean_ms"], r["max_ms"] = to_ms(m.group(1)), to_ms(m.group(3))
    m = re.search(r"^\s+(\d+) requests in ([0-9.]+)(us|ms|s|m|h)", text, re.M)
    if m:
        r["requests"], r["seconds"] = int(m.group(1)), to_ms(m.group(2) + m.group(3)) / 1000
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        r["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups())))
    m = re.search(r"^SERVE_SUMMARY (\{.*\})\s*$", text, re.M)
    if m:
        r["lua_summary"] = json.loads(m.group(1))
    return r


def fmt_rate(v):
    return "-" if v is None else ("%.0f" % v if v >= 100 else "%.1f" % v)


def fmt_ms(v):
    return "-" if v is None else ("%.0f" % v if v >= 100 else "%.2f" % v if v < 10 else "%.1f" % v)


def fmt_x(v):
    return "-" if v is None else ("%.2fx" % v if v < 1 else "%.1fx" % v if v < 100 else "%.0fx" % v)


def table(hdr, rows, left=(0, 1)):
    w = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
    for r in [hdr, ["-" * x for x in w]] + rows:
        print("  ".join(str(c).ljust(w[i]) if i in left else str(c).rjust(w[i]) for i, c in enumerate(r)).rstrip())


def main():
    rows_tsv, expected_path, out_json = sys.argv[1:4]
    env = os.environ
    expected = json.load(open(expected_path))
    runs, bad = [], []
    for line in open(rows_tsv, encoding="utf-8"):
        if not line.strip():
            continue
        scen, server, variant, status, wrk_file, ready_s, check, stop, note = (line.rstrip("\n").split("\t") + [""] * 9)[:9]
        run = {"scenario": scen, "server": server, "variant": variant, "status": status,
               "ready_seconds": float(ready_s) if ready_s else None, "check": check, "stop": stop, "note": note,
               "wrk_output": wrk_file or None}
        if stop.startswith("bad:"):
            bad.append("%s %s: shutdown: %s" % (scen, variant, stop[4:].strip()))
        if status == "ok":
            try:
                run.update(parse_wrk(wrk_file))
            except (OSError, ValueError) as e:
                run["status"], run["note"] = "error", ("cannot parse wrk output: %s; " % e) + note
        if run["status"] == "ok":
            se = sum(run["socket_errors"].values())
            problems = []
            if run["non2xx"]:
                problems.append("%d non-2xx" % run["non2xx"])
            if se:
                problems.append("socket errors " + ", ".join("%s %d" % kv for kv in run["socket_errors"].items() if kv[1]))
            if check and not check.startswith("ok:"):
                problems.append("answer check: " + check)
            run["errors"] = problems
            run["rows_per_s"] = run["rps"] * SCENARIOS.get(scen, ("", "", 1))[2]
            if problems:
                bad.append("%s %s: %s" % (scen, variant, "; ".join(problems)))
        elif run["status"] == "error":
            bad.append("%s %s: %s" % (scen, variant, run["note"]))
        runs.append(run)

    def clean(r):
        return r["status"] == "ok" and not r["errors"]

    # references per scenario: the best MLflow and the best FastAPI row (error-free runs first)
    refs = {}
    for scen in SCENARIOS:
        rs = [r for r in runs if r["scenario"] == scen and r["status"] == "ok"]
        refs[scen] = {}
        for k in ("mlflow", "fastapi"):
            cand = sorted((r for r in rs if r["server"] == k), key=lambda r: (clean(r), r["rps"]), reverse=True)
            refs[scen][k] = cand[0] if cand else None
            if len(cand) > 1:
                cand[0]["best"] = True
    for r in runs:
        if r["status"] != "ok":
            continue
        for k in ("mlflow", "fastapi"):
            ref = refs[r["scenario"]][k]
            r["vs_" + k] = r["rps"] / ref["rps"] if ref and ref is not r and ref["rps"] > 0 else None

    # ---- header
    v = expected.get("versions", {})
    print("serve-bench: %s -t%s -c%s -d%ss --latency (warm-up %s s before each), POST /invocations, "
          "dataframe_split JSON (1 row: %s bytes, 100 rows: %s bytes)" % (
              env.get("SB_WRK_VERSION") or "wrk", env.get("SB_THREADS"), env.get("SB_CONNECTIONS"), env.get("SB_DURATION"), env.get("SB_WARMUP"),
              expected.get("body_bytes", {}).get("1"), expected.get("body_bytes", {}).get("100")))
    print("models: seed %s; lr %s (test acc %.3f); rf %s (test acc %.3f)" % (
        expected.get("seed"), expected["models"]["lr"]["estimator"], expected["models"]["lr"]["test_accuracy"],
        expected["models"]["rf"]["estimator"], expected["models"]["rf"]["test_accuracy"]))
    print("python %s: scikit-learn %s, mlflow %s, fastapi %s, uvicorn %s, numpy %s, pandas %s" % (
        v.get("python"), v.get("scikit-learn"), v.get("mlflow"), env.get("SB_FASTAPI_VERSION", "?"),
        env.get("SB_UVICORN_VERSION", "?"), v.get("numpy"), v.get("pandas")))
    print("servers: %s" % env.get("SB_SERVERS_NOTE", ""))
    print("mlv: %s" % env.get("SB_MLV_NOTE", ""))
    print("machine: %s; wrk runs on the same cores as the servers" % env.get("SB_MACHINE", ""))
    print()

    # ---- table
    out = []
    for r in runs:
        label = r["variant"] + (" (best)" if r.get("best") else "")
        scen = SCENARIOS.get(r["scenario"], (r["scenario"],))[0]
        if r["status"] != "ok":
            out.append([scen, label, r["status"].upper(), "-", "-", "-", "-", "-", "-", "-", r["note"][:110]])
            continue
        se = sum(r["socket_errors"].values())
        flag = ("ERRORS: " + "; ".join(r["errors"]))[:110] if r["errors"] else ""
        note = flag or (("ready in %.1f s" % r["ready_seconds"]) if r["ready_seconds"] is not None else "")
        if r["note"]:
            note += "; " + r["note"]
        if r["stop"].startswith("bad:"):
            note += "; SHUTDOWN: " + r["stop"][4:].strip()
        out.append([scen, label, fmt_rate(r["rps"]),
                    fmt_rate(r["rows_per_s"]) if SCENARIOS.get(r["scenario"], ("", "", 1))[2] > 1 else "-",
                    fmt_ms(r.get("p50_ms")), fmt_ms(r["p99_ms"]), str(r["non2xx"]), str(se),
                    fmt_x(r["vs_mlflow"]), fmt_x(r["vs_fastapi"]), note])
    table(["scenario", "server", "req/s", "rows/s", "p50 ms", "p99 ms", "non-2xx", "sock err",
           "vs mlflow", "vs fastapi", "note"], out, left=(0, 1, 10))
    print("\nvs mlflow / vs fastapi: req/s over the best MLflow row's and the best FastAPI row's in the same scenario.")
    busy = [r for r in runs if "machine busy" in r["note"]]
    if busy:
        print("WARNING: during %d of %d runs other processes used the CPU (see the notes): those figures are "
              "low and noisy; rerun on a quiet machine." % (len(busy), sum(r["status"] != "skipped" for r in runs)))

    # ---- targets (scenario lr1)
    targets = []
    mlv = next((r for r in runs if r["scenario"] == "lr1" and r["server"] == "mlv"), None)
    for what, key, limit, kind in TARGETS:
        t = {"target": what, "limit": limit, "measured": None, "verdict": "SKIPPED"}
        if mlv is None:
            t["why"] = "scenario lr1 / server mlv not run"
        elif mlv["status"] != "ok":
            t["why"] = "mlv: " + mlv["status"] + (": " + mlv["note"] if mlv["note"] else "")
            t["verdict"] = "SKIPPED" if mlv["status"] == "skipped" else "FAIL"
        elif mlv.get(key) is None:
            t["why"] = "no %s row in scenario lr1" % key.replace("vs_", "")
        else:
            t["measured"] = mlv[key]
            ok = mlv[key] >= limit if kind == "min" else mlv[key] <= limit
            if mlv["errors"]:
                t["verdict"], t["why"] = "FAIL", "the mlv run had errors: " + "; ".join(mlv["errors"])
            else:
                ref = refs["lr1"][key.replace("vs_", "")] if key.startswith("vs_") else None
                if ref is not None and ref["errors"]:
                    t["why"] = "the %s run had errors" % ref["server"]
                t["verdict"] = "PASS" if ok else "FAIL"
        targets.append(t)
    print("\ntargets (scenario 'LR, 1 row'):")
    table(["target", "measured", "verdict", "note"],
          [[t["target"], "-" if t["measured"] is None else (fmt_ms(t["measured"]) + " ms" if t["target"].endswith("ms")
                                                             else fmt_x(t["measured"])),
            t["verdict"], t.get("why", "")[:120]] for t in targets], left=(0, 3))
    if bad:
        print("\nproblems:")
        for b in bad:
            print("  - " + b)

    res = {
        "settings": {k[3:].lower(): v for k, v in env.items() if k.startswith("SB_")},
        "models": expected,
        "runs": runs,
        "targets": targets,
        "problems": bad,
    }
    with open(out_json, "w") as f:
        json.dump(res, f, indent=1)
    return 2 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
