#!/usr/bin/env python3
"""Checks `mlv serve` against MLflow's and Triton's own Python clients.

Usage: serve_compat.py URL MODEL   (e.g. http://127.0.0.1:8080 demo)

The served model must take two float columns a and b and predict a + 2*b per row. Each check
goes through the client code an MLflow or Triton user would call: MLflow's ScoringServerClient
and serving-input helpers, and tritonclient.http. Prints one line per failed check and exits 1,
or exits 0 when every check passes; SERVE_COMPAT_TRACE=1 adds tracebacks on stderr. Lines
starting with "warning:" (on stderr) flag differences from MLflow or Triton that are not
failures. Needs mlflow-skinny, pandas, scipy and tritonclient[http] (scripts/setup.sh puts them
in .build/test-venv; scipy only because mlflow-skinny's dump_input_data, which
ScoringServerClient.invoke calls, fails with ModuleNotFoundError without it).
"""

import http.client
import json
import os
import signal
import sys
import time
import traceback
from urllib.parse import urlsplit

try:
    import numpy as np
    import pandas as pd
    import requests
    import tritonclient.http as triton
    from mlflow.deployments import PredictionsResponse
    from mlflow.models import convert_input_example_to_serving_input
    from mlflow.pyfunc import scoring_server
    from mlflow.pyfunc.scoring_server.client import ScoringServerClient
    from tritonclient.utils import InferenceServerException
except ImportError as error:
    print(f"setup: {error} (run scripts/setup.sh and use .build/test-venv/bin/python)")
    sys.exit(1)

TIMEOUT = 30  # seconds for one request; the whole run is bounded by WATCHDOG
WATCHDOG = 300

FRAME = pd.DataFrame({"a": [1.0, 3.0, 5.0], "b": [2.0, 4.0, 6.0]})
EXPECTED = (FRAME["a"] + 2 * FRAME["b"]).to_numpy()  # [5, 11, 17]

failures = []
server = {"base": ""}  # the URL, for answering() between checks


class Unreachable(Exception):
    """The server stopped answering: the remaining checks would all fail the same way."""


def fail(name, message):
    failures.append(f"{name}: {' '.join(str(message).split())}")


def warn(message):
    print(f"warning: {message}", file=sys.stderr)


def check(name):
    """Runs the decorated function at once, as one check: an exception is its failure."""

    def run(fn):
        try:
            fn()
        except AssertionError as error:
            fail(name, error)
        except (ConnectionError, requests.exceptions.ConnectionError, http.client.HTTPException) as error:
            fail(name, f"{type(error).__name__}: {error}")
            if not answering():
                raise Unreachable() from error
        except Exception as error:  # noqa: BLE001 - any client error is a failed check
            fail(name, f"{type(error).__name__}: {error}")
            if os.environ.get("SERVE_COMPAT_TRACE"):
                traceback.print_exc(file=sys.stderr)
        return fn

    return run


def answering():
    try:
        return requests.get(server["base"] + "/ping", timeout=5).status_code == 200
    except requests.exceptions.RequestException:
        return False


def same(got, name):
    got = np.asarray(got, dtype=np.float64).reshape(-1)
    ok = got.shape == EXPECTED.shape and np.allclose(got, EXPECTED)
    assert ok, f"{name} = {got.tolist()}, want {EXPECTED.tolist()}"


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2])
        return 2
    url, model = sys.argv[1].rstrip("/"), sys.argv[2]
    parts = urlsplit(url if "://" in url else "http://" + url)
    host, port = parts.hostname, parts.port
    base = server["base"] = f"http://{host}:{port}"

    def on_alarm(*_):
        for line in failures:
            print(line)
        print(f"watchdog: the checks did not finish in {WATCHDOG} s")
        os._exit(1)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(WATCHDOG)

    try:
        check_mlflow(base, host, port)
        check_triton(host, port, model)
    except Unreachable:
        failures.append(f"server at {base} does not answer any more; the remaining checks were not run")

    for line in failures:
        print(line)
    return 1 if failures else 0


# MLflow scoring protocol, through MLflow's own client (mlflow.pyfunc.scoring_server.client) and
# serving-input helpers.
def check_mlflow(base, host, port):
    client = ScoringServerClient(host, port)

    @check("mlflow wait_server_ready")
    def _():
        client.wait_server_ready(timeout=TIMEOUT)

    @check("mlflow ping")
    def _():
        client.ping()

    @check("GET /health")
    def _():
        response = requests.get(base + "/health", timeout=TIMEOUT)
        assert response.status_code == 200, f"HTTP {response.status_code}: {response.text}"

    @check("mlflow invoke(DataFrame) [dataframe_split with index]")
    def _():
        # ScoringServerClient.invoke sends {"dataframe_split": df.to_dict(orient="split")}.
        result = client.invoke(FRAME)
        assert isinstance(result, PredictionsResponse)
        same(result.get_predictions(predictions_format="ndarray"), "predictions")
        frame = result.get_predictions()  # the default, a DataFrame
        same(frame.iloc[:, 0], "predictions as DataFrame")

    @check("mlflow convert_input_example_to_serving_input(DataFrame) [dataframe_split]")
    def _():
        body = convert_input_example_to_serving_input(FRAME)
        assert scoring_server.DF_SPLIT in json.loads(body), body
        same(client.invoke(body)["predictions"], "predictions")

    @check("mlflow invoke [dataframe_records]")
    def _():
        body = json.dumps({scoring_server.DF_RECORDS: FRAME.to_dict(orient="records")})
        same(client.invoke(body)["predictions"], "predictions")

    @check("mlflow invoke [instances]")
    def _():
        body = json.dumps({scoring_server.INSTANCES: FRAME.to_dict(orient="records")})
        same(client.invoke(body)["predictions"], "predictions")

    @check("mlflow invoke(ndarray) [inputs]")
    def _():
        # ScoringServerClient.invoke sends {"inputs": array.tolist()}.
        same(client.invoke(FRAME.to_numpy())["predictions"], "predictions")

    @check("mlflow invoke [dataframe_split with params]")
    def _():
        same(client.invoke(FRAME, params={"unused": 1})["predictions"], "predictions")

    @check("POST /invocations text/csv from DataFrame.to_csv(index=False)")
    def _():
        response = requests.post(
            base + "/invocations",
            data=FRAME.to_csv(index=False),
            headers={"Content-Type": scoring_server.CONTENT_TYPE_CSV},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, f"HTTP {response.status_code}: {response.text}"
        same(PredictionsResponse.from_json(response.text)["predictions"], "predictions")

    def error(name, status, body, content_type=scoring_server.CONTENT_TYPE_JSON):
        @check(name)
        def _():
            headers = {"Content-Type": content_type}
            response = requests.post(base + "/invocations", data=body, headers=headers, timeout=TIMEOUT)
            assert response.status_code == status, f"HTTP {response.status_code}, want {status}: {response.text}"
            payload = response.json()
            keys = all(isinstance(payload.get(key), str) for key in ("error_code", "message"))
            assert keys, f"error body {response.text}"

    error("mlflow error: body without an input key -> 400", 400, json.dumps({"foo": 1}))
    error("mlflow error: body not JSON -> 400", 400, "not json")
    error("mlflow error: unsupported content type -> 415", 415, "a b", content_type="text/plain")
    error("mlflow error: missing column b -> 422", 422, json.dumps({scoring_server.DF_RECORDS: [{"a": 1.0}]}))

    try:
        client.get_version()
    except Exception as error:  # noqa: BLE001
        warn(f"MLflow's ScoringServerClient.get_version() (GET /version) fails: {error}")


# Open Inference Protocol v2, through tritonclient.http.
def check_triton(host, port, model):
    client = triton.InferenceServerClient(url=f"{host}:{port}", connection_timeout=TIMEOUT, network_timeout=TIMEOUT)
    wanted = lambda: [triton.InferRequestedOutput("predictions", binary_data=False)]  # noqa: E731
    metadata = {}

    def tensor(name, array, datatype="FP64", binary=False):
        value = triton.InferInput(name, list(array.shape), datatype)
        value.set_data_from_numpy(array, binary_data=binary)
        return value

    matrix = FRAME.to_numpy(dtype=np.float64)  # shape [3, 2]

    @check("triton is_server_live")
    def _():
        assert client.is_server_live() is True, "not live"

    @check("triton is_server_ready")
    def _():
        assert client.is_server_ready() is True, "not ready"

    @check("triton is_model_ready")
    def _():
        assert client.is_model_ready(model) is True, f"model {model!r} not ready"

    @check("triton get_server_metadata")
    def _():
        info = metadata["server"] = client.get_server_metadata()
        assert isinstance(info.get("name"), str) and isinstance(info.get("version"), str), info
        assert isinstance(info.get("extensions"), list), info

    @check("triton get_model_metadata")
    def _():
        meta = client.get_model_metadata(model)
        metadata["model"] = meta
        assert meta.get("name") == model, meta
        assert isinstance(meta.get("versions"), list) and meta["versions"], meta
        assert isinstance(meta.get("platform"), str), meta
        for key in ("inputs", "outputs"):
            tensors = meta.get(key)
            assert isinstance(tensors, list) and all({"name", "datatype", "shape"} <= set(t) for t in tensors), meta

    def predictions(result, request_id=None):
        response = result.get_response()
        assert response.get("model_name") == model, response
        if request_id is not None:
            assert response.get("id") == request_id, f"id {response.get('id')!r}, want {request_id!r}"
        output = result.get_output("predictions")
        assert output is not None, response
        assert output["datatype"] == "FP64" and output["shape"] == [3], output
        return result.as_numpy("predictions")

    @check("triton infer x[3,2] FP64 (JSON)")
    def _():
        result = client.infer(model, inputs=[tensor("x", matrix)], outputs=wanted(), request_id="compat-1")
        same(predictions(result, "compat-1"), "as_numpy('predictions')")
        outputs = {t["name"]: t for t in metadata.get("model", {}).get("outputs", [])}
        declared = outputs.get("predictions", {}).get("datatype")
        returned = result.get_output("predictions")["datatype"]
        if declared and declared != returned:
            warn(f"model metadata declares output predictions as {declared}, infer returns {returned}")

    @check("triton infer a[3], b[3] FP64 (JSON)")
    def _():
        inputs = [tensor("a", matrix[:, 0].copy()), tensor("b", matrix[:, 1].copy())]
        same(predictions(client.infer(model, inputs=inputs, outputs=wanted())), "as_numpy('predictions')")

    @check("triton infer without outputs (JSON inputs)")
    def _():
        # tritonclient then asks for {"parameters": {"binary_data_output": true}}; a JSON answer is fine too.
        same(predictions(client.infer(model, inputs=[tensor("x", matrix)])), "as_numpy('predictions')")

    @check("triton infer model_version (/versions/{v}/infer)")
    def _():
        version = str((metadata.get("model") or client.get_model_metadata(model))["versions"][0])
        result = client.infer(model, inputs=[tensor("x", matrix)], outputs=wanted(), model_version=version)
        assert result.get_response().get("model_version") == version, result.get_response()
        same(predictions(result), "as_numpy('predictions')")

    @check("triton infer with tritonclient's default binary tensors")
    def _():
        # binary_data=True is tritonclient's default. A server that advertises the
        # binary_tensor_data extension must answer it; one that does not must refuse it cleanly.
        extensions = (metadata.get("server") or client.get_server_metadata()).get("extensions", [])
        inputs = [tensor("x", matrix, binary=True)]
        if "binary_tensor_data" in extensions:
            same(predictions(client.infer(model, inputs=inputs)), "as_numpy('predictions')")
            return
        started = time.monotonic()
        try:
            client.infer(model, inputs=inputs)
        except InferenceServerException as error:
            assert str(error.status()) == "400", f"status {error.status()}: {error.message()}"
            warn(f"binary tensor data is not supported (tritonclient's default): {error}")
        else:
            raise AssertionError("a binary request was answered: add binary_tensor_data to the server's extensions")
        assert time.monotonic() - started < TIMEOUT, "took too long"

    unknown = "no-such-model-" + model

    @check("triton unknown model: is_model_ready is False")
    def _():
        assert client.is_model_ready(unknown) is False, "ready"

    for what, call in [
        ("get_model_metadata", lambda: client.get_model_metadata(unknown)),
        ("infer", lambda: client.infer(unknown, inputs=[tensor("x", matrix)], outputs=wanted())),
    ]:

        @check(f"triton unknown model: {what} raises InferenceServerException")
        def _(what=what, call=call):
            started = time.monotonic()
            try:
                call()
            except InferenceServerException:
                pass
            else:
                raise AssertionError("no exception")
            assert time.monotonic() - started < TIMEOUT, "took too long"


if __name__ == "__main__":
    sys.exit(main())
