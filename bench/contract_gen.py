#!/usr/bin/env python3
"""Helpers for contract-bench.sh: data, the pandera schema, validation, one bad value.

  gen --out F --size-mb N [--seed S] [--jobs J]
                                        write a ~N MiB CSV with 20 mixed columns, streaming
                                        (numpy, 200,000-row chunks made by J worker processes,
                                        a few chunks in flight); F.meta.json records the row
                                        count and where to plant a bad value
  pandera-schema --contract C --out P [--coerce-datetimes]
                                        translate mlv's contract.yaml into pandera's YAML
  validate --schema P --data F          pandas.read_csv (parse_dates for the datetime columns)
                                        + schema.validate(df, lazy=True); exit 0 clean, 1 errors
  inject --data F --out B               copy F to B with `age` of one known row set to -7
                                        (same byte length); prints the row number

Needs numpy >= 2 (gen), pyyaml (pandera-schema), pandas and pandera (validate).
Deterministic: the same --size-mb and --seed give the same bytes.
"""
import argparse
import json
import os
import sys
import time

CHUNK_ROWS = 200_000
BAD_ROW = 98_765  # 1-based data row (header not counted) that `inject` spoils, if the file has it
BAD_VALUE = "-7"  # replaces a two-digit age (18..90): same length, below any inferred minimum

COLUMNS = [
    "id", "user_id", "session_count", "age", "rating",
    "price", "score", "ratio", "temperature", "density", "amount",
    "active", "verified", "signup_date", "last_seen",
    "country", "plan", "device", "email", "comment",
]

COUNTRIES = ["FR", "DE", "US", "GB", "ES", "IT", "NL", "BE", "CH", "SE",
             "PL", "PT", "IE", "AT", "DK", "FI", "NO", "CA", "JP", "BR"]
PLANS = ["free", "pro", "enterprise"]
DEVICES = ["android", "ios", "windows", "macos", "linux", "other"]
FIRST = ["anna", "ben", "chloe", "david", "emma", "felix", "gina", "hugo", "ines", "jules",
         "karim", "lea", "marc", "nora", "oscar", "paula", "quentin", "rosa", "sami", "tara"]
LAST = ["martin", "bernard", "dubois", "thomas", "robert", "richard", "petit", "durand",
        "leroy", "moreau", "simon", "laurent", "lefebvre", "michel", "garcia", "muller"]
DOMAINS = ["example.com", "mail.example.org", "corp.example.net", "uni.example.edu"]
# No word is one of pandas' NA strings (NA, null, None, nan, N/A...), so both tools see the same nulls.
WORDS = ("the quick brown fox jumps over lazy dog data model train test value great "
         "terrible service delivery late early price quality support refund order item "
         "works broken again never always maybe definitely recommend café naïve Zürich "
         "résumé 日本 größe ok fine good bad slow fast update version release bug fix").split()
COMMENT_POOL = 100_000


def _np():
    import numpy as np
    if not hasattr(np, "strings"):
        sys.exit("contract_gen.py: numpy >= 2 is needed (np.strings)")
    return np


def comment_pool(np, seed):
    """100,000 free-text fields, already CSV-encoded: ~3 % empty (null), ~10 % with a comma,
    ~3 % with double quotes (doubled, field quoted), ~0.1 % with an embedded newline."""
    rng = np.random.default_rng([seed, 999_999])
    out = []
    nwords = rng.integers(1, 15, COMMENT_POOL)
    for i in range(COMMENT_POOL):
        u = rng.random()
        if u < 0.03:
            out.append("")
            continue
        words = [WORDS[j] for j in rng.integers(0, len(WORDS), nwords[i])]
        words[0] = words[0].capitalize()
        if rng.random() < 0.10 and len(words) > 2:
            words[1] += ","
        if rng.random() < 0.03:
            words.insert(len(words) // 2, '"really"')
        text = " ".join(words)
        if rng.random() < 0.001:
            text += "\nsecond line"
        if any(c in text for c in ',"\n'):
            text = '"' + text.replace('"', '""') + '"'
        out.append(text)
    return np.array(out, dtype=object)


def fixed(np, ints, decimals):
    """Integers scaled by 10**decimals -> decimal strings ('-12.05'), vectorised."""
    neg = ints < 0
    a = np.abs(ints)
    p = 10 ** decimals
    s = np.strings.add((a // p).astype(str), ".")
    s = np.strings.add(s, np.strings.zfill((a % p).astype(str), decimals))
    return np.where(neg, np.strings.add("-", s), s)


def chunk_columns(np, rng, start, n, pool):
    """One chunk of n rows as 20 lists of CSV-ready strings (rows start+1 .. start+n)."""
    obj = lambda xs: np.array(xs, dtype=object)
    cols = []
    cols.append(np.arange(start + 1, start + n + 1, dtype=np.int64).astype(str))       # id, unique
    cols.append(rng.integers(1, 2_000_001, n).astype(str))                            # user_id
    cols.append(np.minimum(rng.geometric(0.01, n) - 1, 5000).astype(str))             # session_count 0..5000
    cols.append(rng.integers(18, 91, n).astype(str))                                  # age 18..90 (2 digits)
    cols.append(rng.integers(1, 6, n).astype(str))                                    # rating 1..5
    cols.append(fixed(np, rng.integers(50, 500_001, n), 2))                           # price 0.50..5000.00
    score = fixed(np, np.clip(np.rint(rng.normal(0, 1, n) * 10_000), -49_999, 49_999).astype(np.int64), 4)
    cols.append(np.where(rng.random(n) < 0.05, "", score))                            # score, 5 % null
    cols.append(fixed(np, rng.integers(0, 1_000_001, n), 6))                          # ratio 0..1
    temp = fixed(np, rng.integers(-300, 451, n), 1)
    cols.append(np.where(rng.random(n) < 0.02, "", temp))                             # temperature, 2 % null
    cols.append(rng.lognormal(-3, 3, n).astype(str))                                  # density: repr floats, exponents
    amount = fixed(np, rng.integers(100_000, 1_000_000_001, n), 2)
    cols.append(np.where(rng.random(n) < 0.01, "", amount))                           # amount 1,000..10,000,000, 1 % null
    tf = obj(["false", "true"])
    cols.append(tf[(rng.random(n) < 0.7).astype(np.intp)])                             # active
    cols.append(tf[(rng.random(n) < 0.4).astype(np.intp)])                             # verified
    d0 = np.datetime64("2015-01-01", "D")
    cols.append((d0 + rng.integers(0, 3653, n)).astype(str))                           # signup_date
    s0 = np.datetime64("2020-01-01T00:00:00", "s")
    cols.append((s0 + rng.integers(0, 5 * 365 * 86400, n)).astype(str))               # last_seen
    cp = np.linspace(3, 0.2, len(COUNTRIES)); cp /= cp.sum()
    cols.append(obj(COUNTRIES)[rng.choice(len(COUNTRIES), n, p=cp)])                   # country, 20
    cols.append(obj(PLANS)[rng.choice(3, n, p=[0.7, 0.25, 0.05])])                     # plan, 3
    cols.append(obj(DEVICES)[rng.integers(0, len(DEVICES), n)])                        # device, 6
    email = obj(FIRST)[rng.integers(0, len(FIRST), n)] + "." + obj(LAST)[rng.integers(0, len(LAST), n)]
    email = email + rng.integers(1, 100_000, n).astype(str).astype(object) + "@" + obj(DOMAINS)[rng.integers(0, len(DOMAINS), n)]
    cols.append(email)                                                                 # email
    cols.append(pool[rng.integers(0, len(pool), n)])                                   # comment (quoted, nulls)
    return [c.tolist() for c in cols]


_POOL = None


def _init_worker(seed):
    global _POOL
    _POOL = comment_pool(_np(), seed)


def _make_chunk(seed, chunk):
    """Chunk `chunk` (rows chunk*CHUNK_ROWS+1 ..) as CSV bytes and the byte offset just past
    each row, relative to the chunk (a row may hold a quoted newline: don't split on \\n)."""
    np = _np()
    rng = np.random.default_rng([seed, chunk])
    cols = chunk_columns(np, rng, chunk * CHUNK_ROWS, CHUNK_ROWS, _POOL)
    lines = list(map(",".join, zip(*cols)))
    data = ("\n".join(lines) + "\n").encode()
    ends = np.cumsum(np.fromiter((len(s.encode()) + 1 for s in lines), np.int64, len(lines)))
    return data, ends


def cmd_gen(a):
    import multiprocessing as mp
    np = _np()
    target = a.size_mb * 1024 * 1024
    header = (",".join(COLUMNS) + "\n").encode()
    written, rows, chunk, bad = len(header), 0, 0, None
    t0 = time.time()
    workers = max(1, min(a.jobs or os.cpu_count() or 1, 8))
    with mp.get_context("fork").Pool(workers, _init_worker, (a.seed,)) as pool, \
            open(a.out, "wb") as f:
        f.write(header)
        pending = []  # at most workers+1 chunks in flight: memory stays bounded
        nxt = 0
        while written < target:
            while len(pending) < workers + 1:
                pending.append(pool.apply_async(_make_chunk, (a.seed, nxt)))
                nxt += 1
            data, ends = pending.pop(0).get()
            last = written + len(data) >= target
            if written + len(data) > target:  # last chunk: keep the rows that fit (at least one row in all)
                keep = int(np.searchsorted(ends, target - written, side="right"))
                if keep == 0 and rows > 0:
                    break
                keep = max(1, keep)
                data, ends = data[:int(ends[keep - 1])], ends[:keep]
            if bad is None:  # first chunk: where `age` of row BAD_ROW (or of the middle row) sits
                k = min(BAD_ROW, len(ends) // 2 + 1)
                row_start = int(ends[k - 2]) if k > 1 else 0
                fields = data[row_start:row_start + 200].split(b",", 4)
                assert len(fields[3]) == 2, fields
                bad = {"row": k, "column": "age", "offset": written + row_start + sum(len(x) + 1 for x in fields[:3]),
                       "old": fields[3].decode(), "new": BAD_VALUE}
            f.write(data)
            written += len(data)
            rows += len(ends)
            chunk += 1
            if last:
                break
        pool.terminate()
    meta = {"rows": rows, "bytes": written, "columns": COLUMNS, "seed": a.seed, "bad": bad,
            "datetime_columns": ["signup_date", "last_seen"], "seconds": round(time.time() - t0, 2)}
    with open(a.out + ".meta.json", "w") as f:
        json.dump(meta, f, indent=1)
    print(f"{a.out}: {rows} rows, {written} bytes in {meta['seconds']} s", file=sys.stderr)


# ---------------------------------------------------------------- mlv contract -> pandera YAML

def _columns(doc):
    cols = doc.get("columns")
    if isinstance(cols, dict):
        return list(cols.items())
    if isinstance(cols, list):  # [{name: x, type: ...}] or [{x: {...}}]
        out = []
        for c in cols:
            if "name" in c:
                out.append((c["name"], {k: v for k, v in c.items() if k != "name"}))
            else:
                (k, v), = c.items()
                out.append((k, v))
        return out
    sys.exit("contract has no columns mapping")


def _ts(v):
    import pandas as pd
    t = pd.Timestamp(str(v))
    if t.tzinfo is not None:
        t = t.tz_convert("UTC").tz_localize(None)
    return t.strftime("%Y-%m-%d %H:%M:%S")


def _numbers(vals, conv):
    try:
        return [conv(v) for v in vals]
    except (TypeError, ValueError):
        return None


def cmd_pandera_schema(a):
    import yaml
    doc = yaml.safe_load(open(a.contract))
    if not isinstance(doc, dict):
        sys.exit(f"{a.contract}: not a YAML mapping")
    table = doc.get("table") or {}
    columns, notes = {}, []
    for name, spec in _columns(doc):
        spec = dict(spec or {})
        t = spec.pop("type", "string")
        col = {}
        nullable = bool(spec.pop("nullable", False))
        lo, hi = spec.pop("min", None), spec.pop("max", None)
        allowed = spec.pop("allowed", None)
        if t == "integer":
            col["dtype"] = "Int64" if nullable else "int64"  # pandas reads an int column with NAs as float64
            if nullable:
                col["coerce"] = True
        elif t == "float":
            col["dtype"] = "float64"
        elif t == "boolean":
            col["dtype"] = "boolean" if nullable else "bool"  # true/false with NAs read as object
            if nullable:
                col["coerce"] = True
        elif t == "datetime":
            col["dtype"] = "datetime64[ns]"  # pandera accepts any resolution (pandas 3 parses to [us])
            if a.coerce_datetimes:
                col["coerce"] = True  # `pandera validate` reads the CSV without parse_dates
            lo = _ts(lo) if lo is not None else None
            hi = _ts(hi) if hi is not None else None
        elif t in ("string", "category"):
            col["dtype"] = "str"
            if allowed is not None:  # a category of numbers is read by pandas as numbers
                ints = _numbers(allowed, lambda v: int(str(v)))
                floats = None if ints is not None else _numbers(allowed, lambda v: float(str(v)))
                if ints is not None:
                    col["dtype"], allowed = "int64", ints
                elif floats is not None:
                    col["dtype"], allowed = "float64", floats
                else:
                    allowed = [str(v) for v in allowed]
        else:
            sys.exit(f"{a.contract}: column {name}: unknown type {t!r}")
        if nullable:
            col["nullable"] = True
        if spec.pop("unique", False):
            col["unique"] = True
        if lo is not None:
            col["greater_than_or_equal_to"] = lo
        if hi is not None:
            col["less_than_or_equal_to"] = hi
        if allowed is not None:
            col["isin"] = allowed
        pat = spec.pop("pattern", None)
        if pat is not None:
            col["str_matches"] = pat
        ln = {k: spec.pop(k) for k in ("min_length", "max_length") if k in spec}
        if ln:
            col["str_length"] = {"min_value": ln.get("min_length"), "max_value": ln.get("max_length")}
        for k in sorted(spec):
            notes.append(f"{name}.{k}: {spec[k]!r} (no pandera equivalent, not checked by pandera)")
        columns[str(name)] = col
    out = {"schema_type": "dataframe", "api": "pandas", "columns": columns,
           "strict": not bool(table.get("extra_columns", True))}
    for k in sorted(table):
        if k != "extra_columns":
            notes.append(f"table.{k}: {table[k]!r} (no pandera equivalent, not checked by pandera)")
    with open(a.out, "w") as f:
        yaml.safe_dump(out, f, sort_keys=False, allow_unicode=True)
    for n in notes:
        print("pandera-schema: " + n, file=sys.stderr)


# ---------------------------------------------------------------- pandas + pandera validation

def cmd_validate(a):
    import warnings
    warnings.filterwarnings("ignore")
    import pandas as pd
    import pandera.pandas as pa
    import yaml
    raw = yaml.safe_load(open(a.schema))
    dates = [c for c, s in raw["columns"].items() if str(s.get("dtype", "")).startswith("datetime")]
    schema = pa.DataFrameSchema.from_yaml(a.schema)
    t0 = time.time()
    df = pd.read_csv(a.data, parse_dates=dates, date_format="ISO8601")
    t1 = time.time()
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as e:
        fc = e.failure_cases
        print(f"pandera: {len(fc)} failure case(s) in {len(df)} rows "
              f"(read_csv {t1 - t0:.1f} s, validate {time.time() - t1:.1f} s)")
        with pd.option_context("display.width", 200, "display.max_columns", 10):
            print(fc[["column", "check", "index", "failure_case"]].head(a.max_errors).to_string())
        sys.exit(1)
    print(f"pandera: valid, {len(df)} rows x {df.shape[1]} columns "
          f"(read_csv {t1 - t0:.1f} s, validate {time.time() - t1:.1f} s)")


def cmd_inject(a):
    meta = json.load(open(a.data + ".meta.json"))
    bad = meta["bad"]
    with open(a.data, "rb") as src, open(a.out, "wb") as dst:
        while True:
            b = src.read(1 << 24)
            if not b:
                break
            dst.write(b)
    with open(a.out, "r+b") as f:
        f.seek(bad["offset"])
        old = f.read(len(bad["old"])).decode()
        if old != bad["old"]:
            sys.exit(f"inject: expected {bad['old']!r} at byte {bad['offset']}, found {old!r}")
        f.seek(bad["offset"])
        f.write(bad["new"].encode())
    print(bad["row"])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--out", required=True)
    g.add_argument("--size-mb", type=int, required=True)
    g.add_argument("--seed", type=int, default=42)
    g.add_argument("--jobs", type=int, default=0, help="worker processes (default: all cores)")
    s = sub.add_parser("pandera-schema")
    s.add_argument("--contract", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--coerce-datetimes", action="store_true")
    v = sub.add_parser("validate")
    v.add_argument("--schema", required=True)
    v.add_argument("--data", required=True)
    v.add_argument("--max-errors", type=int, default=10)
    i = sub.add_parser("inject")
    i.add_argument("--data", required=True)
    i.add_argument("--out", required=True)
    a = p.parse_args()
    {"gen": cmd_gen, "pandera-schema": cmd_pandera_schema, "validate": cmd_validate,
     "inject": cmd_inject}[a.cmd](a)


if __name__ == "__main__":
    main()
