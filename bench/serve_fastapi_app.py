"""The hand-written FastAPI baseline of serve-bench.sh (copied next to model.pkl as app.py).

    uvicorn app:app --host 127.0.0.1 --port PORT --workers 1

GET /ping answers 200. POST /invocations takes MLflow's dataframe_split JSON,
{"dataframe_split": {"columns": ["f0", ..., "f19"], "data": [[...], ...]}}, validated by pydantic,
puts the columns in training order, and returns {"predictions": [P(class 1) per row]}.
The endpoint is a plain `def`, as FastAPI advises for blocking (CPU) work: it runs in the thread pool.

FASTAPI_TCP_NODELAY=1 works around Kludex/uvicorn#3149: with --workers N > 1, uvicorn binds the
listening socket itself with proto 0, and asyncio turns TCP_NODELAY on only for sockets whose proto
is IPPROTO_TCP, so Nagle's algorithm stays on and every keep-alive response waits for the client's
delayed ACK (~44 ms on Linux). serve-bench.sh sets it for its --workers 2 row; --workers 1 does not
need it.
"""
import os
import pickle
import socket

if os.environ.get("FASTAPI_TCP_NODELAY") == "1":
    import asyncio.base_events

    def _set_nodelay(sock):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    asyncio.base_events._set_nodelay = _set_nodelay

import numpy as np
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

COLUMNS = [f"f{i}" for i in range(20)]

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.pkl"), "rb") as f:
    model = pickle.load(f)


class DataframeSplit(BaseModel):
    columns: list[str]
    data: list[list[float]]


class InvocationRequest(BaseModel):
    dataframe_split: DataframeSplit


app = FastAPI()


@app.get("/ping")
def ping():
    return {"status": "ok"}


@app.post("/invocations")
def invocations(req: InvocationRequest):
    cols = req.dataframe_split.columns
    try:
        x = np.asarray(req.dataframe_split.data, dtype=np.float64)
    except ValueError as e:  # ragged rows
        raise HTTPException(status_code=400, detail=f"bad data: {e}")
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] != len(cols):
        raise HTTPException(status_code=400, detail=f"data has shape {x.shape}, {len(cols)} columns named")
    if cols != COLUMNS:
        missing = [c for c in COLUMNS if c not in cols]
        if missing:
            raise HTTPException(status_code=400, detail=f"missing columns: {missing}")
        x = x[:, [cols.index(c) for c in COLUMNS]]
    return {"predictions": model.predict_proba(x)[:, 1].tolist()}
