"""Tests for mlv_worker.py, the Python side of docs/worker-protocol.md.

    python3 templates/serve/test_mlv_worker.py

Each test writes a small model into a temporary directory, starts the worker on it as a real
subprocess (as mlv does: `python3 -u mlv_worker.py MODEL_DIR MODULE_FILE FUNCTION FORMAT`) and
speaks the protocol over its pipes. Needs NumPy; the dataframe tests are skipped without pandas.
"""

import json
import os
import platform
import select
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlv_worker.py")
TIMEOUT = 60.0
U32 = struct.Struct("<I")

try:
    import pandas  # noqa: F401

    HAVE_PANDAS = True
except ImportError:
    HAVE_PANDAS = False


def frame(header, payload=b""):
    """A frame as mlv writes it."""
    head = json.dumps(header).encode()
    return U32.pack(4 + len(head) + len(payload)) + U32.pack(len(head)) + head + payload


def predict_frame(request_id, columns, splits=None, rows=None):
    """A predict frame; `columns` is [(name, type, values)]."""
    if rows is None:
        rows = len(columns[0][2])
    specs = []
    payload = []
    for name, kind, values in columns:
        assert len(values) == rows
        if kind == "str":
            specs.append({"name": name, "type": "str", "values": list(values)})
            continue
        specs.append({"name": name, "type": kind})
        if kind == "f64":
            payload.append(struct.pack(f"<{rows}d", *values))
        elif kind == "i64":
            payload.append(struct.pack(f"<{rows}q", *values))
        else:
            payload.append(bytes(1 if v else 0 for v in values))
    header = {"id": request_id, "rows": rows, "splits": splits or [rows], "columns": specs}
    return frame(header, b"".join(payload))


class Worker:
    """One worker process over a model directory holding `files` ({name: source})."""

    def __init__(self, source, fmt="columns", function="predict", module="predict.py", files=None):
        self.dir = tempfile.TemporaryDirectory(prefix="mlv-worker-test-")
        for name, text in {module: source, **(files or {})}.items():
            with open(os.path.join(self.dir.name, name), "w") as f:
                f.write(textwrap.dedent(text))
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-u", WORKER, self.dir.name, module, function, fmt],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            bufsize=0,
        )
        self.out = self.proc.stdout.fileno()
        self.inp = self.proc.stdin.fileno()

    def read_exact(self, n):
        chunks = []
        deadline = time.monotonic() + TIMEOUT
        while n:
            ready, _, _ = select.select([self.out], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError("the worker did not answer in time")
            chunk = os.read(self.out, n)
            if not chunk:
                raise EOFError("the worker closed its output")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def read_frame(self):
        """(header, [per-request JSON values]) for replies, (header, payload) for the rest."""
        (n,) = U32.unpack(self.read_exact(4))
        body = self.read_exact(n)
        (h,) = U32.unpack_from(body, 0)
        header = json.loads(body[4 : 4 + h].decode())
        payload = body[4 + h :]
        if "outputs" not in header:
            return header, payload
        values = []
        at = 0
        for _ in header["outputs"]:
            (k,) = U32.unpack_from(payload, at)
            values.append(json.loads(payload[at + 4 : at + 4 + k].decode()))
            at += 4 + k
        assert at == len(payload), "bytes left after the last request"
        return header, values

    def ready(self):
        header, payload = self.read_frame()
        assert header.get("ready") is True, header
        assert payload == b""
        return header

    def send(self, data):
        os.write(self.inp, data)

    def predict(self, request_id, columns, splits=None, rows=None):
        self.send(predict_frame(request_id, columns, splits, rows))
        return self.read_frame()

    def close(self):
        """Closes the worker's input; returns (exit status, stderr). Idempotent."""
        if self.stderr.closed:
            return self.proc.returncode, self.stderr_text
        self.proc.stdin.close()
        status = self.proc.wait(TIMEOUT)
        self.proc.stdout.close()
        self.stderr.seek(0)
        self.stderr_text = self.stderr.read().decode(errors="replace")
        self.stderr.close()
        self.dir.cleanup()
        return status, self.stderr_text

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
        self.close()


MIXED = [
    ("age", "f64", [31.5, float("nan"), 7.0]),
    ("n", "i64", [1, -2, 2**40]),
    ("ok", "bool", [True, False, True]),
    ("city", "str", ["paris", None, "nice"]),
]


class Startup(unittest.TestCase):
    def test_ready(self):
        with Worker("def predict(x):\n    return x\n") as w:
            header = w.ready()
            self.assertEqual(header["protocol"], 1)
            self.assertEqual(header["python"], platform.python_version())
            self.assertEqual(header["pid"], w.proc.pid)
            self.assertEqual(w.close()[0], 0)

    def test_eof_exits_0(self):
        with Worker("def predict(x):\n    return x\n") as w:
            w.ready()
            self.assertEqual(w.close(), (0, ""))

    def test_import_error(self):
        with Worker("import os\nimport no_such_module_for_mlv\n") as w:
            header, payload = w.read_frame()
            self.assertIs(header["ready"], False)
            self.assertEqual(header["error"], "ModuleNotFoundError: No module named 'no_such_module_for_mlv'")
            self.assertIn("predict.py", header["traceback"])
            self.assertNotIn("mlv_worker.py", header["traceback"])
            self.assertEqual(payload, b"")
            self.assertEqual(w.close()[0], 1)

    def test_exception_at_import(self):
        with Worker("raise RuntimeError('no weights')\n") as w:
            header, _ = w.read_frame()
            self.assertEqual(header["error"], "RuntimeError: no weights")
            self.assertEqual(w.close()[0], 1)

    def test_missing_function(self):
        with Worker("def predict(x):\n    return x\n", function="score") as w:
            header, _ = w.read_frame()
            self.assertIs(header["ready"], False)
            self.assertTrue(header["error"].startswith("AttributeError: "), header["error"])
            self.assertIn("'score'", header["error"])
            self.assertEqual(w.close()[0], 1)

    def test_unknown_format(self):
        with Worker("def predict(x):\n    return x\n", fmt="tensor") as w:
            header, _ = w.read_frame()
            self.assertIs(header["ready"], False)
            self.assertIn("'tensor'", header["error"])
            self.assertEqual(w.close()[0], 1)

    def test_imports_under_mlv_model_from_model_dir(self):
        source = """
            import os, sys
            import helper
            HERE = os.getcwd()
            def predict(x):
                n = len(x["a"])
                return {"name": [__name__] * n, "cwd": [HERE] * n, "first": [sys.path[0]] * n,
                        "helper": [helper.VALUE] * n}
        """
        with Worker(source, files={"helper.py": "VALUE = 42\n"}) as w:
            w.ready()
            model_dir = os.path.realpath(w.dir.name)
            _, values = w.predict(1, [("a", "f64", [1.0])])
            self.assertEqual(values[0]["name"], ["mlv_model"])
            self.assertEqual(os.path.realpath(values[0]["cwd"][0]), model_dir)
            self.assertEqual(os.path.realpath(values[0]["first"][0]), model_dir)
            self.assertEqual(values[0]["helper"], [42])
            self.assertEqual(w.close()[0], 0)


class InputFormats(unittest.TestCase):
    def test_columns(self):
        source = """
            def predict(cols):
                assert isinstance(cols, dict)
                n = len(cols["age"])
                meta = {k: [str(v.dtype), v.ndim, bool(v.flags.writeable), bool(v.flags.aligned)]
                        for k, v in cols.items()}
                return {"meta": [meta] * n,
                        "values": [[v[i] for v in cols.values()] for i in range(n)]}
        """
        with Worker(source, fmt="columns") as w:
            w.ready()
            header, values = w.predict(5, MIXED)
            self.assertEqual(header["id"], 5)
            meta = values[0]["meta"][0]
            self.assertEqual(list(meta), ["age", "n", "ok", "city"])
            self.assertEqual(meta["age"], ["float64", 1, True, True])
            self.assertEqual(meta["n"], ["int64", 1, True, True])
            self.assertEqual(meta["ok"], ["bool", 1, True, True])
            self.assertEqual(meta["city"], ["object", 1, True, True])
            self.assertEqual(
                values[0]["values"],
                [[31.5, 1, True, "paris"], [None, -2, False, None], [7.0, 2**40, True, "nice"]],
            )

    def test_columns_after_odd_bool_are_aligned(self):
        source = """
            def predict(cols):
                return [[bool(v.flags.aligned) for v in cols.values()]] * len(cols["b"])
        """
        with Worker(source) as w:
            w.ready()
            _, values = w.predict(1, [("b", "bool", [True]), ("x", "f64", [1.0]), ("n", "i64", [3])])
            self.assertEqual(values[0], [[True, True, True]])

    def test_ndarray(self):
        source = """
            def predict(x):
                n = x.shape[0]
                return {"x": x, "dtype": [str(x.dtype)] * n, "c": [bool(x.flags.c_contiguous)] * n,
                        "writeable": [bool(x.flags.writeable)] * n}
        """
        with Worker(source, fmt="ndarray") as w:
            w.ready()
            _, values = w.predict(1, MIXED[:3])
            self.assertEqual(values[0]["x"], [[31.5, 1.0, 1.0], [None, -2.0, 0.0], [7.0, 2.0**40, 1.0]])
            self.assertEqual(values[0]["dtype"], ["float64"] * 3)
            self.assertEqual(values[0]["c"], [True] * 3)
            self.assertEqual(values[0]["writeable"], [True] * 3)
            # All f64: the fast path.
            cols = [(f"x{j}", "f64", [j * 10.0 + i for i in range(4)]) for j in range(3)]
            header, values = w.predict(2, cols)
            self.assertEqual(values[0]["x"], [[i, 10.0 + i, 20.0 + i] for i in range(4)])
            self.assertEqual(header["outputs"][0]["fields"][0], {"name": "x", "datatype": "FP64", "shape": [4, 3]})
            self.assertEqual(values[0]["c"], [True] * 4)

    def test_ndarray_rejects_text(self):
        with Worker("def predict(x):\n    return x\n", fmt="ndarray") as w:
            w.ready()
            header, payload = w.predict(3, MIXED)
            self.assertEqual(header["id"], 3)
            self.assertEqual(header["error"], "ValueError: input format 'ndarray' needs numeric columns; 'city' is text")
            self.assertEqual(payload, b"")
            _, values = w.predict(4, MIXED[:1])
            self.assertEqual(values[0], [[31.5], [None], [7.0]])
            self.assertEqual(w.close()[0], 0)

    def test_records(self):
        source = """
            def predict(records):
                assert isinstance(records, list)
                return [{k: [v, type(v).__name__] for k, v in r.items()} for r in records]
        """
        with Worker(source, fmt="records") as w:
            w.ready()
            header, values = w.predict(1, MIXED, splits=[1, 2])
            self.assertEqual(
                values,
                [
                    [{"age": [31.5, "float"], "n": [1, "int"], "ok": [True, "bool"], "city": ["paris", "str"]}],
                    [
                        {"age": [None, "NoneType"], "n": [-2, "int"], "ok": [False, "bool"], "city": [None, "NoneType"]},
                        {"age": [7.0, "float"], "n": [2**40, "int"], "ok": [True, "bool"], "city": ["nice", "str"]},
                    ],
                ],
            )
            self.assertEqual([o["datatype"] for o in header["outputs"]], ["BYTES", "BYTES"])
            self.assertEqual([o["shape"] for o in header["outputs"]], [[1], [2]])

    @unittest.skipUnless(HAVE_PANDAS, "pandas is not installed")
    def test_dataframe(self):
        source = """
            import pandas as pd
            def predict(df):
                assert isinstance(df, pd.DataFrame)
                out = df.copy()
                out["dtypes"] = ",".join(str(t) for t in df.dtypes)
                return out
        """
        with Worker(source, fmt="dataframe") as w:
            w.ready()
            header, values = w.predict(1, MIXED, splits=[2, 1])
            self.assertEqual(header["outputs"][0], {"name": "predictions", "datatype": "BYTES", "shape": [2, 5]})
            self.assertEqual(header["outputs"][1]["shape"], [1, 5])
            # Text is object before pandas 3, its own string dtype since.
            dtypes = values[0][0]["dtypes"]
            self.assertIn(dtypes, ["float64,int64,bool,object", "float64,int64,bool,str"])
            self.assertEqual(
                values,
                [
                    [
                        {"age": 31.5, "n": 1, "ok": True, "city": "paris", "dtypes": dtypes},
                        {"age": None, "n": -2, "ok": False, "city": None, "dtypes": dtypes},
                    ],
                    [{"age": 7.0, "n": 2**40, "ok": True, "city": "nice", "dtypes": dtypes}],
                ],
            )

    @unittest.skipUnless(HAVE_PANDAS, "pandas is not installed")
    def test_series_result(self):
        source = """
            import pandas as pd
            def predict(df):
                return df["age"] * 2
        """
        with Worker(source, fmt="dataframe") as w:
            w.ready()
            header, values = w.predict(1, MIXED, splits=[1, 2])
            self.assertEqual(values, [[63.0], [None, 14.0]])
            self.assertEqual([o["datatype"] for o in header["outputs"]], ["FP64", "FP64"])


class Results(unittest.TestCase):
    def run_model(self, source, columns, splits, fmt="ndarray"):
        with Worker(source, fmt=fmt) as w:
            w.ready()
            header, values = w.predict(9, columns, splits=splits)
            self.assertEqual(w.close()[0], 0)
        self.assertEqual(header["id"], 9)
        return header["outputs"], values

    X6 = [("a", "f64", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), ("b", "f64", [0.5] * 6)]

    def test_split_1d(self):
        outputs, values = self.run_model("def predict(x):\n    return x[:, 0] * 2\n", self.X6, [1, 2, 3])
        self.assertEqual(values, [[2.0], [4.0, 6.0], [8.0, 10.0, 12.0]])
        self.assertEqual(
            outputs,
            [{"name": "predictions", "datatype": "FP64", "shape": [n]} for n in (1, 2, 3)],
        )

    def test_split_2d(self):
        source = "import numpy as np\ndef predict(x):\n    return (x * 2).astype(np.float32)\n"
        outputs, values = self.run_model(source, self.X6, [4, 2])
        self.assertEqual(values, [[[2.0, 1.0], [4.0, 1.0], [6.0, 1.0], [8.0, 1.0]], [[10.0, 1.0], [12.0, 1.0]]])
        self.assertEqual([(o["datatype"], o["shape"]) for o in outputs], [("FP32", [4, 2]), ("FP32", [2, 2])])

    def test_split_dict(self):
        source = """
            import numpy as np
            def predict(x):
                return {"label": (x[:, 0] > 2).astype(np.int64), "proba": np.column_stack([x[:, 0] / 10, 1 - x[:, 0] / 10]),
                        "name": np.array(["n%d" % v for v in x[:, 0]], dtype=object), "ok": x[:, 0] > 4}
        """
        outputs, values = self.run_model(source, self.X6, [2, 4])
        self.assertEqual(
            outputs[0],
            {
                "name": "predictions",
                "datatype": "BYTES",
                "shape": [2],
                "fields": [
                    {"name": "label", "datatype": "INT64", "shape": [2]},
                    {"name": "proba", "datatype": "FP64", "shape": [2, 2]},
                    {"name": "name", "datatype": "BYTES", "shape": [2]},
                    {"name": "ok", "datatype": "BOOL", "shape": [2]},
                ],
            },
        )
        self.assertEqual(outputs[1]["fields"][1]["shape"], [4, 2])
        self.assertEqual(list(values[0]), ["label", "proba", "name", "ok"])
        self.assertEqual(
            values[0], {"label": [0, 0], "proba": [[0.1, 0.9], [0.2, 0.8]], "name": ["n1", "n2"], "ok": [False, False]}
        )
        self.assertEqual(values[1]["label"], [1, 1, 1, 1])
        self.assertEqual(values[1]["ok"], [False, False, True, True])

    def test_split_list(self):
        outputs, values = self.run_model("def predict(x):\n    return [float(v) for v in x[:, 0]]\n", self.X6, [3, 3])
        self.assertEqual(values, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        self.assertEqual([(o["datatype"], o["shape"]) for o in outputs], [("FP64", [3]), ("FP64", [3])])
        source = "def predict(x):\n    return ['yes' if v > 3 else 'no' for v in x[:, 0]]\n"
        outputs, values = self.run_model(source, self.X6, [5, 1])
        self.assertEqual(values, [["no", "no", "no", "yes", "yes"], ["yes"]])
        self.assertEqual([(o["datatype"], o["shape"]) for o in outputs], [("BYTES", [5]), ("BYTES", [1])])
        source = "def predict(x):\n    return [{'v': v} for v in x[:, 0]]\n"  # numpy scalars inside
        outputs, values = self.run_model(source, self.X6, [6])
        self.assertEqual(values, [[{"v": float(v)} for v in range(1, 7)]])
        self.assertEqual(outputs[0]["datatype"], "BYTES")

    def test_integer_datatypes(self):
        source = """
            import numpy as np
            def predict(x):
                n = len(x)
                return {t: np.ones(n, dtype=t) for t in ["int8", "int16", "int32", "uint8", "uint16", "uint32", "uint64", "float16"]}
        """
        outputs, values = self.run_model(source, self.X6[:1], [6])
        self.assertEqual(
            [f["datatype"] for f in outputs[0]["fields"]],
            ["INT8", "INT16", "INT32", "UINT8", "UINT16", "UINT32", "UINT64", "FP16"],
        )
        self.assertEqual(values[0]["int8"], [1] * 6)

    def test_non_finite_outputs_are_null(self):
        source = """
            import numpy as np
            def predict(x):
                y = x[:, 0].copy()
                y[1] = np.nan
                y[2] = np.inf
                y[4] = -np.inf
                return {"y": y, "y32": y.astype(np.float32), "objs": [float("nan"), np.float32("nan"), 1, None, "s", np.int64(5)]}
        """
        outputs, values = self.run_model(source, self.X6, [3, 3])
        self.assertEqual(values[0], {"y": [1.0, None, None], "y32": [1.0, None, None], "objs": [None, None, 1]})
        self.assertEqual(values[1], {"y": [4.0, None, 6.0], "y32": [4.0, None, 6.0], "objs": [None, "s", 5]})

    def test_wrong_length_and_scalars_are_errors(self):
        cases = {
            "return x[:2, 0]": "ValueError: predict.py:predict returned 2 rows for a batch of 3",
            "return {'p': x[:, 0], 'q': x[:1, 0]}": "ValueError: predict.py:predict returned 1 rows for 'q' for a batch of 3",
            "return 1.5": "TypeError: predict.py:predict returned float;",
            "return np.float64(1.5)": "TypeError: predict.py:predict returned float64;",
            "return np.array(2.0)": "TypeError: predict.py:predict returned a scalar",
            "return [object()] * len(x)": "TypeError: predict.py:predict returned a value that JSON cannot hold",
        }
        source = "import numpy as np\ndef predict(x):\n    " + "\n    ".join(
            f"if x[0, 0] == {i}:\n        {body}" for i, body in enumerate(cases)
        )
        with Worker(source, fmt="ndarray") as w:
            w.ready()
            for i, expected in enumerate(cases.values()):
                header, payload = w.predict(i, [("a", "f64", [float(i), 0.0, 0.0])], splits=[1, 2])
                self.assertEqual(header["id"], i)
                self.assertTrue(header["error"].startswith(expected), (expected, header["error"]))
                self.assertEqual(payload, b"")
            self.assertEqual(w.close()[0], 0)


class Robustness(unittest.TestCase):
    def test_exception_then_next_request(self):
        source = """
            def helper(v):
                raise ValueError("X has 2 features, but the model is expecting 20")

            def predict(cols):
                if cols["a"][0] < 0:
                    helper(1)
                return cols["a"] + 1
        """
        with Worker(source) as w:
            w.ready()
            header, payload = w.predict(17, [("a", "f64", [-1.0])])
            self.assertEqual(header["id"], 17)
            self.assertEqual(header["error"], "ValueError: X has 2 features, but the model is expecting 20")
            self.assertIn("in helper", header["traceback"])
            self.assertIn("predict.py", header["traceback"])
            self.assertNotIn("mlv_worker.py", header["traceback"])
            self.assertEqual(payload, b"")
            header, values = w.predict(18, [("a", "f64", [1.0, 2.0])], splits=[2])
            self.assertEqual(header["id"], 18)
            self.assertEqual(values, [[2.0, 3.0]])
            self.assertEqual(w.close()[0], 0)

    def test_prints_go_to_stderr(self):
        source = """
            import os, subprocess, sys
            print("hello from import")
            os.write(1, b"raw fd 1 at import\\n")
            def predict(cols):
                print("in predict", len(cols["a"]))
                sys.stdout.write("stdout write\\n")
                subprocess.run([sys.executable, "-c", "import sys; print('child'); print(sys.stdin.read() == '')"], check=True)
                return cols["a"]
        """
        with Worker(source) as w:
            w.ready()
            for i in range(3):
                header, values = w.predict(i, [("a", "f64", [1.0, 2.0])])
                self.assertEqual(values, [[1.0, 2.0]])
            status, stderr = w.close()
        self.assertEqual(status, 0)
        for text in ["hello from import", "raw fd 1 at import", "in predict 2", "stdout write", "child\nTrue"]:
            self.assertIn(text, stderr)

    def test_truncated_frame_exits_2(self):
        with Worker("def predict(x):\n    return x['a']\n") as w:
            w.ready()
            data = predict_frame(1, [("a", "f64", [1.0, 2.0])])
            w.send(data[:-5])
            status, stderr = w.close()
        self.assertEqual(status, 2)
        self.assertIn("bad frame", stderr)

    def test_truncated_length_exits_2(self):
        with Worker("def predict(x):\n    return x['a']\n") as w:
            w.ready()
            w.send(b"\x10\x00")
            self.assertEqual(w.close()[0], 2)

    def test_unparseable_frames_exit_2(self):
        bad = [
            frame({"id": 1, "rows": 2, "splits": [2], "columns": [{"name": "a", "type": "f64"}]}, b"\0" * 8),
            frame({"id": 1, "rows": 2, "splits": [1], "columns": []}),
            frame({"id": 1, "rows": 1, "splits": [1], "columns": [{"name": "a", "type": "f32"}]}, b"\0" * 4),
            U32.pack(4 + 5) + U32.pack(5) + b"{nope",
            U32.pack(4 + 100) + U32.pack(100) + b"{}" * 50,
        ]
        for data in bad:
            with Worker("def predict(x):\n    return x['a']\n") as w:
                w.ready()
                w.send(data)
                self.assertEqual(w.close()[0], 2, data)


class Speed(unittest.TestCase):
    FRAMES = 20_000

    def test_timing_1_row_ndarray(self):
        source = """
            import numpy as np
            W = np.linspace(-1, 1, 20)
            def predict(x):
                return x @ W
        """
        with Worker(source, fmt="ndarray") as w:
            w.ready()
            frames = [predict_frame(i, [(f"x{j}", "f64", [i * 0.001 + j]) for j in range(20)]) for i in range(self.FRAMES)]
            # Warm up, and check the answer once.
            w.send(frames[0])
            _, values = w.read_frame()
            self.assertAlmostEqual(values[0][0], sum(j * v for j, v in zip(range(20), [-1 + 2 * k / 19 for k in range(20)])))
            cpu0 = worker_cpu_seconds(w.proc.pid)
            start = time.perf_counter()
            out = w.out
            for data in frames:
                os.write(w.inp, data)
                n = U32.unpack(os.read(out, 4))[0]  # a reply this small arrives whole
                reply = os.read(out, n)
                while len(reply) < n:
                    reply += os.read(out, n - len(reply))
            wall = time.perf_counter() - start
            cpu1 = worker_cpu_seconds(w.proc.pid)
            self.assertEqual(w.close()[0], 0)
        per_frame = f"{wall / self.FRAMES * 1e6:.1f} µs/frame round trip"
        if cpu0 is not None:
            per_frame += f", {(cpu1 - cpu0) / self.FRAMES * 1e6:.1f} µs/frame of worker CPU"
        print(f"\n{self.FRAMES} 1-row frames of 20 f64 columns, ndarray, x @ w: {per_frame}", file=sys.stderr)


def worker_cpu_seconds(pid):
    """User + system CPU of a live process from /proc (Linux); None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    unittest.main()
