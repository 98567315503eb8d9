#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A stand-in for the Kubernetes API server, as much as a conversion
pod's wrapper uses: one pod, read and patched, over TLS with the test's
own CA, with a bearer token.

  apiserver.py --cert C --key K --token-file T --pod POD.json
               --record R.jsonl --port-file P [--mode normal|refuse|hang]

GET and PATCH of /api/v1/namespaces/NS/pods/NAME (the pod file names
both).  A PATCH must be a merge patch (application/merge-patch+json,
RFC 7386): it is applied to the pod, which is written back to its file.
A JSON Patch or anything else is refused with 415, as an API server
would not take it for this test.  A wrong token gets 401.  Each request
is one JSON line in the record: method, path, content type, whether the
token was right, the status answered, the patch as sent (a PATCH), and
the pod's annotations after it.
"refuse" answers every request 403; "hang" never answers.
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import tlsserve  # noqa: E402  regress/tlsserve.py

LOCK = threading.Lock()


def merge(target, patch):
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        target = {}
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = merge(target.get(k), v)
    return target


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def status(self, code, message):
        self.send(code, {"kind": "Status", "apiVersion": "v1",
                         "status": "Failure", "message": message,
                         "code": code})

    def send(self, code, obj, patch=None):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        srv = self.server
        with LOCK, open(srv.record, "a") as f:
            f.write(json.dumps({
                "method": self.command, "path": self.path,
                "type": self.headers.get("Content-Type", ""),
                "token": self.token_ok(), "status": code,
                "patch": patch,
                "annotations": srv.pod["metadata"].get("annotations", {}),
                "time": time.time()}) + "\n")

    def token_ok(self):
        auth = self.headers.get("Authorization", "")
        return auth == "Bearer " + self.server.token

    def pod_path(self):
        md = self.server.pod["metadata"]
        return "/api/v1/namespaces/%s/pods/%s" % (md["namespace"], md["name"])

    def handle_one(self):
        srv = self.server
        if srv.mode == "hang":
            time.sleep(3600)
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if srv.mode == "refuse":
            return self.status(403, "pods is forbidden")
        if not self.token_ok():
            return self.status(401, "Unauthorized")
        if self.path != self.pod_path():
            return self.status(404, "pods not found")
        if self.command == "GET":
            return self.send(200, srv.pod)
        ctype = self.headers.get("Content-Type", "")
        if ctype != "application/merge-patch+json":
            return self.status(415, "the test takes merge patches only")
        try:
            patch = json.loads(raw)
        except ValueError:
            return self.status(400, "not JSON")
        with LOCK:
            srv.pod = merge(srv.pod, patch)
            tmp = srv.pod_file + ".tmp"
            with open(tmp, "w") as f:
                json.dump(srv.pod, f)
            os.rename(tmp, srv.pod_file)
        self.send(200, srv.pod, patch)

    do_GET = handle_one
    do_PATCH = handle_one


def main():
    ap = argparse.ArgumentParser()
    for a in ("--cert", "--key", "--token-file", "--pod", "--record",
              "--port-file"):
        ap.add_argument(a, required=True)
    ap.add_argument("--mode", default="normal")
    a = ap.parse_args()
    srv = tlsserve.server(Handler)
    with open(a.token_file) as f:
        srv.token = f.read().strip()
    with open(a.pod) as f:
        srv.pod = json.load(f)
    srv.pod_file = a.pod
    srv.record = a.record
    srv.mode = a.mode
    tlsserve.serve(srv, a.cert, a.key, a.port_file)


if __name__ == "__main__":
    main()
