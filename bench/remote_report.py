#!/usr/bin/env python3
"""Tables, ratios and targets for bench/remote-bench.sh.

usage: remote_report.py ROWS.tsv META.txt OUT.json
Prints the tables on stdout and writes the same figures (plus every raw row) to OUT.json.
The last line of stdout is `summary: {...}`, a compact JSON object with the headline figures.
MB = 10^6 bytes.
"""
import json
import sys

COLS = ["key", "bench", "tool", "what", "status", "secs", "rss_kb", "xfer_bytes", "xfer_objects",
        "present_objects", "bucket_bytes", "bucket_objects", "server_cpu_pct", "busy_pct", "note"]
TARGET_CONTIG_PCT = 3.0
TARGET_SMALL_RATIO = 5.0


def num(v):
    if v in (None, ""):
        return None
    try:
        f = float(v)
    except ValueError:
        return None
    return int(f) if f.is_integer() and "." not in str(v) else f


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            parts += [""] * (len(COLS) - len(parts))
            r = dict(zip(COLS, parts))
            for k in COLS[5:14]:
                r[k] = num(r[k])
            rows[r["key"]] = r
    return rows


def meta(path):
    m = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            m[k] = v
    return m


def fmt(v, spec=".2f", unit=""):
    return "—" if v is None else f"{v:{spec}}{unit}"


def mbs(nbytes, secs):
    return None if not nbytes or not secs else nbytes / secs / 1e6


def table(head, body):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in body]
    return "\n".join(out)


def ok(r):
    return r is not None and r["status"] == "ok" and r["secs"] is not None


def main():
    rows_path, meta_path, out_path = sys.argv[1:4]
    rows, m = load(rows_path), meta(meta_path)
    size = int(m["size"])
    small_n, small_bytes = int(m["small_files"]), int(m["small_bytes"])
    mlv_skip = m.get("mlv_skip", "")
    out, summary, targets = [], {}, []
    p = out.append

    p(f"# mlv remote benchmark ({m['date']})")
    p("")
    p(f"Server: moto {m['moto_version']} ({m['endpoint']}), one fresh bucket per tool and configuration. "
      f"MB = 10^6 bytes; MiB = 2^20.")
    p(f"mlv: {('SKIPPED: ' + mlv_skip) if mlv_skip else (m['mlv'] + ' (' + (m['mlv_version'] or 'version unknown') + ')')}; "
      f"mlv push/pull jobs: {m['mlv_jobs']}.")
    p(f"DVC: {m['dvc_version']} with dvc-s3 {m['dvc_s3_version']}.")
    p(f"Machine: {m['cores']} cores, {m['mem_gib']} GiB, load average at the end {m['loadavg_end']}"
      + (f"; WARNING: a build was running at the start ({m['build_running']})" if m.get("build_running") else "") + ".")
    busy = [r["key"] for r in rows.values() if r["busy_pct"] is not None and "machine busy" in r["note"]]
    if busy:
        p(f"WARNING: rows marked busy (other processes used CPU during them): {', '.join(busy)}")
    p("")

    # ---------------------------------------------------------------- raw
    # rows in run order: 1 MiB PUT, GET, then small PUT, GET
    raw = [r for r in rows.values() if r["bench"] == "raw"]
    if raw:
        p(f"## Server ceiling: raw HTTP requests (no signing), {m['raw_threads']} threads, keep-alive")
        p("")
        body = []
        for r in raw:
            kind, sz = r["key"].split(".")[1].upper(), int(r["key"].split(".")[2])
            if not ok(r):
                body.append([f"{kind} {sz:,} B", "error", "", "", "", r["note"]])
                continue
            body.append([f"{kind} {sz:,} B", f"{r['xfer_objects']:,}", fmt(r["secs"]),
                         fmt(mbs(r["xfer_bytes"], r["secs"]), ".1f"), fmt(r["xfer_objects"] / r["secs"], ".0f"),
                         fmt(r["server_cpu_pct"], ".0f", " %")])
            summary[f"raw_{kind.lower()}_{sz}"] = {"mb_s": round(mbs(r["xfer_bytes"], r["secs"]) or 0, 1),
                                                   "obj_s": round(r["xfer_objects"] / r["secs"], 1)}
        p(table(["request", "objects", "seconds", "MB/s", "objects/s", "server CPU (PUT+GET)"], body))
        p("")

    # ---------------------------------------------------------------- 1 big file
    def row(bench_key, tool):
        return rows.get(f"{bench_key}.{tool}")

    big_keys = [k for k in ("b1.push", "b1.pull") if row(k, "mlv") or row(k, "dvc")]
    if big_keys or mlv_skip:
        p(f"## 1. One {int(m['size_mb']):,} MiB file ({size / 1e6:,.1f} MB of random bytes)")
        p("")
        body = []
        for k in ("b1.push", "b1.pull"):
            for t in ("mlv", "dvc"):
                r = row(k, t)
                step = "push" if k.endswith("push") else "pull (fresh copy)"
                if r is None:
                    if t == "mlv" and mlv_skip and (row(k, "dvc") is not None):
                        body.append([step, t, "SKIPPED", "", "", "", "", mlv_skip])
                    continue
                if not ok(r):
                    body.append([step, t, "error", "", "", "", "", r["note"]])
                    continue
                moved = r["xfer_bytes"]
                body.append([step, t, fmt(r["secs"]), fmt(mbs(size, r["secs"]), ".1f"),
                             "—" if moved is None else f"{moved:,}",
                             "—" if r["xfer_objects"] in (None, "") else f"{r['xfer_objects']:,}",
                             fmt(r["server_cpu_pct"], ".0f", " %"), r["note"]])
        p(table(["step", "tool", "seconds", "MB/s", "bytes sent / received", "objects", "server CPU", "note"], body))
        p("")
        big = {}
        for k, name in (("b1.push", "push"), ("b1.pull", "pull")):
            a, b = row(k, "mlv"), row(k, "dvc")
            d = {}
            for t, r in (("mlv", a), ("dvc", b)):
                if ok(r):
                    d[t] = {"seconds": r["secs"], "mb_s": round(mbs(size, r["secs"]), 1),
                            "bytes": r["xfer_bytes"], "objects": r["xfer_objects"]}
            if ok(a) and ok(b):
                d["dvc_over_mlv"] = round(b["secs"] / a["secs"], 2)
                p(f"* {name}: DVC / mlv time = **{d['dvc_over_mlv']:.2f}×** "
                  f"({'mlv faster' if d['dvc_over_mlv'] > 1 else 'DVC faster'})")
            big[name] = d
        summary["big"] = big
        if out[-1] != "":
            p("")

    # ---------------------------------------------------------------- 2 edits
    edits = [v for v in ("contig", "scatter") if row(f"b2.{v}", "mlv") or row(f"b2.{v}", "dvc")]
    if edits:
        p("## 2. Push after a 1 % edit (on top of the pushed original)")
        p("")
        p("contig: one contiguous region of size/100 bytes in the middle overwritten; scatter: 100 "
          "overwrites of size/10,000 bytes, one in each hundredth. mlv's bytes: bytes_sent from "
          "`mlv push --json`; DVC's: growth of its bucket.")
        p("")
        body, ed = [], {}
        for v in edits:
            ed[v] = {}
            for t in ("mlv", "dvc"):
                r = row(f"b2.{v}", t)
                if r is None:
                    if t == "mlv" and mlv_skip:
                        body.append([v, t, "SKIPPED", "", "", "", "", mlv_skip])
                    continue
                if not ok(r):
                    body.append([v, t, "error", "", "", "", "", r["note"]])
                    continue
                pct = 100 * r["xfer_bytes"] / size if r["xfer_bytes"] is not None else None
                ed[v][t] = {"seconds": r["secs"], "bytes_sent": r["xfer_bytes"], "pct_of_file": pct and round(pct, 3),
                            "objects_sent": r["xfer_objects"], "bucket_growth": r["bucket_bytes"]}
                body.append([v, t, fmt(r["secs"]), "—" if r["xfer_bytes"] is None else f"{r['xfer_bytes']:,}",
                             fmt(pct, ".2f", " %"), "—" if r["xfer_objects"] in (None, "") else f"{r['xfer_objects']:,}",
                             f"{r['bucket_bytes']:,}" if r["bucket_bytes"] is not None else "—", r["note"]])
            a, b = ed[v].get("mlv"), ed[v].get("dvc")
            if a and b and a["bytes_sent"]:
                ed[v]["dvc_over_mlv_bytes"] = round(b["bytes_sent"] / a["bytes_sent"], 1)
        p(table(["edit", "tool", "seconds", "bytes sent", "% of file", "objects", "bucket growth", "note"], body))
        p("")
        summary["edit"] = ed

    # ---------------------------------------------------------------- 3 small files
    small = [r for r in rows.values() if r["bench"] == "small"]  # run order
    if small or (mlv_skip and "small" in m.get("benches", "")):
        p(f"## 3. {small_n:,} small files ({m['small_min']}–{m['small_max']} bytes, {small_bytes / 1e6:.1f} MB), one directory")
        p("")
        body = []
        mlv_r = rows.get("b3.push.mlv")
        if mlv_r is None and mlv_skip:
            body.append(["mlv push", "SKIPPED", "", "", "", mlv_skip])
        dvc_rows = [r for r in small if r["tool"] == "dvc"]
        for r in ([mlv_r] if mlv_r else []) + dvc_rows:
            label = f"{r['tool']} {r['what']}"
            if not ok(r):
                body.append([label, "error", "", "", "", r["note"]])
                continue
            body.append([label, fmt(r["secs"]), fmt(small_n / r["secs"], ".0f"),
                         f"{r['bucket_objects']:,}", fmt(r["server_cpu_pct"], ".0f", " %"), r["note"]])
        p(table(["command", "seconds", "files/s", "objects added to the bucket", "server CPU", "note"], body))
        p("")
        s = {}
        good = [r for r in dvc_rows if ok(r)]
        best = min(good, key=lambda r: r["secs"]) if good else None
        for r in good:
            s[r["key"].split(".", 2)[2]] = {"seconds": r["secs"], "files_s": round(small_n / r["secs"], 1)}
        if ok(mlv_r):
            s["mlv"] = {"seconds": mlv_r["secs"], "files_s": round(small_n / mlv_r["secs"], 1)}
        if best is not None:
            s["dvc_best"] = best["what"]
            p(f"* DVC's strongest configuration here: `{best['what']}` ({best['secs']:.2f} s)")
            if ok(mlv_r):
                s["dvc_best_over_mlv"] = round(best["secs"] / mlv_r["secs"], 2)
                p(f"* DVC (strongest) / mlv time = **{s['dvc_best_over_mlv']:.2f}×**")
        p("")
        summary["small"] = s

    # ---------------------------------------------------------------- targets
    def verdict(ok_):
        return "PASS" if ok_ else "FAIL"

    c = summary.get("edit", {}).get("contig", {})
    if "contig" in edits:
        if "mlv" in c and c["mlv"]["pct_of_file"] is not None:
            targets.append(["mlv bytes sent after the contiguous 1 % edit", f"{c['mlv']['pct_of_file']:.2f} %",
                            f"≤ {TARGET_CONTIG_PCT:g} %", verdict(c["mlv"]["pct_of_file"] <= TARGET_CONTIG_PCT),
                            f"DVC: {c['dvc']['pct_of_file']:.1f} %" if "dvc" in c else ""])
        else:
            targets.append(["mlv bytes sent after the contiguous 1 % edit", "—", f"≤ {TARGET_CONTIG_PCT:g} %",
                            "SKIPPED" if mlv_skip else "ERROR",
                            f"DVC: {c['dvc']['pct_of_file']:.1f} %" if "dvc" in c else ""])
    s = summary.get("small")
    if s is not None:
        if "dvc_best_over_mlv" in s:
            targets.append([f"DVC (strongest) / mlv push time, {small_n:,} small files", f"{s['dvc_best_over_mlv']:.2f}×",
                            f"≥ {TARGET_SMALL_RATIO:g}×", verdict(s["dvc_best_over_mlv"] >= TARGET_SMALL_RATIO),
                            f"DVC reference: {s.get('dvc_best', '')}"])
        else:
            targets.append([f"DVC (strongest) / mlv push time, {small_n:,} small files", "—",
                            f"≥ {TARGET_SMALL_RATIO:g}×", "SKIPPED" if mlv_skip else "ERROR", ""])
    if targets:
        p("## Targets")
        p("")
        p(table(["target", "measured", "limit", "verdict", "for reference"], targets))
        p("")

    doc = {"meta": m, "summary": summary,
           "targets": [dict(zip(["target", "measured", "limit", "verdict", "reference"], t)) for t in targets],
           "rows": list(rows.values())}
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1)
    p("summary: " + json.dumps({"size_mb": int(m["size_mb"]), "small_files": small_n, **summary,
                                "targets": {t[0]: t[3] for t in targets}}, separators=(",", ":")))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
