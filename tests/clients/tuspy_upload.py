#!/usr/bin/env python3
"""Upload (or resume uploading) one file with tuspy and print one JSON line.

See README.md for the contract with the Rust tests.
"""
import argparse
import json
import os
import signal
import sys

import requests
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError

# Generous but finite, so a hung server fails the test instead of hanging it.
HEAD_TIMEOUT_SECONDS = 30

# Set by the SIGALRM handler; see --timeout.
TIMED_OUT = False


def on_alarm(_signum, _frame):
    # Raised inside whatever request is blocking (requests may rewrap it as
    # its own error); reported like any other error, flagged as a timeout.
    global TIMED_OUT
    TIMED_OUT = True
    raise TimeoutError("timed out")


def emit(line):
    print(json.dumps(line), flush=True)


def error_line(err):
    line = {"error": str(err) or type(err).__name__}
    status = getattr(err, "status_code", None)
    if status is not None:
        line["status"] = status
    body = getattr(err, "response_content", None)
    if body:
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        # tuspy's PATCH errors carry only "failed with status N"; add the body.
        line["error"] = "{}: {}".format(line["error"], body)
        # The server rejects files with {"error":{"code":...,"message":...}}.
        try:
            code = json.loads(body)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = None
        if code is not None:
            line["code"] = code
    return line


def head_asset_id(url, headers):
    resp = requests.head(
        url,
        headers={"Tus-Resumable": "1.0.0", **headers},
        timeout=HEAD_TIMEOUT_SECONDS,
    )
    if resp.status_code // 100 != 2:
        raise TusCommunicationError(
            "HEAD {} answered {}".format(url, resp.status_code), resp.status_code, resp.content
        )
    return resp.headers.get("Medialib-Asset-Id")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--endpoint", required=True, help="tus creation endpoint URL")
    p.add_argument("--token", required=True, help="bearer token ('' sends no Authorization)")
    p.add_argument("--chunk-size", type=int, required=True, help="bytes per PATCH")
    p.add_argument("--stop-after", type=int, help="stop once the offset reaches at least this many bytes")
    p.add_argument("--url", help="resume this upload URL instead of creating a new upload")
    p.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE",
                   help="extra Upload-Metadata pair (repeatable)")
    p.add_argument("--timeout", type=int, default=120,
                   help="give up (exit 1) after this many seconds; tuspy has no request timeout")
    p.add_argument("file")
    args = p.parse_args()  # exits 2 on usage errors
    if args.chunk_size <= 0:
        p.error("--chunk-size must be positive")
    for pair in args.meta:
        if "=" not in pair or pair.startswith("="):
            p.error("--meta expects key=value, got {}".format(pair))
    return args


def main():
    args = parse_args()
    # requests (unlike Node's http) honours *_PROXY variables; the tests talk
    # to 127.0.0.1 only and must never be routed through a proxy.
    for var in ("http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(var, None)
        os.environ.pop(var.upper(), None)
    # tuspy's requests have no timeout, so a hung server would hang the test.
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.timeout)
    headers = {} if args.token == "" else {"Authorization": "Bearer {}".format(args.token)}
    metadata = {"filename": os.path.basename(args.file)}
    metadata.update(pair.split("=", 1) for pair in args.meta)

    uploader = None
    try:
        client = TusClient(args.endpoint, headers=headers)
        # With url=, tuspy HEADs the upload right here to learn the offset.
        uploader = client.uploader(
            args.file,
            url=args.url,
            chunk_size=args.chunk_size,
            metadata=metadata,
        )
        size = uploader.get_file_size()
        if uploader.url is None:
            # POST to create; done explicitly so even a --stop-after 0 run
            # yields an upload URL to resume.
            uploader.set_url(uploader.create_url())
            uploader.offset = 0

        # Chunk by chunk rather than uploader.upload(stop_at=N): that would cut
        # the last chunk short to land exactly on N; here every PATCH is a full
        # --chunk-size (except the file's tail) and we stop at the first chunk
        # boundary at or past N.
        target = size if args.stop_after is None else min(args.stop_after, size)
        patch_asset_id = None
        while uploader.offset < target:
            uploader.upload_chunk()
            if uploader.offset >= size:
                patch_asset_id = uploader.request.response_headers.get("medialib-asset-id")

        if uploader.offset < size:
            emit({"url": uploader.url, "offset": uploader.offset})
            return 0

        line = {
            "url": uploader.url,
            "offset": uploader.offset,
            "asset_id": head_asset_id(uploader.url, headers),
        }
        if patch_asset_id is not None:
            # Only when this run sent the completing PATCH.
            line["patch_asset_id"] = patch_asset_id
        emit(line)
        return 0
    except (TusCommunicationError, requests.RequestException, OSError, ValueError) as err:
        line = error_line(err)
        if TIMED_OUT:
            line["error"] = "timed out after {}s: {}".format(args.timeout, line["error"])
        if uploader is not None and uploader.url is not None:
            line["url"] = uploader.url
            line["offset"] = uploader.offset
        emit(line)
        return 1


if __name__ == "__main__":
    sys.exit(main())
