#!/usr/bin/env python3
"""Writes scipy.json: inputs and SciPy / NumPy outputs for DriftStatisticsTests.

Deterministic (numpy default_rng with fixed seeds). Generated with SciPy 1.17.1 and NumPy 2.4.6:

    python3 make_fixtures.py   # from this directory

Large samples are stored compactly as {"grid": {"n": n, "start": s, "step": h}}, meaning
start + i * step for i in 0..<n (the same floating-point operations in NumPy and Swift).
Non-finite expected values are written as null. Long tables are rows:
ks_exact [d, n1, n2, statistic, pvalue|null], ks_asymp [d, n1, n2, pvalue], chi2sf [x, df, p], normsf [z, p].
"""

import json
import math
import os
import warnings

import numpy as np
import scipy
from scipy import special, stats
from scipy.spatial import distance
from scipy.stats import _stats_py

warnings.simplefilter("ignore")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scipy.json")


def f(x):
    """A JSON number for a finite float, else None."""
    x = float(x)
    return x if math.isfinite(x) else None


def floats(values):
    return [float(v) for v in values]


def grid(n, start, step):
    return {"grid": {"n": n, "start": start, "step": step}}


def expand(sample):
    if isinstance(sample, dict):
        g = sample["grid"]
        return g["start"] + np.arange(g["n"], dtype=np.float64) * g["step"]
    return np.asarray(sample, dtype=np.float64)


def rounded(rng_values, decimals):
    return np.sort(np.round(rng_values, decimals))


# ---------------------------------------------------------------- KS two-sample
def ks_cases():
    rng = np.random.default_rng(20240501)
    cases = []

    def add(name, a, b, method="auto"):
        a = a if isinstance(a, dict) else floats(np.sort(a))
        b = b if isinstance(b, dict) else floats(np.sort(b))
        res = stats.ks_2samp(expand(a), expand(b), method=method)
        cases.append({"name": name, "a": a, "b": b, "method": method,
                      "statistic": f(res.statistic), "pvalue": f(res.pvalue)})

    add("equal-100", rounded(rng.normal(0, 1, 100), 4), rounded(rng.normal(0.3, 1, 100), 4))
    add("equal-500-ties", rounded(rng.normal(0, 1, 500), 1), rounded(rng.normal(0.1, 1, 500), 1))
    add("equal-40-close", rounded(rng.normal(0, 1, 40), 3), rounded(rng.normal(0, 1, 40), 3))
    add("unequal-120-80", rounded(rng.normal(0, 1, 120), 4), rounded(rng.normal(0.2, 1.2, 80), 4))
    add("unequal-300-257", rounded(rng.normal(0, 1, 300), 3), rounded(rng.normal(0.05, 1, 257), 3))
    add("unequal-1000-750-ties", rounded(rng.exponential(1, 1000), 1), rounded(rng.exponential(1.1, 750), 1))
    add("unequal-64-1000", rounded(rng.normal(0, 1, 64), 3), rounded(rng.normal(0, 1, 1000), 3))
    add("tiny-1-1", [0.5], [1.5])
    add("tiny-1-1-same", [0.5], [0.5])
    add("tiny-1-2", [0.5], [0.1, 0.9])
    add("tiny-2-3", [0.1, 0.2], [0.15, 0.3, 0.4])
    add("tiny-3-3", [1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    add("tiny-1-5", [10.0], [1.0, 2.0, 3.0, 4.0, 5.0])
    add("tiny-2-2-ties", [1.0, 1.0], [1.0, 2.0])
    # The exact method fails (p outside [0, 1]) for D = 1/n with n1 == n2 = 5 or 7: SciPy falls back to asymp.
    add("exact-fails-5-5", [1.0, 2.0, 3.0, 4.0, 5.0], [1.5, 2.5, 3.5, 4.5, 5.5])
    add("exact-fails-7-7", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5])
    same = rounded(rng.normal(0, 1, 50), 3)
    add("identical-50", same, same)
    add("disjoint-200-150", rounded(rng.uniform(0, 1, 200), 4), rounded(rng.uniform(2, 3, 150), 4))
    add("disjoint-100-100", rounded(rng.uniform(0, 1, 100), 4), rounded(rng.uniform(2, 3, 100), 4))
    add("disjoint-7-5000", rounded(rng.uniform(5, 6, 7), 4), grid(5000, 0.0, 0.001))
    add("asymp-forced-100-80", rounded(rng.normal(0, 1, 100), 3), rounded(rng.normal(0.4, 1, 80), 3), "asymp")
    add("asymp-forced-1-1", [0.5], [1.5], "asymp")
    add("asymp-forced-3-4", [0.1, 0.2, 0.3], [0.25, 0.5, 0.6, 0.7], "asymp")
    add("exact-forced-30-10500", rounded(rng.uniform(0, 1.1, 30), 3), grid(10500, 0.0, 1.0 / 10500), "exact")
    add("exact-10000-9999", grid(10000, 0.0, 1e-4), grid(9999, 0.00005, 1.0001e-4))
    # auto -> asymptotic (max(n1, n2) > 10000) with round(en) <= 140 and > 140, several regimes.
    for shift in [0.0, 0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1.5]:
        add(f"auto-asymp-50-20000-shift{shift}", rounded(rng.uniform(shift, 1 + shift, 50), 4),
            grid(20000, 0.0, 1.0 / 20000))
    add("auto-asymp-3000-12000-random", rounded(rng.uniform(0.01, 1.01, 3000), 3), grid(12000, 0.0, 1.0 / 12000))
    for shift in [0.0, 0.004, 0.01, 0.025, 0.04, 0.08, 0.3]:
        add(f"auto-asymp-3000-12000-shift{shift}", grid(3000, shift, 1.0 / 3000), grid(12000, 0.0, 1.0 / 12000))
    for scale in [1.03, 1.1]:
        add(f"auto-asymp-3000-12000-scale{scale}", grid(3000, 0.0, scale / 3000), grid(12000, 0.0, 1.0 / 12000))
    add("auto-asymp-1-10001", [0.5], grid(10001, 0.0, 1e-4))
    add("auto-asymp-grid-20000-30000", grid(20000, 0.0, 5e-5), grid(30000, 0.001, 3.4e-5))
    return cases


def ks_exact_cases():
    rng = np.random.default_rng(7)
    out = []

    def add(d, n1, n2):
        g = math.gcd(n1, n2)
        ok, dd, p = _stats_py._attempt_exact_2kssamp(n1, n2, g, d, "two-sided")
        out.append([float(d), n1, n2, f(dd), f(p) if ok else None])

    pairs = [(1, 1), (1, 2), (2, 2), (2, 3), (3, 5), (5, 5), (7, 7), (10, 10), (10, 15), (13, 17),
             (20, 20), (25, 40), (50, 50), (60, 45), (100, 100), (101, 99), (200, 150), (500, 500),
             (640, 480), (1000, 999), (1000, 1000), (2500, 2000), (4000, 4000), (5000, 3000),
             (9999, 10000), (10000, 10000), (3, 10000), (17, 9000)]
    for n1, n2 in pairs:
        lcm = n1 * n2 // math.gcd(n1, n2)
        hs = set([1, 2, lcm, lcm - 1, max(1, lcm // 2), max(1, lcm // 3)])
        if max(n1, n2) >= 2500:
            hs = set([max(1, lcm // 100), max(1, lcm // 30), max(1, lcm // 10), lcm // 4])
            if n1 * n2 < 5e7:
                hs.add(lcm)
        for _ in range(4 if max(n1, n2) < 2500 else 0):
            hs.add(int(rng.integers(1, lcm + 1)))
        for h in sorted(hs):
            if 0 < h <= lcm:
                add(h / lcm, n1, n2)
    add(0.0, 10, 20)
    add(0.123456, 37, 53)
    add(0.5000001, 40, 60)
    # Exhaustive small grid, which includes (rare) failures of the exact method.
    for n1 in range(1, 9):
        for n2 in range(n1, 9):
            lcm = n1 * n2 // math.gcd(n1, n2)
            for h in range(1, lcm + 1):
                add(h / lcm, n1, n2)
    return out


def ks_asymp_cases():
    out = []

    def add(d, n1, n2):
        m, n = sorted([float(n1), float(n2)], reverse=True)
        en = m * n / (m + n)
        p = np.clip(stats.kstwo.sf(d, np.round(en)), 0, 1)
        out.append([float(d), n1, n2, f(p)])

    shapes = [1, 2, 3, 5, 10, 50, 100, 127, 128, 139, 140, 141, 200, 1000, 2400, 10000, 99999, 100000,
              100001, 500000, 1000001]
    for n in shapes:
        ds = set()
        cs = [0.05, 0.1, 0.3, 0.5, 0.7, 0.754, 0.76, 0.9, 1.2, 1.5, 2.0, 2.19, 2.21, 3.0, 3.99, 4.01,
              5.0, 8.0, 12.0, 17.9, 18.1, 30.0, 60.0, 100.0, 200.0, 300.0, 369.0, 371.0, 500.0]
        if 10000 < n <= 1000000:  # 2 * smirnov sums up to ~n terms here: a few cases suffice
            cs = [0.05, 0.5, 1.5, 2.19, 2.21, 30.0, 369.0, 371.0]
        for c in cs:
            ds.add(math.sqrt(c / n))
        for c in [1.4, 1.3, 1.5, 1.0]:  # n x^1.5 around 1.4
            ds.add((c / n) ** (2.0 / 3.0))
        for c in [0.2, 0.5, 0.51, 0.75, 1.0, 1.01, 1.5, 2.5]:
            ds.add(c / n)
        for c in [0.3, 0.499, 0.5, 0.6, 0.75, 0.9, 0.99, 1.0]:
            ds.add(c)
        ds.add(1 - 1.0 / n)
        ds.add(1 - 0.5 / n)
        for d in sorted(ds):
            if 0 < d <= 1 and not (n >= 100000 and d > 0.2 and d < 0.99):
                add(d, 2 * n, 2 * n)
    # Unequal sample sizes, as ks_2samp would see them.
    for n1, n2, d in [(50, 20000, 0.1), (50, 20000, 0.25), (50, 20000, 0.05), (3000, 12000, 0.02),
                      (3000, 12000, 0.03), (3000, 12000, 0.05), (3000, 12000, 0.01), (1, 10001, 0.9999),
                      (1, 10001, 0.5), (20000, 30000, 0.0123), (1000000, 1000000, 0.002),
                      (1000000, 1000000, 0.0005), (1000000, 1000000, 0.001), (123, 45678, 0.2)]:
        add(d, n1, n2)
    return out


# ---------------------------------------------------------------- Wasserstein, std
def wasserstein_cases():
    rng = np.random.default_rng(11)
    out = []

    def add(name, a, b):
        a = a if isinstance(a, dict) else floats(np.sort(a))
        b = b if isinstance(b, dict) else floats(np.sort(b))
        out.append({"name": name, "a": a, "b": b,
                    "value": f(stats.wasserstein_distance(expand(a), expand(b)))})

    add("normal-200-150", rounded(rng.normal(0, 1, 200), 4), rounded(rng.normal(0.5, 2, 150), 4))
    add("ties-300-100", rounded(rng.normal(0, 1, 300), 1), rounded(rng.normal(0, 1, 100), 1))
    add("tiny-1-1", [1.0], [3.5])
    add("tiny-1-3", [0.0], [1.0, 2.0, 3.0])
    same = rounded(rng.normal(0, 1, 40), 3)
    add("identical", same, same)
    add("overlap-integers", rounded(rng.integers(0, 10, 500), 0), rounded(rng.integers(2, 12, 333), 0))
    add("grid-20000-9000", grid(20000, -1.0, 1e-4), grid(9000, -0.5, 2.3e-4))
    return out


def std_cases():
    rng = np.random.default_rng(12)
    out = []

    def add(name, a):
        a = a if isinstance(a, dict) else floats(a)
        out.append({"name": name, "a": a, "value": f(np.std(expand(a)))})

    for n in [1, 2, 7, 8, 9, 16, 100, 128, 129, 257, 1001]:
        add(f"normal-{n}", np.round(rng.normal(3, 2, n), 3))
    add("constant", [2.5] * 20)
    add("grid-100000", grid(100000, 1e6, 0.1))
    add("grid-33333", grid(33333, -7.0, 3.3e-3))
    return out


# ---------------------------------------------------------------- Anderson-Darling
def anderson_cases():
    rng = np.random.default_rng(13)
    out = []

    def add(name, a, b):
        a = a if isinstance(a, dict) else floats(np.sort(a))
        b = b if isinstance(b, dict) else floats(np.sort(b))
        res = stats.anderson_ksamp([expand(a), expand(b)], variant="midrank")
        out.append({"name": name, "a": a, "b": b, "statistic": f(res.statistic),
                    "pvalue": f(res.pvalue)})

    for shift in [0.0, 0.1, 0.2, 0.3, 0.5]:
        add(f"normal-150-120-shift{shift}", rounded(rng.normal(0, 1, 150), 4),
            rounded(rng.normal(shift, 1, 120), 4))
    add("same-capped", rounded(rng.normal(0, 1, 200), 4), rounded(rng.normal(0, 1, 200), 4))
    add("floored", rounded(rng.normal(0, 1, 100), 4), rounded(rng.normal(2, 1, 100), 4))
    add("ties-400-300", rounded(rng.normal(0, 1, 400), 1), rounded(rng.normal(0.15, 1, 300), 1))
    add("ties-integers", rounded(rng.integers(0, 5, 80), 0), rounded(rng.integers(0, 6, 90), 0))
    add("tiny-2-2", [1.0, 2.0], [3.0, 4.0])
    add("tiny-2-3", [1.0, 3.0], [2.0, 4.0, 5.0])
    add("two-values", [0.0] * 5 + [1.0] * 5, [0.0] * 3 + [1.0] * 9)
    add("grid-5000-4000", grid(5000, 0.0, 2e-4), grid(4000, 0.01, 2.4e-4))
    for k in range(4):
        shift = 0.1 + 0.1 * k
        add(f"interp-{k}", rounded(rng.normal(0, 1, 150), 3), rounded(rng.normal(shift, 1, 160), 3))
    return out


# ---------------------------------------------------------------- chi-square family
def chisquare_cases():
    rng = np.random.default_rng(14)
    out = []
    for k in range(2, 31):
        for scale in ([1.0, 20.0] if k % 3 == 0 else [3.0]):
            probs = rng.dirichlet(np.ones(k))
            n = int(rng.integers(50, 5000))
            observed = rng.multinomial(n, probs).astype(float)
            if scale != 1.0:
                other = rng.dirichlet(np.ones(k) * scale)
                observed = rng.multinomial(n, other).astype(float)
            expected = probs * observed.sum()
            res = stats.chisquare(observed, expected)
            out.append({"name": f"k{k}-s{scale}", "observed": floats(observed),
                        "expected": floats(expected), "statistic": f(res.statistic),
                        "pvalue": f(res.pvalue)})
    # Large statistics: tiny p-values.
    for k in [2, 5, 12]:
        observed = np.zeros(k)
        observed[0] = 100000.0
        observed[1:] = 10.0
        expected = np.full(k, observed.sum() / k)
        res = stats.chisquare(observed, expected)
        out.append({"name": f"extreme-k{k}", "observed": floats(observed), "expected": floats(expected),
                    "statistic": f(res.statistic), "pvalue": f(res.pvalue)})
    return out


def chi2sf_cases():
    out = []
    xs = [0.0, 1e-8, 1e-3, 0.1, 0.5, 0.9, 1.0, 1.1, 2.0, 2.2, 5.0, 10.0, 20.0, 40.0, 75.0, 150.0, 300.0,
          800.0, 1400.0, 1500.0, 3000.0, 9000.0, 11000.0, 1.01e5, 1.5e5, 1e6]
    dfs = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.0, 10.0, 20.0, 29.0, 40.0, 41.0, 99.0, 200.0, 399.0,
           401.0, 1000.0, 10000.0, 1e5]
    for df in dfs:
        for x in xs:
            out.append([x, df, f(stats.chi2.sf(x, df))])
        for r in [-0.5, -0.3, -0.1, -0.02, 0.0, 0.02, 0.1, 0.29, 0.31, 0.5, 1.0, 2.0]:
            x = df * (1 + r)
            if x >= 0:
                out.append([x, df, f(stats.chi2.sf(x, df))])
        for s in [-4.4, -3.0, -1.0, 1.0, 3.0, 4.4, 4.6, 8.0, 15.0, 30.0]:
            x = df + s * math.sqrt(2 * df)
            if x >= 0:
                out.append([x, df, f(stats.chi2.sf(x, df))])
    return out


def normsf_cases():
    zs = list(np.arange(-40.0, 40.0001, 0.25)) + [-1.4142, -1.414213562373095, 1.414213562373095, 0.7,
                                                  1e-10, -1e-10, 37.5, 38.4, 38.5, 5.123456789]
    return [[float(z), f(stats.norm.sf(z))] for z in zs]


def ztest_cases():
    rng = np.random.default_rng(15)
    out = []

    def add(x1, n1, x2, n2):
        p1 = x1 / n1
        p2 = x2 / n2
        pooled = (x1 + x2) / (n1 + n2)
        if pooled == 0 or pooled == 1:
            z, p = 0.0, 1.0
        else:
            z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
            p = 2 * stats.norm.sf(abs(z))
        out.append({"x1": x1, "n1": n1, "x2": x2, "n2": n2, "statistic": f(z), "pvalue": f(p)})

    for _ in range(40):
        n1 = int(rng.integers(1, 100000))
        n2 = int(rng.integers(1, 100000))
        add(int(rng.integers(0, n1 + 1)), n1, int(rng.integers(0, n2 + 1)), n2)
    add(0, 100, 0, 50)
    add(100, 100, 50, 50)
    add(0, 1000, 1000, 1000)
    add(500, 1000, 500, 1000)
    add(1, 1000000, 900, 1000000)
    add(0, 1000000, 1000000, 1000000)
    return out


# ---------------------------------------------------------------- divergences and histograms
def fill_zeroes(p):
    p = np.array(p, dtype=float)
    nonzero = p[p != 0]
    if nonzero.size:
        m = min(nonzero)
        np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return p


def divergence_cases():
    rng = np.random.default_rng(16)
    out = []

    def add(name, p, q):
        p = np.asarray(p, dtype=float)
        q = np.asarray(q, dtype=float)
        pf = fill_zeroes(p)
        qf = fill_zeroes(q)
        ps = p / p.sum()
        qs = q / q.sum()
        h = 0.0
        for i in range(len(ps)):
            h += np.sqrt(ps[i] * qs[i])
        hell = np.sqrt(1 - np.clip(h, 0, 1))
        out.append({
            "name": name, "p": floats(p), "q": floats(q),
            "js": f(distance.jensenshannon(p, q)),
            "kl": f(stats.entropy(p, q)),
            "p_filled": floats(pf), "q_filled": floats(qf),
            "psi": f(np.sum((pf - qf) * np.log(pf / qf))),
            "p_share": floats(ps), "q_share": floats(qs),
            "hellinger": f(hell),
        })

    for k in [2, 3, 5, 10, 17, 30]:
        add(f"random-{k}", rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k)))
        add(f"counts-{k}", rng.integers(0, 50, k).astype(float) + 1, rng.integers(0, 50, k).astype(float) + 1)
    add("zeros-p", [0.0, 0.2, 0.3, 0.5, 0.0], [0.1, 0.2, 0.3, 0.2, 0.2])
    add("zeros-q", [0.1, 0.2, 0.3, 0.2, 0.2], [0.0, 0.5, 0.3, 0.2, 0.0])
    add("zeros-both", [0.0, 0.5, 0.5, 0.0], [0.0, 0.25, 0.25, 0.5])
    add("tiny-nonzero", [0.00005, 0.5, 0.49995, 0.0], [0.2, 0.3, 0.0, 0.5])
    add("near-equal", [0.25, 0.25, 0.25, 0.25], [0.2500001, 0.2499999, 0.25, 0.25])
    add("identical", [0.1, 0.4, 0.5], [0.1, 0.4, 0.5])
    add("disjoint", [1.0, 0.0], [0.0, 1.0])
    return out


def fill_cases():
    cases = [[0.0, 0.5, 0.5], [0.0, 0.00005, 0.99995, 0.0], [0.3, 0.7], [0.0, 0.0001, 0.9999],
             [0.0, 0.00010000001, 0.9], [0.0, 0.0]]
    return [{"p": floats(c), "filled": floats(fill_zeroes(c))} for c in cases]


def histogram_cases():
    rng = np.random.default_rng(17)
    sturges = []
    histos = []
    numeric = []

    def add_edges(name, data, integer=False):
        data = np.asarray(data, dtype=np.int64 if integer else float)
        edges = np.histogram_bin_edges(data, bins="sturges")
        sturges.append({"name": name, "count": int(data.size), "min": float(data.min()),
                        "max": float(data.max()), "integer": integer, "edges": floats(edges)})
        return edges

    def add_hist(name, data, edges):
        data = np.sort(np.asarray(data, dtype=float))
        counts = np.histogram(data, bins=edges)[0]
        histos.append({"name": name, "sorted": floats(data), "edges": floats(edges),
                       "counts": [int(c) for c in counts]})

    for n in [1, 2, 3, 10, 100, 1000, 1024, 4096, 12345]:
        data = rng.normal(5, 3, n)
        edges = add_edges(f"normal-{n}", data)
        if n <= 1000:
            add_hist(f"normal-{n}", np.round(data, 3), edges)
    add_edges("constant", [4.0] * 10)
    add_edges("constant-single", [-2.5])
    add_edges("integers-as-float", rng.integers(0, 20, 500).astype(float))
    add_edges("tiny-range", [1.0, 1.0 + 1e-12, 1.0 + 3e-12])
    add_edges("huge", [-1e300, 1e300])
    add_edges("int64-narrow", rng.integers(0, 5, 1000), integer=True)
    add_edges("int64-wide", rng.integers(-50, 5000, 300), integer=True)
    add_edges("int64-constant", [7] * 4, integer=True)
    # Values exactly on the edges, the maximum, and values outside.
    data = rng.uniform(0, 10, 50)
    edges = add_edges("uniform-50", data)
    on_edges = np.concatenate([np.round(data, 2), edges, [edges[-1]] * 3, [edges[0]] * 2])
    add_hist("on-edges", on_edges, edges)
    add_hist("outside", np.concatenate([on_edges, [-5.0, -1e-9, 10.5, 1e9]]), edges)
    add_hist("custom-edges", np.round(rng.normal(0, 1, 200), 2), np.array([-1.0, -0.5, -0.5, 0.0, 0.25, 1.0]))
    add_hist("empty-data", [], np.array([0.0, 1.0, 2.0]))

    def add_numeric(name, ref, cur, integer=False):
        dtype = np.int64 if integer else float
        ref = np.sort(np.asarray(ref, dtype=dtype))
        cur = np.sort(np.asarray(cur, dtype=dtype))
        unique = np.unique(np.concatenate([ref, cur]))
        bins = np.histogram_bin_edges(unique, bins="sturges")
        h1 = np.histogram(ref, bins=bins, density=True)[0]
        h2 = np.histogram(cur, bins=bins, density=True)[0]
        width = (max(bins) - min(bins)) / (len(bins) - 1)
        total = 0
        for i in range(len(h1)):
            total += np.sqrt(h1[i] * h2[i]) * width
        value = np.sqrt(1 - np.clip(total, 0, 1))
        numeric.append({"name": name, "reference": floats(ref), "current": floats(cur), "integer": integer,
                        "value": f(value)})

    add_numeric("normal-shift", np.round(rng.normal(0, 1, 300), 3), np.round(rng.normal(0.5, 1, 200), 3))
    add_numeric("same", np.round(rng.normal(0, 1, 300), 2), np.round(rng.normal(0, 1, 300), 2))
    add_numeric("disjoint", np.round(rng.uniform(0, 1, 50), 3), np.round(rng.uniform(5, 6, 60), 3))
    add_numeric("integers-as-float", rng.integers(0, 10, 200).astype(float), rng.integers(3, 14, 150).astype(float))
    add_numeric("int64", rng.integers(0, 10, 200), rng.integers(3, 14, 150), integer=True)
    return sturges, histos, numeric


def main():
    sturges, histos, numeric = histogram_cases()
    data = {
        "versions": {"scipy": scipy.__version__, "numpy": np.__version__},
        "ks": ks_cases(),
        "ks_exact": ks_exact_cases(),
        "ks_asymp": ks_asymp_cases(),
        "wasserstein": wasserstein_cases(),
        "std": std_cases(),
        "anderson": anderson_cases(),
        "chisquare": chisquare_cases(),
        "chi2sf": chi2sf_cases(),
        "normsf": normsf_cases(),
        "ztest": ztest_cases(),
        "divergence": divergence_cases(),
        "fill": fill_cases(),
        "sturges": sturges,
        "histogram": histos,
        "hellinger_numeric": numeric,
    }
    with open(OUT, "w") as fh:
        json.dump(data, fh, allow_nan=False, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
