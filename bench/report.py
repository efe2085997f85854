#!/usr/bin/env python3
"""Turn the raw samples of store-bench.sh into a table, target ratios and JSON.

usage: report.py ROWS.tsv META.txt OUT.json

ROWS.tsv: key, case, tool, what, seconds, peak_rss_kib, extra (k=v;k=v;flag), one line per
sample; samples of the same key (RUNS > 1) are reduced to medians.
Exit status 3 if any version switch failed its sha256 check, else 0.
"""
import json
import statistics
import sys

ORDER = [
    "c1.openssl", "c1.cp", "c1.mlv", "c1.mlv-fsync", "c1.dvc-copy", "c1.dvc-hardlink", "c1.lfs",
    "c2.mlv", "c2.dvc-copy", "c2.dvc-hardlink", "c2.lfs",
    "c3.mlv.v1", "c3.mlv.v2", "c3.dvc-copy.v1", "c3.dvc-copy.v2",
    "c3.dvc-hardlink.v1", "c3.dvc-hardlink.v2", "c3.lfs.v1", "c3.lfs.v2",
    "c4.mlv", "c4.dvc-copy", "c4.dvc-hardlink", "c4.lfs",
    "c4s.mlv", "c4s.git-mlv", "c4s.dvc-copy", "c4s.dvc-hardlink", "c4s.git-lfs",
]
CASE_NAMES = {"1": "1 add big", "2": "2 add edited", "3": "3 switch", "4": "4 small files"}


def human(n):
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def main():
    rows_path, meta_path, out_path = sys.argv[1:4]
    meta = {}
    with open(meta_path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    big_size = int(meta.get("big_size") or 0)
    big_mb = int(meta.get("big_mb") or 0)
    big_name = "1GiB" if big_mb == 1024 else f"{big_mb}MiB"
    small_name = f"{int(meta.get('small_n') or 0):,} files"

    groups = {}
    with open(rows_path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 7:
                parts += [""] * (7 - len(parts))
            key, case, tool, what, secs, rss, extra = parts[:7]
            g = groups.setdefault(key, {"key": key, "case": case, "tool": tool, "what": what,
                                        "secs": [], "rss": [], "extra": []})
            if num(secs) is not None:
                g["secs"].append(float(secs))
            if num(rss) is not None:
                g["rss"].append(float(rss))
            g["extra"].append(extra)

    keys = [k for k in ORDER if k in groups] + [k for k in groups if k not in ORDER]
    keys.sort(key=lambda k: (groups[k]["case"], ORDER.index(k) if k in ORDER else 999))

    results = []
    verify_fail = 0
    for k in keys:
        g = groups[k]
        nums, flags, errors, verifies, skipped = {}, set(), [], [], []
        for ex in g["extra"]:
            for item in filter(None, ex.split(";")):
                name, eq, val = item.partition("=")
                if not eq:
                    flags.add(name)
                elif name == "error":
                    errors.append(val)
                elif name == "skipped":
                    skipped.append(val)
                elif name == "verify":
                    verifies.append(val)
                elif num(val) is not None:
                    nums.setdefault(name, []).append(float(val))
        r = {
            "key": k, "case": g["case"], "tool": g["tool"], "what": g["what"],
            "n": len(g["secs"]),
            "seconds": statistics.median(g["secs"]) if g["secs"] else None,
            "seconds_samples": g["secs"],
            "peak_rss_mib": statistics.median(g["rss"]) / 1024 if g["rss"] else None,
        }
        for name, vals in nums.items():
            r[name] = statistics.median(vals)
        if "growth_bytes" in r and big_size:
            r["growth_pct"] = 100.0 * r["growth_bytes"] / big_size
        if verifies:
            bad = sum(v != "ok" for v in verifies)
            r["verify"] = "ok" if not bad else f"FAIL ({bad}/{len(verifies)})"
            verify_fail += bad
        if errors:
            r["error"] = errors[0]
        if skipped:
            r["skipped"] = skipped[0]
        if "hyperfine" in flags:
            r["method"] = "hyperfine median"
        results.append(r)

    by = {r["key"]: r for r in results}

    def secs(key):
        r = by.get(key)
        return r["seconds"] if r and not r.get("error") else None

    def ratio(a, b):
        return a / b if a is not None and b else None

    def switch(tool):
        a, b = secs(f"c3.{tool}.v1"), secs(f"c3.{tool}.v2")
        return a + b if a is not None and b is not None else None

    def growth(tool):
        r = by.get(f"c2.{tool}")
        return r.get("growth_pct") if r and not r.get("error") else None

    T = []  # (name, value, op, target or None, official, unit)

    def target(name, value, op=None, goal=None, official=True, unit="x", wrong=False):
        status = "n/a"
        if wrong:
            status = "FAIL (wrong content)"
        elif value is not None and goal is not None:
            ok = value <= goal if op == "<=" else value >= goal
            status = "PASS" if ok else "FAIL"
        elif value is not None:
            status = "info"
        if value is not None and goal is not None and not official:
            status += " (info)"
        T.append({"name": name, "value": value, "op": op, "target": goal,
                  "official": official and goal is not None, "status": status, "unit": unit})

    target(f"mlv add {big_name} / openssl dgst -sha256", ratio(secs("c1.mlv"), secs("c1.openssl")), "<=", 1.0)
    target(f"mlv add {big_name} / cp", ratio(secs("c1.mlv"), secs("c1.cp")), official=False)
    target(f"dvc add {big_name} (copy) / mlv add", ratio(secs("c1.dvc-copy"), secs("c1.mlv")), ">=", 3)
    target(f"dvc add {big_name} (hardlink) / mlv add", ratio(secs("c1.dvc-hardlink"), secs("c1.mlv")), ">=", 3, official=False)
    target(f"git-lfs add+commit {big_name} / mlv add", ratio(secs("c1.lfs"), secs("c1.mlv")), official=False)
    target("mlv add with core.fsync=true / without", ratio(secs("c1.mlv-fsync"), secs("c1.mlv")), official=False)
    target("mlv store growth, edited version (% of file)", growth("mlv"), "<=", 2.0, unit="%")
    target("dvc (copy) store growth (% of file)", growth("dvc-copy"), official=False, unit="%")
    target("dvc (hardlink) store growth (% of file)", growth("dvc-hardlink"), official=False, unit="%")
    target("git-lfs store growth (% of file)", growth("lfs"), official=False, unit="%")
    target(f"dvc add small (copy) / mlv add small ({small_name})", ratio(secs("c4.dvc-copy"), secs("c4.mlv")), ">=", 8)
    target("dvc add small (hardlink) / mlv add small", ratio(secs("c4.dvc-hardlink"), secs("c4.mlv")), ">=", 8, official=False)
    target("git-lfs add+commit small / mlv add small", ratio(secs("c4.lfs"), secs("c4.mlv")), official=False)
    target("mlv status / git status (same mlv repo)", ratio(secs("c4s.mlv"), secs("c4s.git-mlv")), "<=", 2.0)
    target(f"mlv status / git status (lfs repo, {small_name} tracked by git)",
           ratio(secs("c4s.mlv"), secs("c4s.git-lfs")), "<=", 2.0, official=False)
    target("dvc status (copy) / mlv status", ratio(secs("c4s.dvc-copy"), secs("c4s.mlv")), official=False)
    mlv_wrong = any(by.get(f"c3.mlv.{v}", {}).get("verify", "ok") != "ok" for v in ("v1", "v2"))
    target("mlv switch v2->v1->v2 / dvc (hardlink) switch", ratio(switch("mlv"), switch("dvc-hardlink")), "<=", 1.0,
           wrong=mlv_wrong)
    target("mlv switch / dvc (copy) switch", ratio(switch("mlv"), switch("dvc-copy")), official=False)
    target("mlv switch / git-lfs switch", ratio(switch("mlv"), switch("lfs")), official=False)

    # ------------------------------------------------------------ print
    out = []
    p = out.append
    p(f"mlv store benchmark: big file {big_name} ({big_size:,} B), small: {small_name}, "
      f"runs={meta.get('runs')} (median shown)")
    p(f"machine: {meta.get('cpu')}, {meta.get('cores')} cores, {meta.get('mem_gib')} GiB, fs {meta.get('fs')}, {meta.get('kernel')}")
    p(f"tools: mlv {meta.get('mlv_version')} | dvc {meta.get('dvc_version')} | {meta.get('git_version')} | "
      f"{meta.get('git_lfs_version')} | {meta.get('openssl_version')}")
    p("")
    hdr = f"{'case':<14} {'tool':<15} {'what':<46} {'seconds':>9} {'RSS MiB':>8}  extra"
    p(hdr)
    p("-" * (len(hdr) + 30))
    for r in results:
        extra = []
        if r.get("skipped"):
            extra.append(f"SKIPPED: {r['skipped']}")
        if r.get("error"):
            extra.append(f"ERROR: {r['error']}")
        if "store_bytes" in r:
            extra.append(f"store {human(r['store_bytes'])}")
        if "growth_bytes" in r:
            extra.append(f"growth {human(r['growth_bytes'])} = {r.get('growth_pct', 0):.2f} %")
        if "verify" in r:
            extra.append(f"sha256 {r['verify']}")
        if r.get("method"):
            extra.append(f"{r['method']}, stddev {r.get('stddev', 0):.4f}")
        s = f"{r['seconds']:.3f}" if r["seconds"] is not None else "-"
        m = f"{r['peak_rss_mib']:.1f}" if r["peak_rss_mib"] is not None else "-"
        p(f"{CASE_NAMES.get(r['case'], r['case']):<14} {r['tool']:<15} {r['what'][:46]:<46} {s:>9} {m:>8}  {'; '.join(extra)}")
    p("")
    p("targets (ratios of median wall times; switch = both directions added):")
    for t in T:
        if t["value"] is None:
            v = "n/a"
        elif t["unit"] == "%":
            v = f"{t['value']:.2f} %"
        else:
            v = f"{t['value']:.2f}x"
        goal = f"{t['op']} {t['target']}{' %' if t['unit'] == '%' else ''}" if t["target"] is not None else ""
        p(f"  {t['name']:<62} {v:>10}  {goal:<9} {t['status']}")
    official = [t for t in T if t["official"]]
    passed = sum(t["status"] == "PASS" for t in official)
    measured = sum(t["status"].startswith(("PASS", "FAIL")) for t in official)
    p(f"official targets: {passed}/{len(official)} PASS ({measured} measured)")
    if verify_fail:
        p(f"CORRECTNESS: {verify_fail} version switch(es) produced the wrong content (sha256 mismatch)")
    else:
        p("correctness: every version switch checked by sha256: ok")
    print("\n".join(out))

    with open(out_path + ".tmp", "w") as f:
        json.dump({"meta": meta, "rows": results, "targets": T,
                   "official_passed": passed, "official_total": len(official),
                   "verify_failures": verify_fail}, f, indent=1)
    import os
    os.replace(out_path + ".tmp", out_path)
    return 3 if verify_fail else 0


if __name__ == "__main__":
    sys.exit(main())
