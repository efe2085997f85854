#!/usr/bin/env python3
"""A throwaway S3-compatible server for mlv's end-to-end tests: moto, in-process, on 127.0.0.1.

    python3 s3_server.py [--auth] [--part-min-size BYTES] [--bucket NAME ...] [--verbose]

Binds a free port chosen by the kernel (port 0), so any number can run in parallel. When the
buckets exist it prints exactly one line to stdout and flushes it:

    READY <port> <access_key_id> <secret_access_key>

then serves until SIGTERM/SIGINT, until its stdin reaches EOF (when stdin is a pipe or a
socket: the test holds the write end, so a test that dies takes the server with it), or until
its parent process goes away.

Without --auth moto checks nothing; the printed credentials are `test`/`test`, and any
others work too.

With --auth the script, over HTTP with boto3 while moto still lets requests through,
creates an IAM user, an access key for it, an inline policy allowing s3:* on *, and the
buckets; then it turns authentication on for every later request (in-process:
moto.settings.INITIAL_NO_AUTH_ACTION_COUNT = 0, which moto reads on every request). From
then on signatures are verified and unknown access key ids are refused; the printed
credentials are the new user's. Before printing READY it checks that this is so (a good
signature passes, a wrong secret, an unknown key id and an unsigned request are refused) and
exits 1 otherwise. Two fixes to moto's S3 authentication are patched in, in-process (see
patch_moto_s3_signature_check): signatures are checked against the request target as sent
(moto 5.2.1 on werkzeug 3 refuses every correctly signed request whose query holds an
encoded `/`, such as ListObjectsV2 with prefix=a%2F; fixed in later moto), and a request without an Authorization
header gets 403 AccessDenied instead of moto's HTTP 500. Moto doesn't check the body against
x-amz-content-sha256, the request date, or presigned URLs (refused with 403 under --auth).

--part-min-size sets moto's minimum size for every multipart part but the last (moto reads
S3_UPLOAD_PART_MIN_SIZE once, at import, so it is set before moto is imported); by default
moto's 5 MiB stays.

Moto's and werkzeug's logging goes to stderr with --verbose, nowhere otherwise; stdout carries
only the READY line.
"""

import argparse
import logging
import os
import signal
import stat
import sys
import threading
import urllib.error
import urllib.request
from urllib.parse import quote, unquote, urlsplit

REGION = "us-east-1"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--auth", action="store_true", help="verify signatures and access keys")
    parser.add_argument(
        "--part-min-size",
        type=int,
        default=None,
        metavar="BYTES",
        help="minimum size of a multipart part but the last (moto's default: 5 MiB)",
    )
    parser.add_argument(
        "--bucket",
        action="append",
        default=None,
        metavar="NAME",
        help="a bucket to create (repeatable; default: mlv-test)",
    )
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args()
    if args.part_min_size is not None and args.part_min_size < 0:
        parser.error("--part-min-size must be >= 0")
    if not args.bucket:
        args.bucket = ["mlv-test"]
    return args


def configure_environment(args: argparse.Namespace) -> None:
    """Everything moto reads at import time; must run before moto is imported."""
    if args.part_min_size is not None:
        os.environ["S3_UPLOAD_PART_MIN_SIZE"] = str(args.part_min_size)
    # Without this moto derives the in-memory buffer of an object from the part size (minus
    # 1 KiB): 0 (never spill to disk) or negative (always spill) for tiny part sizes. Keep
    # objects up to 8 MiB in memory, larger ones in temporary files.
    os.environ.setdefault("MOTO_S3_DEFAULT_KEY_BUFFER_SIZE", str(8 * 1024 * 1024))
    # Requests are let through until the script turns authentication on (see main).
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "inf"
    # Whatever the caller's environment holds, the setup client talks to this server only.
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(name, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    # Not moto's test-server mode: everything happens in this process.
    os.environ.pop("TEST_SERVER_MODE", None)


def configure_logging(verbose: bool) -> None:
    for name in ("werkzeug", "moto", "flask", "botocore", "boto3", "urllib3"):
        logger = logging.getLogger(name)
        if verbose and name in ("werkzeug", "moto", "flask"):
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
        else:
            # A handler of its own keeps werkzeug from adding one that writes to stderr.
            logger.addHandler(logging.NullHandler())
            logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False


def setup_client(service: str, endpoint: str, key_id: str, secret: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
            connect_timeout=10,
            read_timeout=30,
        ),
    )


def create_buckets(endpoint: str, key_id: str, secret: str, buckets: list) -> None:
    s3 = setup_client("s3", endpoint, key_id, secret)
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket)  # us-east-1: no LocationConstraint


def create_iam_user(endpoint: str) -> tuple:
    """Create a user allowed s3:* on *, and an access key for it; return (key id, secret)."""
    iam = setup_client("iam", endpoint, "test", "test")
    user = "mlv-test"
    iam.create_user(UserName=user)
    iam.put_user_policy(
        UserName=user,
        PolicyName="mlv-test-s3",
        PolicyDocument=(
            '{"Version":"2012-10-17","Statement":'
            '[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
        ),
    )
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def canonical_s3_target(raw_uri: str) -> str:
    """The canonical URI and query string of SigV4 for S3, from the request target as sent.

    Each path segment and each query name and value is decoded, then encoded again with
    only RFC 3986's unreserved characters left as they are (the path once, as for S3, keeping
    its slashes); the query pairs are sorted. This is what S3 computes, so a client passes
    only if it signs what S3 would check.
    """
    parts = urlsplit(raw_uri)  # an absolute-form target works too
    path = quote(unquote(parts.path or "/"), safe="/~")
    pairs = []
    if parts.query:
        for pair in parts.query.split("&"):
            name, _, value = pair.partition("=")
            pairs.append((quote(unquote(name), safe="~"), quote(unquote(value), safe="~")))
    query = "&".join(f"{name}={value}" for name, value in sorted(pairs))
    return f"{path}?{query}" if query else path


def patch_moto_s3_signature_check() -> None:
    """Have moto check S3 signatures against the request target the client actually sent.

    Moto 5.2.1 (server mode, werkzeug 3) builds the URL it verifies from werkzeug's
    request.url, an IRI in which werkzeug has already decoded much of the query: `prefix=a%2Fb`
    arrives as `prefix=a/b`, so every correctly signed request whose query holds `/`, `:`, `@`
    ... fails with SignatureDoesNotMatch (getmoto/moto#5948; later versions, 5.2.5 at least,
    use the raw URL). This gives moto, only while it authenticates an S3 request, the
    canonical form of the raw target (werkzeug's RAW_URI), which is right for either.

    Also, under authentication, a request without an Authorization header makes moto fail
    with a KeyError (HTTP 500, 5.2.1 and 5.2.5); here it gets S3's 403 AccessDenied.
    """
    try:
        from moto import settings
        from moto.core.authorization import ActionAuthenticatorMixin
        from moto.iam.access_control import S3IAMRequest
        from moto.s3.exceptions import S3AccessDeniedError

        original = ActionAuthenticatorMixin._authenticate_and_authorize_action
    except (ImportError, AttributeError) as error:
        # Another moto: leave it be; check_authentication decides whether it will do.
        print(f"s3_server.py: not patching moto: {error!r}", file=sys.stderr, flush=True)
        return

    def authenticate(self, iam_request_cls, resource="*"):
        environ = getattr(getattr(self, "request", None), "environ", None) or {}
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if not (raw_uri and isinstance(iam_request_cls, type) and issubclass(iam_request_cls, S3IAMRequest)):
            return original(self, iam_request_cls, resource)
        headers = getattr(self, "headers", None) or {}
        if (
            ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
            and "Authorization" not in headers
        ):
            # Moto would fail with a KeyError (HTTP 500); S3 refuses an anonymous request
            # (and, here, a presigned URL, which moto can't check) with 403 AccessDenied.
            raise S3AccessDeniedError()
        # Moto <= 5.2.1 takes the path and query from self.uri, later versions the path from
        # self.raw_path; both are set only for the check (the response objects are per request).
        target = canonical_s3_target(raw_uri)
        saved = {name: getattr(self, name) for name in ("uri", "raw_path") if hasattr(self, name)}
        self.uri = "http://s3" + target
        if "raw_path" in saved:
            self.raw_path = target.partition("?")[0]
        try:
            return original(self, iam_request_cls, resource)
        finally:
            for name, value in saved.items():
                setattr(self, name, value)

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate


def check_authentication(endpoint: str, key_id: str, secret: str, bucket: str) -> None:
    """Fail loudly if this moto doesn't authenticate as the tests expect."""
    from botocore.exceptions import ClientError

    good = setup_client("s3", endpoint, key_id, secret)
    # A signed query with an encoded "/" (see patch_moto_s3_signature_check).
    good.list_objects_v2(Bucket=bucket, Prefix="mlv/self-check/", MaxKeys=1)
    for bad_key, bad_secret, code in (
        (key_id, secret + "x", "SignatureDoesNotMatch"),
        ("AKIAMLVUNKNOWNKEY000", secret, "InvalidAccessKeyId"),
    ):
        try:
            setup_client("s3", endpoint, bad_key, bad_secret).list_objects_v2(Bucket=bucket, MaxKeys=1)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == code:
                continue
            raise RuntimeError(f"expected {code}, got {error.response.get('Error')}") from None
        raise RuntimeError(f"authentication is not enforced: expected {code}, got success")
    try:
        urllib.request.urlopen(f"{endpoint}/{bucket}?list-type=2", timeout=30).close()
    except urllib.error.HTTPError as error:
        if error.code != 403:
            raise RuntimeError(f"an unsigned request got HTTP {error.code}, not 403") from None
    else:
        raise RuntimeError("authentication is not enforced: an unsigned request succeeded")


def watch_for_orphaning(stop: threading.Event) -> None:
    """Stop when stdin (a pipe or socket) reaches EOF, or when the parent process dies."""
    try:
        mode = os.fstat(0).st_mode
        watch_stdin = stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)
    except OSError:
        watch_stdin = False  # no stdin at all
    # /dev/null, a regular file or a terminal is not a lifeline: reading it would end (or
    # steal input) at once. The parent watch covers those cases.

    def read_stdin() -> None:
        try:
            while os.read(0, 65536):
                pass
        except OSError:
            pass
        stop.set()

    if watch_stdin:
        threading.Thread(target=read_stdin, name="stdin-watch", daemon=True).start()

    parent = os.getppid()

    def watch_parent() -> None:
        while not stop.wait(0.5):
            if os.getppid() != parent:
                stop.set()

    if parent > 1:
        threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()


def main() -> int:
    # A test runner may start us with most signals blocked (its threads block them, and the
    # mask is inherited): unblock them, or SIGTERM would never arrive.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    args = parse_args()
    configure_environment(args)
    configure_logging(args.verbose)

    stop = threading.Event()

    def on_signal(signum, frame):  # noqa: ARG001
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    # A reader of the READY line that goes away must not kill us mid-write with SIGPIPE.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    watch_for_orphaning(stop)

    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.server import ThreadedMotoServer

    # Moto reads settings.INITIAL_NO_AUTH_ACTION_COUNT (a module attribute) on every request and
    # counts unauthenticated requests in ActionAuthenticatorMixin.request_count; both can be set
    # here at run time, so no request has to be counted.
    settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
    ActionAuthenticatorMixin.request_count = 0
    patch_moto_s3_signature_check()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    endpoint = f"http://127.0.0.1:{port}"

    try:
        if args.auth:
            key_id, secret = create_iam_user(endpoint)
            create_buckets(endpoint, key_id, secret, args.bucket)
            settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
            ActionAuthenticatorMixin.request_count = 0
            check_authentication(endpoint, key_id, secret, args.bucket[0])
        else:
            key_id, secret = "test", "test"
            create_buckets(endpoint, key_id, secret, args.bucket)
    except Exception as error:  # noqa: BLE001
        print(f"s3_server.py: setup failed: {error!r}", file=sys.stderr, flush=True)
        return 1

    if stop.is_set():
        return 0
    try:
        sys.stdout.write(f"READY {port} {key_id} {secret}\n")
        sys.stdout.flush()
    except OSError:
        return 1

    while not stop.wait(1.0):
        pass
    # Don't wait for requests in flight: the client is gone or asked us to stop.
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
