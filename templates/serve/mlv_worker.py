"""The Python side of `mlv serve`: runs a model's inference function for mlv over a pipe.

    python3 -u mlv_worker.py MODEL_DIR MODULE_FILE FUNCTION INPUT_FORMAT

The contract is docs/worker-protocol.md (protocol version 1); in short:

- Every message either way is a frame: u32 little-endian length N (at most 1 GiB), then a body
  of a u32 little-endian header length H, H bytes of UTF-8 JSON, and N - 4 - H bytes of payload.
- The worker chdirs into MODEL_DIR, imports MODULE_FILE as `mlv_model`, looks up FUNCTION and
  sends one ready frame: {"ready": true, "protocol": 1, "python": ..., "pid": ...}, or
  {"ready": false, "error": "Type: message", "traceback": ...} and exits 1.
- mlv then sends predict frames: {"id", "rows", "splits", "columns"}, the payload holding the
  f64/i64/bool columns in order (`rows` values each), text columns in the header. The worker
  builds one argument per INPUT_FORMAT (columns, ndarray, dataframe or records), calls the
  function once per batch, splits the result by `splits` and replies
  {"id", "outputs": [{"name", "datatype", "shape"(, "fields")}, ...]} with, per request,
  a u32 length and that request's predictions as JSON; or {"id", "error", "traceback"}.
- End of input at a frame boundary: exit 0. A frame that cannot be parsed: exit 2.

Only the standard library and NumPy are needed; pandas only for the `dataframe` format (and is
never imported here otherwise: a DataFrame or Series result means the model imported it).
"""

import os
import sys

# The protocol owns the real standard output and input. Keep private (close-on-exec) copies of
# both, then point descriptor 1 at stderr and descriptor 0 at /dev/null before any user code
# runs: a print, a C library writing to fd 1 or a child process reading fd 0 must not corrupt or
# swallow a frame. Prints end up in mlv's log.
_PROTO_OUT = os.fdopen(os.dup(1), "wb", buffering=0)
_PROTO_IN = os.fdopen(os.dup(0), "rb")
os.dup2(2, 1)
sys.stdout = sys.stderr
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
os.close(_devnull)
sys.stdin = open(os.devnull)

import json  # noqa: E402  (after the descriptor shuffle on purpose)
import math  # noqa: E402
import struct  # noqa: E402
import traceback  # noqa: E402

PROTOCOL = 1
MAX_FRAME = 1 << 30
FORMATS = ("columns", "ndarray", "dataframe", "records")

_U32 = struct.Struct("<I")
_LENGTHS = struct.Struct("<II")
_pack_u32 = _U32.pack

np = None  # NumPy, imported in main() so that its absence is reported in the ready frame.
_function_label = "the function"  # "predict.py:predict", for error messages


class ProtocolError(Exception):
    """A frame mlv should never have sent: the worker says why on stderr and exits 2."""


class Rejected(Exception):
    """An input or result the worker refuses. `args[0]` is the whole "Type: message" text,
    sent without a traceback: the worker's own frames would only hide the cause."""


# ---------------------------------------------------------------------------------------------
# Frames


def _read_exact(n):
    """`n` bytes from mlv in a fresh bytearray (so arrays made over it are writable and never
    shared between frames); None at end of input before the first byte; ProtocolError if the
    input ends part way."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = _PROTO_IN.readinto(view[got:])
        if not k:
            if got == 0:
                return None
            raise ProtocolError(f"input ended after {got} of {n} bytes")
        got += k
    return buf


def read_frame():
    """The next frame as (header dict, payload bytearray), or None at a clean end of input.

    Read in three steps (both lengths, header, payload) rather than one, so that the payload
    gets a buffer of its own that starts aligned: NumPy arrays over it are then aligned too
    (except after a bool column of odd length; see _column)."""
    lengths = _PROTO_IN.read(8)  # every frame has both: a body is at least its header length
    if not lengths:
        return None
    if len(lengths) < 8:
        raise ProtocolError("input ended inside a frame's lengths")
    n, h = _LENGTHS.unpack(lengths)
    if n < 4 or n > MAX_FRAME:
        raise ProtocolError(f"frame length {n} is not between 4 and {MAX_FRAME}")
    if h > n - 4:
        raise ProtocolError(f"header length {h} exceeds the frame's {n - 4} bytes")
    raw = _PROTO_IN.read(h)
    if len(raw) < h:
        raise ProtocolError(f"input ended after {len(raw)} of the header's {h} bytes")
    payload = _read_exact(n - 4 - h) if n - 4 - h else bytearray()
    if payload is None:
        raise ProtocolError("input ended before the payload")
    try:
        header = _decode(raw.decode("utf-8"))
    except ValueError as e:  # UnicodeDecodeError and JSONDecodeError are both ValueErrors
        raise ProtocolError(f"the header is not UTF-8 JSON: {e}") from None
    if type(header) is not dict:
        raise ProtocolError("the header is not a JSON object")
    return header, payload


def frame_bytes(header_json, bodies=()):
    """A whole frame: the header, then for each request (in a reply) a length and its JSON."""
    head = header_json.encode("utf-8")
    parts = [b"", _pack_u32(len(head)), head]
    size = 4 + len(head)
    for body in bodies:
        parts.append(_pack_u32(len(body)))
        parts.append(body)
        size += 4 + len(body)
    if size > MAX_FRAME:
        raise Rejected(f"ValueError: the reply would take {size} bytes, more than a frame holds ({MAX_FRAME})")
    parts[0] = _pack_u32(size)
    return b"".join(parts)


def write_frame(data):
    """Writes a frame with one system call in the usual case: a single buffer, not a write per
    part, keeps the per-frame cost down (and mlv reads frames whole anyway)."""
    data = memoryview(data)
    while data:  # a raw write may be partial (a signal, a huge reply)
        data = data[_PROTO_OUT.write(data) :]


# ---------------------------------------------------------------------------------------------
# JSON


def _json_default(o):
    """What a result's lists, dicts and object arrays may hold besides JSON's own types: NumPy
    arrays and scalars, and pandas' missing markers. Anything else is an error."""
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    pd = sys.modules.get("pandas")
    if pd is not None and (o is pd.NA or o is pd.NaT):
        return None
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


_encoder = json.JSONEncoder(separators=(",", ":"), allow_nan=False, default=_json_default)
_scan_once = json.JSONDecoder().scan_once


def _fast_json():
    """JSONEncoder.encode and json.loads spend about as long in their Python wrappers as in the
    C code for a small header (the encoder builds its C encoder anew on every call), which shows
    at 10,000 frames a second. This calls the C encoder and scanner directly: the same calls
    json makes, with the same arguments (unchanged from Python 3.9 to 3.13), checked here against
    the plain ones, which are kept if anything differs."""
    from json import decoder, encoder, scanner

    if encoder.c_make_encoder is None or scanner.c_make_scanner is None:
        return _encoder.encode, json.loads
    e = _encoder
    c = encoder.c_make_encoder(
        None, e.default, encoder.encode_basestring_ascii, None, e.key_separator, e.item_separator, False, False, False
    )

    def encode(o):
        return "".join(c(o, 0))

    def decode(s):
        try:
            value, end = _scan_once(s, 0)
        except StopIteration:  # leading white space, or not JSON: let json say which
            return json.loads(s)
        if end != len(s) and s[end:].strip():
            raise decoder.JSONDecodeError("Extra data", s, end)
        return value

    sample = {"id": [1, -2.5, 1e300, None, True, 'é\n"x', {"k": []}], "s": "a"}
    try:
        ok = encode(sample) == _encoder.encode(sample) and decode(_encoder.encode(sample)) == sample
        try:
            encode([float("nan")])
            ok = False
        except ValueError:
            pass
    except Exception:
        ok = False
    return (encode, decode) if ok else (_encoder.encode, json.loads)


# Without markers the C encoder does not look for cycles: a cyclic result ends in a
# RecursionError, which encode_value reports like any value JSON cannot hold.
_encode, _decode = _fast_json()


def _finite(v):
    """`v` with NaN and infinities as None (JSON has neither)."""
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "f":
            o = v.astype(object)  # Python floats, which can sit next to None
            o[~np.isfinite(v)] = None
            return o.tolist()
        return _finite(v.tolist()) if v.dtype.kind == "O" else v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    if isinstance(v, np.generic):
        return _finite(v.item())
    return v


def encode_value(v):
    """A request's predictions as JSON bytes. The encoder refuses NaN and infinities (allow_nan
    is off); that is rare, so only then is the value rewritten with nulls and encoded again,
    which spares every other reply a scan for them."""
    try:
        try:
            return _encode(v).encode("ascii")
        except ValueError:
            return _encode(_finite(v)).encode("ascii")
    except (TypeError, ValueError, OverflowError, RecursionError) as e:
        raise Rejected(f"TypeError: {_function_label} returned a value that JSON cannot hold: {e}") from None


# ---------------------------------------------------------------------------------------------
# Predict: the argument


_WIDTH = {"f64": 8, "i64": 8, "bool": 1}


class Layout:
    """A batch's columns, checked: `columns` is [(name, type, payload offset, or the values of a
    text column)], `size` the payload's length, `text` the first text column's name or None,
    `all_f64` whether the payload is one column-major float64 matrix."""

    __slots__ = ("rows", "specs", "columns", "size", "text", "all_f64")

    def __init__(self, rows, specs):
        if type(specs) is not list:
            raise ProtocolError("columns must be a list")
        self.rows = rows
        self.specs = specs
        self.columns = []
        self.text = None
        offset = 0
        for spec in specs:
            try:
                name = spec["name"]
                kind = spec["type"]
            except (TypeError, KeyError):
                raise ProtocolError(f"bad column {spec!r}") from None
            if type(name) is not str:
                raise ProtocolError(f"bad column name {name!r}")
            if kind == "str":
                values = spec.get("values")
                if type(values) is not list or len(values) != rows:
                    raise ProtocolError(f"column {name!r} needs {rows} values")
                self.columns.append((name, kind, values))
                if self.text is None:
                    self.text = name
            elif kind in _WIDTH:
                self.columns.append((name, kind, offset))
                offset += _WIDTH[kind] * rows
            else:
                raise ProtocolError(f"column {name!r} has an unknown type {kind!r}")
        self.size = offset
        self.all_f64 = all(kind == "f64" for _, kind, _ in self.columns)


_last_layout = Layout(1, [])


def parse_predict(header, payload):
    """Checks a predict header against its payload; returns (id, rows, splits, Layout)."""
    global _last_layout
    if "id" not in header:
        raise ProtocolError("a predict header without an id")
    rows = header.get("rows")
    splits = header.get("splits")
    specs = header.get("columns")
    if type(rows) is not int or rows < 1:
        raise ProtocolError(f"rows must be a positive integer, not {rows!r}")
    if type(splits) is not list or sum(s if type(s) is int and s >= 0 else rows + 1 for s in splits) != rows:
        raise ProtocolError(f"splits {splits!r} are not counts that sum to rows ({rows})")
    # Successive batches usually have the same columns and often the same row count; comparing
    # the parsed JSON with the last one's is much cheaper than checking it again.
    layout = _last_layout
    if rows != layout.rows or specs != layout.specs:
        layout = _last_layout = Layout(rows, specs)
    if layout.size != len(payload):
        raise ProtocolError(f"the payload has {len(payload)} bytes, the columns need {layout.size}")
    return header["id"], rows, splits, layout


def _column(payload, rows, kind, where):
    """A column as a 1-D array: float64, int64, bool, or object for text."""
    if kind == "str":
        a = np.empty(rows, dtype=object)
        a[:] = where
        return a
    if kind == "bool":
        # astype copies, and any non-zero byte is True rather than a malformed bool.
        return np.frombuffer(payload, dtype=np.uint8, count=rows, offset=where).astype(bool)
    a = np.frombuffer(payload, dtype="<f8" if kind == "f64" else "<i8", count=rows, offset=where)
    # The payload buffer starts aligned, but after a bool column of a length that is not a
    # multiple of 8 the values are not; models and C extensions expect aligned arrays.
    return a if a.flags.aligned else a.copy()


def build_argument(fmt, rows, layout, payload):
    if fmt == "ndarray":
        return _as_ndarray(rows, layout, payload)
    if fmt == "records":
        return _as_records(rows, layout, payload)
    columns = {name: _column(payload, rows, kind, where) for name, kind, where in layout.columns}
    if fmt == "columns":
        return columns
    # pandas was imported at start for this format. The index keeps `rows` without columns.
    pd = sys.modules["pandas"]
    return pd.DataFrame(columns, index=pd.RangeIndex(rows))


def _as_ndarray(rows, layout, payload):
    if layout.text is not None:
        raise Rejected(f"ValueError: input format 'ndarray' needs numeric columns; {layout.text!r} is text")
    k = len(layout.columns)
    if layout.all_f64:
        # The payload is already the matrix, column-major: view it and make one C-order copy
        # (none for one row, whose transpose is already C-ordered; the buffer is this frame's).
        cm = np.frombuffer(payload, dtype="<f8", count=rows * k).reshape(k, rows)
        return np.ascontiguousarray(cm.T, dtype=np.float64)
    x = np.empty((rows, k), dtype=np.float64)
    for j, (_, kind, offset) in enumerate(layout.columns):
        dtype = "<f8" if kind == "f64" else "<i8" if kind == "i64" else np.uint8
        x[:, j] = np.frombuffer(payload, dtype=dtype, count=rows, offset=offset)
    return x


def _as_records(rows, layout, payload):
    if not layout.columns:
        return [{} for _ in range(rows)]
    names = []
    lists = []
    for name, kind, where in layout.columns:
        names.append(name)
        if kind == "str":
            lists.append(where)
            continue
        a = _column(payload, rows, kind, where)
        if kind == "f64" and np.isnan(a).any():
            lists.append([None if v != v else v for v in a.tolist()])  # NaN means missing
        else:
            lists.append(a.tolist())
    return [dict(zip(names, row)) for row in zip(*lists)]


# ---------------------------------------------------------------------------------------------
# Predict: the result


_DATATYPES = {
    ("f", 2): "FP16", ("f", 4): "FP32", ("f", 8): "FP64",
    ("i", 1): "INT8", ("i", 2): "INT16", ("i", 4): "INT32", ("i", 8): "INT64",
    ("u", 1): "UINT8", ("u", 2): "UINT16", ("u", 4): "UINT32", ("u", 8): "UINT64",
    ("b", 1): "BOOL",
}  # fmt: skip


def datatype(dtype):
    """The Open Inference Protocol name of a dtype; BYTES for text, objects and the rest."""
    return _DATATYPES.get((dtype.kind, dtype.itemsize), "BYTES")


def _splittable(value, rows, what):
    """(datatype, entries, shape) for an array, Series, list or DataFrame of `rows` entries:
    `entries` a list with one JSON-ready value per row, `shape` the shape of one row. Rejected
    for anything else; `what` names a dict's value in messages (" for 'proba'").

    The whole result is turned into Python values at once and requests get slices of that list:
    with many small requests in a batch, slicing a list is much cheaper than slicing and
    converting the array for each."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            raise Rejected(f"TypeError: {_function_label} returned a scalar{what}, not one value per row")
        _check_length(len(value), rows, what)
        return _array_entries(value)
    if isinstance(value, list):
        _check_length(len(value), rows, what)
        try:
            a = np.asarray(value)
        except Exception:  # ragged, or values NumPy will not take: not numeric anyway
            a = None
        if a is not None and a.dtype.kind in "biuf":
            return _array_entries(a)
        return "BYTES", value, []
    pd = sys.modules.get("pandas")
    if pd is not None:
        if isinstance(value, pd.Series):
            _check_length(len(value), rows, what)
            return _array_entries(value.to_numpy())
        if isinstance(value, pd.DataFrame):
            _check_length(len(value), rows, what)
            return "BYTES", value.to_dict(orient="records"), [value.shape[1]]
    expected = "a NumPy array, a pandas Series or DataFrame, or a list" + ("" if what else ", or a dict of those")
    raise Rejected(
        f"TypeError: {_function_label} returned {type(value).__name__}{what}; "
        f"expected {expected}, with one entry per row ({rows})"
    )


def _array_entries(a):
    # One vectorised check per batch finds NaN and infinities, the only floats JSON lacks.
    finite = a.dtype.kind != "f" or np.isfinite(a).all()
    return datatype(a.dtype), a.tolist() if finite else _finite(a), list(a.shape[1:])


def _check_length(n, rows, what):
    if n != rows:
        raise Rejected(f"ValueError: {_function_label} returned {n} rows{what} for a batch of {rows}")


def split_result(result, rows, splits):
    """The reply's `outputs` and the per-request JSON bodies."""
    outputs = []
    bodies = []
    start = 0
    if isinstance(result, dict):
        if not result:
            raise Rejected(f"ValueError: {_function_label} returned an empty dict")
        parts = []
        for key, value in result.items():
            if type(key) is not str:
                raise Rejected(f"TypeError: {_function_label} returned a dict with the key {key!r}; keys must be strings")
            parts.append((key, _splittable(value, rows, f" for {key!r}")))
        for n in splits:
            stop = start + n
            obj = {}
            fields = []
            for key, (dtype, entries, shape) in parts:
                obj[key] = entries[start:stop]
                fields.append({"name": key, "datatype": dtype, "shape": [n, *shape]})
            outputs.append({"name": "predictions", "datatype": "BYTES", "shape": [n], "fields": fields})
            bodies.append(encode_value(obj))
            start = stop
    else:
        dtype, entries, shape = _splittable(result, rows, "")
        for n in splits:
            stop = start + n
            outputs.append({"name": "predictions", "datatype": dtype, "shape": [n, *shape]})
            bodies.append(encode_value(entries[start:stop]))
            start = stop
    return outputs, bodies


# ---------------------------------------------------------------------------------------------
# Main


def _error_text(e):
    """ "Type: message", as the ready and error headers carry it."""
    message = str(e)
    return f"{type(e).__name__}: {message}" if message else type(e).__name__


def _model_traceback(e):
    """The traceback from the first frame outside this file and the import machinery, so that an
    import error shows the model's lines only (none at all when the worker itself failed)."""
    tb = e.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name != _model_traceback.__code__.co_filename and not name.startswith("<frozen importlib"):
            break
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(e), e, tb))


def _fail_start(error, tb=""):
    write_frame(frame_bytes(_encode({"ready": False, "error": error, "traceback": tb})))
    return 1


def _start(argv):
    """Imports the model and returns its function, or a (error, traceback) pair."""
    global np, _function_label
    if len(argv) != 4:
        return ("UsageError: usage: mlv_worker.py MODEL_DIR MODULE_FILE FUNCTION INPUT_FORMAT", "")
    model_dir, module_file, function, fmt = argv
    if fmt not in FORMATS:
        return (f"ValueError: unknown input format {fmt!r} (expected {', '.join(FORMATS)})", "")
    _function_label = f"{module_file}:{function}"
    try:
        import numpy

        np = numpy
        if fmt == "dataframe":
            import pandas  # noqa: F401
        model_dir = os.path.abspath(model_dir)
        os.chdir(model_dir)
        # The model's directory replaces this script's (mlv's cache) at the head of sys.path.
        if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
            del sys.path[0]
        sys.path.insert(0, model_dir)
        import importlib.machinery
        import importlib.util

        # By path under a fixed name, whatever the file's name or suffix.
        loader = importlib.machinery.SourceFileLoader("mlv_model", os.path.join(model_dir, module_file))
        spec = importlib.util.spec_from_loader("mlv_model", loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules["mlv_model"] = module
        loader.exec_module(module)
    except BaseException as e:  # SystemExit at import too: report it rather than vanish
        return (_error_text(e), _model_traceback(e))
    fn = getattr(module, function, None)
    if fn is None:
        return (f"AttributeError: {module_file} has no attribute {function!r}", "")
    if not callable(fn):
        return (f"TypeError: {module_file}:{function} is not callable ({type(fn).__name__})", "")
    return fn


def _serve(fn, fmt):
    while True:
        frame = read_frame()
        if frame is None:
            return 0
        header, payload = frame
        request_id, rows, splits, layout = parse_predict(header, payload)
        try:
            arg = build_argument(fmt, rows, layout, payload)
            try:
                result = fn(arg)
            except Exception as e:
                error = {"id": request_id, "error": _error_text(e), "traceback": _model_traceback(e)}
                write_frame(frame_bytes(_encode(error)))
                continue
            outputs, bodies = split_result(result, rows, splits)
            reply = frame_bytes(_encode({"id": request_id, "outputs": outputs}), bodies)
        except Rejected as e:
            reply = frame_bytes(_encode({"id": request_id, "error": e.args[0], "traceback": ""}))
        except Exception as e:  # a bug here, or a model's object that fails while being split
            error = {"id": request_id, "error": _error_text(e), "traceback": traceback.format_exc()}
            reply = frame_bytes(_encode(error))
        write_frame(reply)


def main(argv):
    started = _start(argv)
    try:
        if isinstance(started, tuple):
            return _fail_start(*started)
        import platform

        ready = {"ready": True, "protocol": PROTOCOL, "python": platform.python_version(), "pid": os.getpid()}
        write_frame(frame_bytes(_encode(ready)))
        return _serve(started, argv[3])
    except ProtocolError as e:
        print(f"mlv_worker: bad frame: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 1  # mlv is gone; nobody is left to read a reply or a message
    except KeyboardInterrupt:
        # Ctrl-C reaches the whole process group; mlv decides what happens to requests.
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
