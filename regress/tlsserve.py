# SPDX-License-Identifier: ISC
"""What the HTTPS stand-ins of regress/ share: a threaded server on a
free port of 127.0.0.1 with the test's certificate, its port written to a
file (renamed into place) once it listens."""
import os
import ssl
from http.server import ThreadingHTTPServer


def server(handler):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    return srv


def serve(srv, cert, key, port_file):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, port_file)
    srv.serve_forever()
