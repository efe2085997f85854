#!/usr/bin/env python3
"""Data for drift-bench.sh: a reference and a current CSV with a known set of drifted columns.

  drift_gen.py [ROWS] OUTDIR [--seed S]

Writes OUTDIR/reference.csv and OUTDIR/current.csv (ROWS data rows each, default 1,000,000,
header line, 20 columns, comma-separated, no quoting needed) and OUTDIR/expected.json (the
columns that were shifted in current.csv, the column kinds, the parameters).

Column types are chosen to be unambiguous under Evidently 0.7's inference
(evidently/core/datasets.py infer_column_type): float dtype -> numerical; int dtype ->
categorical when it has <= 10 distinct values, else numerical; strings -> categorical (a few
categories, far below the "text" limit of 0.5 x row count).

  10 floats (fixed decimals, always with a decimal point, so pandas reads float64):
     amount       lognormal(3, 0.6), 2 decimals          SHIFT: + 0.3 reference std
     score        normal(0.5, 0.15), 4 decimals          ~1 % empty fields (missing)
     temperature  normal(20, 5), 2 decimals              SHIFT: + 0.3 reference std
     latency_ms   exponential(120), 1 decimal
     ratio        uniform(0, 1), 4 decimals              ~0.3 % empty fields (missing)
     pressure     normal(1013, 8), 2 decimals            SHIFT: variance x 1.8 (std x 1.342)
     weight       gamma(4, 5), 2 decimals
     balance      normal(1000, 300), 2 decimals
     duration     lognormal(1, 0.5), 3 decimals
     humidity     100 x beta(2, 5), 1 decimal
  2 integers with many values (numerical):
     age          uniform 18..90
     clicks       poisson(60)                            SHIFT: + 3 (0.39 std)
  2 small integers (<= 10 values, categorical for Evidently):
     rating       1..5, skewed                           SHIFT: frequencies change
     priority     0..9, skewed
  6 strings (categorical, skewed frequencies):
     plan (3), device (6), channel (5), color (8), region (12), country (30)
                                                         SHIFT: plan and device frequencies

Every column that is not shifted is drawn from the same distribution in both files, from a
different random stream (so it differs by sampling noise only). Missing values have the same
rate in both files. Deterministic: the same ROWS and --seed give the same bytes.
Needs numpy only (the CSV text is formatted by numpy, not pandas).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

SHIFT_STD = 0.3        # mean shift of amount and temperature, in reference std
VAR_FACTOR = 1.8       # variance factor of pressure
CLICKS_LAM, CLICKS_SHIFT = 60, 3

# Categories: none is a pandas NA string ("NA", "null", "None", "nan", "N/A"...).
CATEGORICAL = {
    # name: (values, reference probabilities, current probabilities or None = unshifted)
    "rating": (np.arange(1, 6), [0.05, 0.10, 0.20, 0.35, 0.30], [0.15, 0.20, 0.25, 0.25, 0.15]),
    "priority": (np.arange(0, 10), [0.20, 0.16, 0.13, 0.11, 0.10, 0.08, 0.07, 0.06, 0.05, 0.04], None),
    "plan": (np.array(["free", "pro", "enterprise"]), [0.65, 0.28, 0.07], [0.42, 0.38, 0.20]),
    "device": (np.array(["android", "ios", "windows", "macos", "linux", "other"]),
               [0.42, 0.30, 0.14, 0.08, 0.04, 0.02], [0.22, 0.28, 0.22, 0.12, 0.10, 0.06]),
    "channel": (np.array(["web", "app", "email", "partner", "store"]), [0.45, 0.30, 0.12, 0.08, 0.05], None),
    "color": (np.array(["red", "green", "blue", "black", "white", "grey", "yellow", "purple"]),
              [0.22, 0.18, 0.16, 0.14, 0.12, 0.08, 0.06, 0.04], None),
    "region": (np.array(["north", "south", "east", "west", "central", "coast", "mountain", "valley",
                         "island", "desert", "lakes", "plains"]), None, None),
    "country": (np.array(["FR", "DE", "US", "GB", "ES", "IT", "NL", "BE", "CH", "SE", "PL", "PT", "IE",
                          "AT", "DK", "FI", "NO", "CA", "JP", "BR", "MX", "AR", "IN", "CN", "KR", "AU",
                          "NZ", "ZA", "EG", "TR"]), None, None),
}

COLUMNS = [
    "amount", "score", "temperature", "latency_ms", "ratio", "pressure", "weight", "balance",
    "duration", "humidity", "age", "clicks", "rating", "priority", "plan", "device", "channel",
    "color", "region", "country",
]

MISSING = {"score": 0.01, "ratio": 0.003}

EXPECTED_DRIFTED = ["amount", "clicks", "device", "plan", "pressure", "rating", "temperature"]

KINDS = {c: "float" for c in COLUMNS[:10]}
KINDS.update({"age": "int", "clicks": "int", "rating": "small-int", "priority": "small-int"})
KINDS.update({c: "string" for c in ["plan", "device", "channel", "color", "region", "country"]})

SHIFTS = {
    "amount": f"mean + {SHIFT_STD} reference std",
    "temperature": f"mean + {SHIFT_STD} reference std",
    "pressure": f"variance x {VAR_FACTOR}",
    "clicks": f"poisson({CLICKS_LAM}) + {CLICKS_SHIFT}",
    "rating": "frequencies " + str(CATEGORICAL["rating"][1]) + " -> " + str(CATEGORICAL["rating"][2]),
    "plan": "frequencies " + str(CATEGORICAL["plan"][1]) + " -> " + str(CATEGORICAL["plan"][2]),
    "device": "frequencies " + str(CATEGORICAL["device"][1]) + " -> " + str(CATEGORICAL["device"][2]),
}


def zipf_probs(k, s=1.1):
    p = 1.0 / np.arange(1, k + 1) ** s
    return p / p.sum()


def make_table(n, seed, current):
    """Columns of one file: name -> ("num", scaled int64 values, decimals, missing mask or None)
    or ("cat", index array, values)."""
    side = 1 if current else 0

    def rng(col):  # one independent stream per (seed, file, column)
        return np.random.default_rng([seed, side, COLUMNS.index(col)])

    raw = {}
    # Shifts are defined against the reference distribution's std (population values).
    amount = rng("amount").lognormal(3.0, 0.6, n)
    if current:
        s2 = 0.6 ** 2
        amount_std = np.sqrt((np.exp(s2) - 1) * np.exp(2 * 3.0 + s2))
        amount = amount + SHIFT_STD * amount_std
    raw["amount"] = (amount, 2)
    raw["score"] = (rng("score").normal(0.5, 0.15, n), 4)
    raw["temperature"] = (rng("temperature").normal(20.0 + (SHIFT_STD * 5.0 if current else 0.0), 5.0, n), 2)
    raw["latency_ms"] = (rng("latency_ms").exponential(120.0, n), 1)
    raw["ratio"] = (rng("ratio").random(n), 4)
    raw["pressure"] = (rng("pressure").normal(1013.0, 8.0 * (np.sqrt(VAR_FACTOR) if current else 1.0), n), 2)
    raw["weight"] = (rng("weight").gamma(4.0, 5.0, n), 2)
    raw["balance"] = (rng("balance").normal(1000.0, 300.0, n), 2)
    raw["duration"] = (rng("duration").lognormal(1.0, 0.5, n), 3)
    raw["humidity"] = (100.0 * rng("humidity").beta(2.0, 5.0, n), 1)
    cols = {}
    for name, (x, dec) in raw.items():
        cols[name] = ("num", np.rint(x * 10.0 ** dec).astype(np.int64), dec, None)
    cols["age"] = ("num", rng("age").integers(18, 91, n), 0, None)
    cols["clicks"] = ("num", rng("clicks").poisson(CLICKS_LAM, n) + (CLICKS_SHIFT if current else 0), 0, None)
    for name, (values, p_ref, p_cur) in CATEGORICAL.items():
        p = p_cur if (current and p_cur is not None) else p_ref
        if p is None:
            p = zipf_probs(len(values))
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
        cols[name] = ("cat", rng(name).choice(len(values), size=n, p=p), values)
    for name, share in MISSING.items():
        # a separate stream, so the missing cells don't move the values
        m = np.random.default_rng([seed, side, 100 + COLUMNS.index(name)]).random(n) < share
        kind, k, dec, _ = cols[name]
        cols[name] = (kind, k, dec, m)
    return cols


def format_num(k, dec, missing):
    """Fixed-point text of the scaled integers k (value = k / 10**dec) as a uint8 matrix, one row
    per value, padded with NUL bytes (removed when the file is written): "-12.30", "0.0042",
    "7". Missing values become empty fields."""
    neg = k < 0
    a = np.abs(k)
    width = max(len(str(int(a.max()))) if len(a) else 1, dec + 1)
    pow10 = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (a[:, None] // pow10) % 10
    keep = (a[:, None] >= pow10) | (np.arange(width) >= width - dec - 1)  # no leading zeros
    chars = np.where(keep, digits + 48, 0).astype(np.uint8)
    parts = [np.where(neg, ord("-"), 0).astype(np.uint8)[:, None], chars[:, : width - dec]]
    if dec:
        parts += [np.full((len(k), 1), ord("."), np.uint8), chars[:, width - dec:]]
    out = np.concatenate(parts, axis=1)
    if missing is not None:
        out[missing] = 0
    return out


def format_cat(idx, values):
    texts = [str(v).encode() for v in values]
    table = np.zeros((len(texts), max(map(len, texts))), np.uint8)
    for i, t in enumerate(texts):
        table[i, : len(t)] = np.frombuffer(t, np.uint8)
    return table[idx]


def write_csv(path, cols, n, chunk=250_000):
    """The table as CSV: header, then rows of comma-separated fields, "\n" line ends. Every
    field is formatted into a fixed-width NUL-padded byte matrix; dropping the NULs gives the
    row text (1M rows in about a second, against ~17 s for pandas' to_csv)."""
    tmp = path + ".tmp"
    comma = np.full((1, 1), ord(","), np.uint8)
    newline = np.full((1, 1), ord("\n"), np.uint8)
    with open(tmp, "wb") as f:
        f.write((",".join(COLUMNS) + "\n").encode())
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            m = hi - lo
            parts = []
            for i, name in enumerate(COLUMNS):
                spec = cols[name]
                if spec[0] == "num":
                    _, k, dec, miss = spec
                    parts.append(format_num(k[lo:hi], dec, None if miss is None else miss[lo:hi]))
                else:
                    _, idx, values = spec
                    parts.append(format_cat(idx[lo:hi], values))
                parts.append(np.broadcast_to(comma if i < len(COLUMNS) - 1 else newline, (m, 1)))
            mat = np.concatenate(parts, axis=1).ravel()
            f.write(mat[mat != 0].tobytes())
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("args", nargs="+", metavar="[ROWS] OUTDIR")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    if len(a.args) == 1:
        rows, outdir = 1_000_000, a.args[0]
    elif len(a.args) == 2:
        rows, outdir = int(a.args[0].replace(",", "").replace("_", "")), a.args[1]
    else:
        ap.error("expected [ROWS] OUTDIR")
    if rows < 2000:
        ap.error("ROWS must be >= 2000 (Evidently picks other tests at <= 1000 rows)")
    os.makedirs(outdir, exist_ok=True)
    t0 = time.time()
    files = {}
    for name, current in (("reference.csv", False), ("current.csv", True)):
        path = os.path.join(outdir, name)
        write_csv(path, make_table(rows, a.seed, current), rows)
        files[name] = os.path.getsize(path)
    secs = round(time.time() - t0, 2)
    expected = {
        "rows": rows,
        "seed": a.seed,
        "columns": COLUMNS,
        "kinds": KINDS,
        # the type Evidently 0.7 infers, and so its default test at > 1000 rows
        "evidently_types": {c: ("cat" if KINDS[c] in ("small-int", "string") else "num") for c in COLUMNS},
        "drifted": EXPECTED_DRIFTED,
        "shifts": SHIFTS,
        "missing": MISSING,
        "bytes": files,
        "seconds": secs,
    }
    with open(os.path.join(outdir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    print(f"drift_gen: {rows} rows x {len(COLUMNS)} columns -> {outdir} "
          f"(reference {files['reference.csv']} B, current {files['current.csv']} B, {secs} s); "
          f"drifted: {', '.join(EXPECTED_DRIFTED)}", file=sys.stderr)


if __name__ == "__main__":
    main()
