#!/usr/bin/env python3
"""S3 helpers for bench/remote-bench.sh (boto3 for bucket work, http.client for the raw loop).

  remote_s3.py wait ENDPOINT TIMEOUT PID      wait until the server answers (exit 1 if PID dies)
  remote_s3.py mkbucket ENDPOINT BUCKET...    create buckets (an existing one is fine)
  remote_s3.py usage ENDPOINT BUCKET [PREFIX] print {"objects": N, "bytes": B} under PREFIX
  remote_s3.py raw ENDPOINT BUCKET SIZE THREADS MAX_OBJECTS MAX_SECONDS
        PUT objects of SIZE bytes from THREADS threads over keep-alive connections, with a dummy
        Authorization header (moto does not check it; Content-Type application/octet-stream:
        werkzeug reads a form-encoded body as a form and moto answers 400), until MAX_OBJECTS were sent or MAX_SECONDS
        passed; then GET them back the same way. Prints one JSON object with the PUT and GET
        figures. Both loops are bounded in count and time.
  remote_s3.py cpu PID                        print "BUSY PROC": CPU seconds the whole machine
        spent busy (from /proc/stat) and CPU seconds of process PID (all its threads)
  remote_s3.py field FILE KEY...              print the KEYs of the last JSON object in FILE
        (tab-separated, empty when missing)

Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (moto accepts any).
"""
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse


def client(endpoint):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=endpoint,
                        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                        config=Config(retries={"max_attempts": 3}))


def wait(endpoint, timeout, pid):
    u = urllib.parse.urlsplit(endpoint)
    end = time.monotonic() + float(timeout)
    while time.monotonic() < end:
        try:
            os.kill(int(pid), 0)
        except OSError:
            print("server process exited", file=sys.stderr)
            return 1
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=2)
            c.request("GET", "/")
            c.getresponse().read()
            c.close()
            return 0
        except OSError:
            time.sleep(0.2)
    print("timeout", file=sys.stderr)
    return 1


def mkbucket(endpoint, buckets):
    s3 = client(endpoint)
    have = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for b in buckets:
        if b not in have:
            s3.create_bucket(Bucket=b)
    return 0


def usage(endpoint, bucket, prefix=""):
    s3 = client(endpoint)
    n = total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            n += 1
            total += o["Size"]
    print(json.dumps({"objects": n, "bytes": total}))
    return 0


# moto does not check signatures, but answers 403 to a GET without an Authorization header
AUTH = ("AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
        "SignedHeaders=host, Signature=" + "0" * 64)


def raw(endpoint, bucket, size, threads, max_objects, max_seconds):
    u = urllib.parse.urlsplit(endpoint)
    size, threads, max_objects, max_seconds = int(size), int(threads), int(max_objects), float(max_seconds)
    body = os.urandom(size)
    lock = threading.Lock()
    state = {"next": 0, "done": 0, "errors": 0, "first_error": ""}

    def take(limit):
        with lock:
            if state["next"] >= limit:
                return None
            i = state["next"]
            state["next"] += 1
            return i

    def worker(method, limit, deadline):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        while time.monotonic() < deadline:
            i = take(limit)
            if i is None:
                break
            path = f"/{bucket}/raw-{size}/{i:08d}"
            try:
                if method == "PUT":
                    conn.request("PUT", path, body=body, headers={
                        "Authorization": AUTH, "Content-Type": "application/octet-stream",
                        "Content-Length": str(size)})
                else:
                    conn.request("GET", path, headers={"Authorization": AUTH})
                r = conn.getresponse()
                data = r.read()
                ok = r.status == 200 and (method == "PUT" or len(data) == size)
            except OSError as e:
                ok, r = False, None
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
                err = repr(e)
            else:
                err = f"HTTP {r.status}"
            with lock:
                if ok:
                    state["done"] += 1
                else:
                    state["errors"] += 1
                    state["first_error"] = state["first_error"] or f"{method} {path}: {err}"
        conn.close()

    def loop(method, limit):
        state.update(next=0, done=0, errors=0)
        t0 = time.monotonic()
        ts = [threading.Thread(target=worker, args=(method, limit, t0 + max_seconds)) for _ in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        secs = time.monotonic() - t0
        n = state["done"]
        return {"objects": n, "bytes": n * size, "seconds": round(secs, 3), "errors": state["errors"],
                "mb_s": round(n * size / secs / 1e6, 1), "obj_s": round(n / secs, 1)}

    put = loop("PUT", max_objects)
    get = loop("GET", put["objects"])
    print(json.dumps({"size": size, "threads": threads, "put": put, "get": get,
                      "errors": put["errors"] + get["errors"], "first_error": state["first_error"]}))
    return 0 if put["objects"] else 1


def cpu(pid):
    hz = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = sum(v[:8]) - v[3] - v[4]  # user nice system idle iowait irq softirq steal
    proc = 0
    try:
        with open(f"/proc/{int(pid)}/stat") as f:
            st = f.read().rsplit(")", 1)[1].split()
        proc = int(st[11]) + int(st[12])  # utime stime (all threads)
    except OSError:
        pass
    print("%.2f %.2f" % (busy / hz, proc / hz))
    return 0


def field(path, keys):
    doc = {}
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        text = ""
    # the last line (or block) that parses as a JSON object
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                doc = json.loads(line)
                break
            except ValueError:
                continue
    if not doc:
        try:
            doc = json.loads(text[text.index("{"):])
        except ValueError:
            doc = {}
    print("\t".join("" if doc.get(k) is None else str(doc.get(k)) for k in keys))
    return 0 if doc else 1


def main():
    a = sys.argv[1:]
    cmds = {"wait": (wait, 3), "mkbucket": (mkbucket, None), "usage": (usage, None),
            "raw": (raw, 6), "cpu": (cpu, 1), "field": (field, None)}
    if not a or a[0] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    fn, n = cmds[a[0]]
    args = a[1:]
    if a[0] == "mkbucket":
        return mkbucket(args[0], args[1:])
    if a[0] == "usage":
        return usage(*args)
    if a[0] == "field":
        return field(args[0], args[1:])
    if len(args) != n:
        print(__doc__, file=sys.stderr)
        return 2
    return fn(*args)


if __name__ == "__main__":
    sys.exit(main())
