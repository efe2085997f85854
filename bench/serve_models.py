#!/usr/bin/env python3
"""serve_models.py OUT_DIR [--seed N]: train the models of serve-bench.sh and write every form the
three servers need.

Trains, on make_classification(n_samples=10000, n_features=20, n_informative=10, random_state=SEED),
a LogisticRegression(max_iter=1000) and a RandomForestClassifier(n_estimators=100, random_state=SEED),
both fit on a float64 NumPy array (no feature names), and writes for each NAME in lr, rf:

  OUT/NAME/model.pkl        the fitted estimator (pickle)
  OUT/NAME/mlflow/          mlflow.sklearn.save_model(..., pyfunc_predict_fn="predict_proba"), MLflow's
                            default serialization (skops in MLflow 3), no signature
  OUT/NAME/mlflow-signature/  the same with a signature (20 float64 columns f0..f19): MLflow then
                            checks every request against it
  OUT/NAME/mlv/             model.pkl, predict.py, mlv-model.yaml, example.json (the mlv model dir)
  OUT/NAME/fastapi/         model.pkl and app.py (a copy of serve_fastapi_app.py)

and the request bodies (MLflow's dataframe_split JSON, columns f0..f19, rows from a held-out part):

  OUT/body-1.json           one row
  OUT/body-100.json         100 rows
  OUT/expected.json         P(class 1) of each model for the rows of both bodies, the versions
                            used, and the test accuracy
"""
import argparse
import json
import os
import pickle
import shutil
import sys
import time

import numpy as np

N_FEATURES = 20
COLUMNS = [f"f{i}" for i in range(N_FEATURES)]

PREDICT_PY = '''import pickle
with open("model.pkl", "rb") as f:
    model = pickle.load(f)
def predict(x):
    return model.predict_proba(x)[:, 1]
'''

MLV_MODEL_YAML = '''runtime: python
entry_point: predict.py:predict
input_format: ndarray
input_example: example.json
'''


def body(rows):
    """The dataframe_split JSON for these rows. repr() keeps every float64 exactly."""
    data = ",".join("[" + ",".join(repr(float(v)) for v in r) + "]" for r in rows)
    return '{"dataframe_split": {"columns": %s, "data": [%s]}}' % (json.dumps(COLUMNS), data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    t0 = time.time()

    import pandas as pd
    import sklearn
    import mlflow
    import mlflow.sklearn
    from mlflow.models import infer_signature
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)

    X, y = make_classification(n_samples=10000, n_features=N_FEATURES, n_informative=10,
                               n_redundant=4, random_state=a.seed)
    X = X.astype(np.float64)
    X_train, y_train, X_test, y_test = X[:8000], y[:8000], X[8000:], y[8000:]
    rows_1, rows_100 = X_test[:1], X_test[:100]

    models = {
        "lr": LogisticRegression(max_iter=1000),
        "rf": RandomForestClassifier(n_estimators=100, random_state=a.seed),
    }
    expected = {
        "seed": a.seed,
        "columns": COLUMNS,
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__,
                     "scikit-learn": sklearn.__version__, "mlflow": mlflow.__version__},
        "models": {},
    }
    for name, est in models.items():
        est.fit(X_train, y_train)
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        with open(os.path.join(d, "model.pkl"), "wb") as f:
            pickle.dump(est, f, protocol=pickle.HIGHEST_PROTOCOL)

        # (a) MLflow: plain model directories, no tracking server or store; predict_proba so that
        # every server does the same work. Without a signature, and with one: MLflow then checks
        # every request's columns and types (what a logged model usually carries), which halves
        # its requests/s on 1-row requests. MLflow 3's default serialization (skops) refuses the
        # trees' node storage unless the type is named as trusted.
        sig_in = pd.DataFrame(X_train[:5], columns=COLUMNS)
        signature = infer_signature(sig_in, est.predict_proba(X_train[:5]))
        trusted = ["sklearn.tree._tree.Tree"] if name == "rf" else None
        mlflow.sklearn.save_model(est, os.path.join(d, "mlflow"), pyfunc_predict_fn="predict_proba",
                                  skops_trusted_types=trusted)
        mlflow.sklearn.save_model(est, os.path.join(d, "mlflow-signature"), signature=signature,
                                  pyfunc_predict_fn="predict_proba", skops_trusted_types=trusted)

        # (b) mlv model dir
        m = os.path.join(d, "mlv")
        os.makedirs(m)
        shutil.copy(os.path.join(d, "model.pkl"), os.path.join(m, "model.pkl"))
        with open(os.path.join(m, "predict.py"), "w") as f:
            f.write(PREDICT_PY)
        with open(os.path.join(m, "mlv-model.yaml"), "w") as f:
            f.write(MLV_MODEL_YAML)
        with open(os.path.join(m, "example.json"), "w") as f:
            f.write(body(rows_1) + "\n")

        # (c) FastAPI
        fa = os.path.join(d, "fastapi")
        os.makedirs(fa)
        shutil.copy(os.path.join(d, "model.pkl"), os.path.join(fa, "model.pkl"))
        shutil.copy(os.path.join(here, "serve_fastapi_app.py"), os.path.join(fa, "app.py"))

        expected["models"][name] = {
            "estimator": repr(est),
            "test_accuracy": float(est.score(X_test, y_test)),
            "p1": {"1": est.predict_proba(rows_1)[:, 1].tolist(), "100": est.predict_proba(rows_100)[:, 1].tolist()},
            "pickle_bytes": os.path.getsize(os.path.join(d, "model.pkl")),
        }

    for n, rows in (("1", rows_1), ("100", rows_100)):
        with open(os.path.join(out, f"body-{n}.json"), "w") as f:
            f.write(body(rows))
    expected["body_bytes"] = {n: os.path.getsize(os.path.join(out, f"body-{n}.json")) for n in ("1", "100")}
    expected["seconds"] = round(time.time() - t0, 2)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    for name, m in expected["models"].items():
        print(f"{name}: {m['estimator']}, test accuracy {m['test_accuracy']:.3f}, pickle {m['pickle_bytes']} bytes",
              file=sys.stderr)


if __name__ == "__main__":
    main()
