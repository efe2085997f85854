#!/usr/bin/env python3
"""A tiny, seeded logistic regression for the mlv demo (numpy only).

Reads data/train.csv (age,income,city,label) and params.json ({"lr", "epochs", "l2"}),
seeds numpy from MLV_SEED (mlv run/repro export it), trains by full-batch gradient descent on
the standardised numeric columns, and writes model.npy (the columns' means and standard
deviations, then the weights: what examples/predict.py needs) and metrics.json. The same seed,
params and data give the same bytes: a fixed row order, float64 throughout, sums by numpy's
own reductions rather than BLAS (whose result depends on its thread count), and metrics
rounded before they are written.
"""
import json
import os

import numpy as np

MAX_ROWS = 200_000  # a seeded subsample keeps a run under a second on 600k rows

rng = np.random.default_rng(int(os.environ["MLV_SEED"]))
with open("params.json") as f:
    params = json.load(f)
lr, epochs, l2 = float(params["lr"]), int(params["epochs"]), float(params.get("l2", 0.0))

data = np.loadtxt("data/train.csv", delimiter=",", skiprows=1, usecols=(0, 1, 3))
if len(data) > MAX_ROWS:
    data = data[np.sort(rng.choice(len(data), MAX_ROWS, replace=False))]
x, y = data[:, :2], data[:, 2]
mean, std = x.mean(axis=0), x.std(axis=0)
x = (x - mean) / std
x = np.hstack([x, np.ones((len(x), 1))])  # bias column

w = rng.normal(0.0, 0.01, size=x.shape[1])
for _ in range(epochs):
    p = 1.0 / (1.0 + np.exp(-(x * w).sum(axis=1)))
    grad = (x * (p - y)[:, None]).sum(axis=0) / len(y) + l2 * np.r_[w[:-1], 0.0]
    w -= lr * grad

p = np.clip(1.0 / (1.0 + np.exp(-(x * w).sum(axis=1))), 1e-12, 1 - 1e-12)
loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
accuracy = float(np.mean((p >= 0.5) == (y == 1)))

np.save("model.npy", np.r_[mean, std, w])
with open("metrics.json", "w") as f:
    json.dump({"accuracy": round(accuracy, 6), "loss": round(loss, 6)}, f, indent=2)
    f.write("\n")
print(f"trained on {len(y)} rows: accuracy {accuracy:.4f}, loss {loss:.4f}")
