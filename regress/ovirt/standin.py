#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A stand-in for the oVirt engine's SSO and REST API, as much of them
as virt-v2v-wrapper uses, over TLS with the test's own CA.

  standin.py --cert C --key K --world W.json --record R.jsonl --port-file P
             [--mode normal|hang]

The world file holds: "user", "password", "domains" (name, id,
storage type), "disks" (id, description, storage domain id, status) and
"transfers" (id, disk id), and optionally "disk_get_delay" (seconds
each GET of a disk takes: a slow engine).  The server keeps that world up to date as
it is asked (a cancelled transfer goes, its disk turns "ok" at the next
look; a removed disk goes) and writes it back after each change, so a
test reads the end state.  Every request is one JSON line in the record:
method, path, query, whether a valid bearer token came, form field
names (never their values).  In "hang" mode it accepts connections and
never answers.  It writes its port to the port file once it listens.

With --probe DIR (a test tree) each record also says what was true on
the host at that moment: whether a state file under DIR/run said
finished, whether the run's rhv password file existed, and whether the
password was in any process's argv or environment.  With --inbox FILE,
disks a test puts there (a JSON list, renamed into place) join the world
at the next request, as rhv-upload would create them.
"""
import argparse
import glob
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import tlsserve  # noqa: E402  regress/tlsserve.py

API = "/ovirt-engine/api/"
LOCK = threading.Lock()


class World:
    def __init__(self, path):
        self.path = path
        with open(path) as f:
            self.w = json.load(f)
        self.tokens = set()

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.w, f)
        os.rename(tmp, self.path)

    def disk(self, did):
        for d in self.w.get("disks", []):
            if d["id"] == did:
                return d
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def record(self, form=None):
        u = urllib.parse.urlsplit(self.path)
        auth = self.headers.get("Authorization", "")
        line = {
            "method": self.command, "path": u.path, "query": u.query,
            "bearer": auth.startswith("Bearer ")
            and auth[7:] in self.server.world.tokens,
            "accept": self.headers.get("Accept", ""),
            "form": sorted(form.keys()) if form else [],
            "time": time.time(),
        }
        if self.server.probe:
            line.update(probe(self.server.probe,
                              self.server.world.w["password"]))
        with LOCK, open(self.server.record, "a") as f:
            f.write(json.dumps(line) + "\n")

    def send(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def fault(self, status, reason, detail):
        self.send(status, {"reason": reason, "detail": detail})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def authorised(self):
        auth = self.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and \
            auth[7:] in self.server.world.tokens

    def take_inbox(self):
        box = self.server.inbox
        if box and os.path.exists(box):
            with LOCK:
                with open(box) as f:
                    self.server.world.w["disks"] += json.load(f)
                os.unlink(box)
                self.server.world.save()

    def do_POST(self):
        if self.server.hang:
            time.sleep(3600)
        self.take_inbox()
        raw = self.body()
        form = None
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            form = dict(urllib.parse.parse_qsl(raw.decode(),
                                               keep_blank_values=True))
        self.record(form)
        path = urllib.parse.urlsplit(self.path).path
        w = self.server.world
        with LOCK:
            if path == "/ovirt-engine/sso/oauth/token":
                return self.token(form or {})
            if path == "/ovirt-engine/services/sso-logout":
                w.tokens.discard((form or {}).get("token"))
                w.w["revoked"] = w.w.get("revoked", 0) + 1
                w.save()
                return self.send(200, {})
            if not self.authorised():
                return self.fault(401, "Unauthorized", "no valid token")
            parts = path[len(API):].split("/")
            if len(parts) == 3 and parts[0] == "imagetransfers" \
                    and parts[2] == "cancel":
                return self.cancel(parts[1])
        self.fault(404, "Not Found", path)

    def token(self, form):
        w = self.server.world
        if form.get("grant_type") != "password" or \
                form.get("scope") != "ovirt-app-api" or \
                form.get("username") != w.w["user"] or \
                form.get("password") != w.w["password"]:
            return self.send(400, {
                "error_code": "access_denied",
                "error": "Cannot authenticate user '%s': The username or "
                         "password is incorrect.." % form.get("username")})
        t = secrets.token_urlsafe(24)
        w.tokens.add(t)
        self.send(200, {"access_token": t, "token_type": "bearer",
                        "exp": str(int(time.time()) + 3600)})

    def cancel(self, tid):
        w = self.server.world
        for t in w.w.get("transfers", []):
            if t["id"] == tid:
                w.w["transfers"].remove(t)
                w.w.setdefault("cancelled", []).append(tid)
                d = w.disk(t["disk"])
                if d is not None:
                    d["status"] = "ok_next"
                w.save()
                return self.send(200, {"status": "complete"})
        self.fault(404, "Not Found", tid)

    def do_GET(self):
        if self.server.hang:
            time.sleep(3600)
        self.take_inbox()
        self.record()
        u = urllib.parse.urlsplit(self.path)
        if not u.path.startswith(API):
            return self.fault(404, "Not Found", u.path)
        if not self.authorised():
            return self.fault(401, "Unauthorized", "no valid token")
        parts = u.path[len(API):].split("/")
        w = self.server.world
        if len(parts) == 2 and parts[0] == "disks":
            time.sleep(w.w.get("disk_get_delay", 0))
        with LOCK:
            if parts == ["storagedomains"]:
                return self.domains(urllib.parse.parse_qs(u.query))
            if parts == ["imagetransfers"]:
                ts = [{"id": t["id"], "phase": "transferring",
                       "image": {"id": t["disk"]},
                       "disk": {"id": t["disk"]}}
                      for t in w.w.get("transfers", [])]
                return self.send(200, {"image_transfer": ts} if ts else {})
            if len(parts) == 2 and parts[0] == "disks":
                d = w.disk(parts[1])
                if d is None:
                    return self.fault(404, "Not Found", parts[1])
                status = d["status"]
                if status == "ok_next":
                    d["status"] = "ok"
                    w.save()
                    status = "locked"
                return self.send(200, {
                    "id": d["id"], "status": status,
                    "description": d.get("description", ""),
                    "storage_domains": {"storage_domain": [
                        {"id": d["domain"]}]}})
        self.fault(404, "Not Found", u.path)

    def domains(self, q):
        search = q.get("search", [""])[0]
        if not (search.startswith('name="') and search.endswith('"')):
            return self.fault(400, "Bad Request", "search " + search)
        name = search[6:-1]
        found = [{"id": d["id"], "name": d["name"], "type": "data",
                  "storage": {"type": d["type"]}}
                 for d in self.server.world.w["domains"]
                 if d["name"] == name]
        self.send(200, {"storage_domain": found} if found else {})

    def do_DELETE(self):
        self.record()
        u = urllib.parse.urlsplit(self.path)
        if not self.authorised():
            return self.fault(401, "Unauthorized", "no valid token")
        parts = u.path[len(API):].split("/")
        w = self.server.world
        with LOCK:
            if len(parts) == 2 and parts[0] == "disks":
                d = w.disk(parts[1])
                if d is None:
                    return self.fault(404, "Not Found", parts[1])
                if d["status"] != "ok":
                    return self.fault(409, "Operation Failed",
                                      "[Cannot remove Virtual Disk. Related "
                                      "operation is currently in progress.]")
                w.w["disks"].remove(d)
                w.w.setdefault("removed", []).append(d["id"])
                w.save()
                return self.send(200, {})
        self.fault(404, "Not Found", u.path)


def probe(top, password):
    finished = False
    for f in glob.glob(top + "/run/v2v-import-*/state.json"):
        try:
            with open(f) as fh:
                finished |= json.load(fh).get("finished", False)
        except (OSError, ValueError):
            pass
    pw = password.encode()
    in_proc = False
    for f in glob.glob("/proc/[0-9]*/cmdline") + \
            glob.glob("/proc/[0-9]*/environ"):
        try:
            with open(f, "rb") as fh:
                in_proc |= pw in fh.read()
        except OSError:
            pass
    return {"finished": finished,
            "pwfile": bool(glob.glob(top + "/run/*.private/secrets/"
                                     "rhv_password")),
            "pw_in_proc": in_proc}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--world", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--mode", default="normal")
    ap.add_argument("--probe")
    ap.add_argument("--inbox")
    a = ap.parse_args()
    srv = tlsserve.server(Handler)
    srv.world = World(a.world)
    srv.record = a.record
    srv.hang = a.mode == "hang"
    srv.probe = a.probe
    srv.inbox = a.inbox
    tlsserve.serve(srv, a.cert, a.key, a.port_file)


if __name__ == "__main__":
    main()
