#!/usr/bin/env python3
"""serve_probe.py: small helpers of serve-bench.sh (standard library only).

  serve_probe.py port
      print a free TCP port on 127.0.0.1
  serve_probe.py wait BASE_URL TIMEOUT_S PID [PATH ...]
      poll GET BASE_URL/ping until it answers 200, then each PATH in turn (e.g. /ready) until it
      answers 200 or 404 (a server without that route); print the seconds it took. Exit 1 on
      timeout, 2 when process PID has exited meanwhile
  serve_probe.py cpu PGID
      print two numbers of CPU seconds so far: all CPUs busy (from /proc/stat, idle and iowait left
      out) and the processes of process group PGID (user + system, with their reaped children)
  serve_probe.py check BASE_URL BODY_FILE EXPECTED_JSON MODEL ROWS
      POST BODY_FILE to BASE_URL/invocations once and compare the predictions with P(class 1) in
      EXPECTED_JSON (models.MODEL.p1.ROWS). Accepted shapes: {"predictions": [p1, ...]},
      {"predictions": [[p0, p1], ...]} (MLflow with predict_proba), a bare list, or Open Inference
      Protocol {"outputs": [{"data": [...]}]}. Prints one line; exit 0 when every value is within
      1e-6, 3 when they differ, 1 on an HTTP error or a body it cannot read
"""
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped by the shell) still answers kill(0)
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait(base, timeout, pid, paths):
    t0 = time.monotonic()
    todo = ["/ping"] + [p for p in paths if p != "/ping"]
    while True:
        try:
            with urllib.request.urlopen(base + todo[0], timeout=2) as r:
                if r.status == 200:
                    todo.pop(0)
        except urllib.error.HTTPError as e:
            if e.code == 404 and todo[0] != "/ping":
                todo.pop(0)
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if not todo:
            print("%.2f" % (time.monotonic() - t0))
            return 0
        if not alive(pid):
            print("exited", file=sys.stderr)
            return 2
        if time.monotonic() - t0 > timeout:
            print("timeout", file=sys.stderr)
            return 1
        time.sleep(0.25)


def cpu(pgid):
    hz = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = sum(v[:8]) - v[3] - v[4]  # user nice system idle iowait irq softirq steal
    group = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(st[2]) == pgid:  # after the comm: state ppid pgrp ...; utime is field 14 of the whole line
            group += sum(int(x) for x in st[11:15])
    print("%.2f %.2f" % (busy / hz, group / hz))
    return 0


def values(doc):
    """The P(class 1) per row from a response, or None."""
    preds = None
    if isinstance(doc, list):
        preds = doc
    elif isinstance(doc, dict):
        if "predictions" in doc:
            preds = doc["predictions"]
        elif isinstance(doc.get("outputs"), list) and doc["outputs"] and isinstance(doc["outputs"][0], dict):
            preds = doc["outputs"][0].get("data")
    if not isinstance(preds, list):
        return None
    out = []
    for p in preds:
        if isinstance(p, dict):  # dataframe records, e.g. {"0": p0, "1": p1}
            p = list(p.values())
        if isinstance(p, list):
            if not p:
                return None
            p = p[-1]
        if not isinstance(p, (int, float)) or isinstance(p, bool):
            return None
        out.append(float(p))
    return out


def check(base, body_file, expected_file, model, rows):
    with open(body_file, "rb") as f:
        body = f.read()
    want = json.load(open(expected_file))["models"][model]["p1"][rows]
    req = urllib.request.Request(base + "/invocations", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, text = r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        print("HTTP %d: %s" % (e.code, e.read().decode("utf-8", "replace")[:300].replace("\n", " ")))
        return 1
    except (urllib.error.URLError, OSError) as e:
        print("request failed: %s" % e)
        return 1
    try:
        got = values(json.loads(text))
    except ValueError:
        got = None
    if got is None:
        print("HTTP %d, predictions not found in: %s" % (status, text[:300].replace("\n", " ")))
        return 1
    if len(got) != len(want):
        print("HTTP %d, %d predictions for %d rows" % (status, len(got), len(want)))
        return 3
    worst = max(abs(g - w) for g, w in zip(got, want))
    if worst > 1e-6:
        print("HTTP %d, predictions differ from the model's by up to %.3g (first: got %r, want %r)"
              % (status, worst, got[0], want[0]))
        return 3
    print("HTTP %d, %d predictions match (max diff %.1g)" % (status, len(got), worst))
    return 0


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "port":
        print(free_port())
        return 0
    if cmd == "wait" and len(sys.argv) >= 5:
        return wait(sys.argv[2].rstrip("/"), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
    if cmd == "cpu" and len(sys.argv) == 3:
        return cpu(int(sys.argv[2]))
    if cmd == "check" and len(sys.argv) == 7:
        return check(sys.argv[2].rstrip("/"), *sys.argv[3:7])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())
