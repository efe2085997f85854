#!/usr/bin/env python3
"""Evidently's DataDriftPreset on two CSV files, the peer of `mlv drift` in drift-bench.sh.

  evidently_drift.py REF CUR [--json OUT]

Loads both files with pandas.read_csv (default options), runs
Report([DataDriftPreset()], include_tests=True).run(current_data=CUR, reference_data=REF) with
Evidently's defaults (column types inferred from the current data; for more than 1000 reference
rows: Wasserstein distance normed by the reference std for numerical columns, Jensen-Shannon
distance for categorical ones, threshold 0.1), and prints one JSON document (also written to OUT
with --json):

  {"drifted": [sorted names of the columns whose drift test failed],
   "columns": {name: {"type": "num"|"cat"|"text", "method": "Wasserstein distance (normed)",
                      "score": 0.301, "threshold": 0.1, "drifted": true}, ...},
   "not_tested": [columns DataDriftPreset left out, e.g. datetime or unknown types],
   "dataset": {"drifted_columns": 7, "share": 0.35, "drift_share": 0.5, "dataset_drift": false},
   "rows": {"reference": N, "current": N},
   "seconds": total (imports + CSV load + report), "import_seconds", "load_seconds", "report_seconds",
   "evidently": "0.7.23", "pandas": "2.3.3"}

Where Evidently 0.7 exposes the figures: snapshot.dict()["metrics"] has one ValueDrift entry per
column, with config {"column", "method" (the display name of the test picked), "threshold"} and
"value" (the drift score); snapshot.dict()["tests"] (only with include_tests=True) has one
"Value Drift for column X" test per column whose status is FAIL when drift was detected, and one
test on DriftedColumnsCount's share. Without the tests, "drifted" falls back to
score >= threshold for distances, score < threshold for p-value tests.
"""
import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

# p-value tests (drift when the p-value is below the threshold); every other method is a distance
P_VALUE_METHODS = ("K-S p_value", "chi-square p_value", "Z-test p_value", "Fisher's Exact test",
                   "Anderson-Darling", "Cramer-von-Mises", "Epps-Singleton", "Mann-Whitney U-rank test",
                   "T-Test", "Empirical_MMD", "g_test")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("reference")
    ap.add_argument("current")
    ap.add_argument("--json", metavar="OUT", help="also write the JSON document to OUT")
    a = ap.parse_args()

    import warnings
    warnings.filterwarnings("ignore")
    import pandas as pd
    import evidently
    from evidently import Dataset, Report
    from evidently.presets import DataDriftPreset
    t_import = time.perf_counter()

    ref_df = pd.read_csv(a.reference)
    cur_df = pd.read_csv(a.current)
    t_load = time.perf_counter()

    # Dataset.from_pandas(df) is what Report.run does with a DataFrame; done here to keep the
    # inferred data definition (the report uses the current data's).
    cur = Dataset.from_pandas(cur_df)
    ref = Dataset.from_pandas(ref_df)
    snapshot = Report([DataDriftPreset()], include_tests=True).run(current_data=cur, reference_data=ref)
    snap = snapshot.dict()
    t_report = time.perf_counter()

    dd = cur.data_definition
    types = {}
    for kind, names in (("num", dd.get_numerical_columns()), ("cat", dd.get_categorical_columns()),
                        ("text", dd.get_text_columns())):
        for n in names:
            types[n] = kind

    status = {}  # column -> drifted, from the tests
    share_test = None
    for t in snap.get("tests") or []:
        params = (t.get("metric_config") or {}).get("params") or {}
        if params.get("type", "").endswith(":ValueDrift") and "column" in params:
            status[params["column"]] = t.get("status") == "FAIL"
        elif params.get("type", "").endswith(":DriftedColumnsCount"):
            share_test = t.get("status")

    columns, dataset = {}, {}
    for m in snap.get("metrics") or []:
        cfg = m.get("config") or {}
        typ = cfg.get("type", "")
        if typ.endswith(":ValueDrift"):
            name, method, thr, score = cfg.get("column"), cfg.get("method"), cfg.get("threshold"), m.get("value")
            if name in status:
                drifted = status[name]
            elif method in P_VALUE_METHODS:
                drifted = score is not None and thr is not None and score < thr
            else:
                drifted = score is not None and thr is not None and score >= thr
            columns[name] = {"type": types.get(name, "?"), "method": method, "score": score,
                             "threshold": thr, "drifted": bool(drifted)}
        elif typ.endswith(":DriftedColumnsCount"):
            v = m.get("value") or {}
            share = cfg.get("drift_share", 0.5)
            dataset = {"drifted_columns": int(v.get("count", 0)), "share": v.get("share"),
                       "drift_share": share,
                       "dataset_drift": (share_test == "FAIL") if share_test else
                       (v.get("share") is not None and v["share"] >= share)}

    t_end = time.perf_counter()
    out = {
        "drifted": sorted(n for n, c in columns.items() if c["drifted"]),
        "columns": {n: columns[n] for n in cur_df.columns if n in columns},
        "not_tested": [n for n in cur_df.columns if n not in columns],
        "dataset": dataset,
        "rows": {"reference": len(ref_df), "current": len(cur_df)},
        "seconds": round(t_end - T0, 3),
        "import_seconds": round(t_import - T0, 3),
        "load_seconds": round(t_load - t_import, 3),
        "report_seconds": round(t_report - t_load, 3),
        "evidently": evidently.__version__,
        "pandas": pd.__version__,
    }
    text = json.dumps(out, indent=1)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
