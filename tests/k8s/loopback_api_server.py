#!/usr/bin/env python3
"""A loopback HTTPS server for `mycelium deploy|status|delete` end to end: not a cluster.

Serves 127.0.0.1 on a free port with the test CA's server certificate and requires the test
client certificate (tests/unit/real/fixtures/tls). Keeps what is applied in memory, as an API
server would hold it: a server-side apply (PATCH with Content-Type application/apply-patch+yaml
and ?fieldManager=...&force=true, else 415/400) stores the body with metadata.generation 1; a
GET answers it with a status that says every replica is ready and updated once half a second
has passed since the apply (the controllers' work; a DaemonSet: scheduled, ready and updated on
each of the nodes), and not ready before; a watch (GET on the collection with watch=true and a
fieldSelector on the name, chunked JSON lines) sends the object's state at once (ADDED) and again
when it gets ready (MODIFIED), and ends after timeoutSeconds; DELETE removes it (404 when
absent). GET /api/v1/nodes lists three nodes (NODES below), as a NodeList. Every request is appended to LOG as a
JSON line (method, path, query, content type, client certificate subject, body).

Usage: loopback_api_server.py PORT_FILE LOG [never-ready | short-watches]
(writes the port to PORT_FILE once listening; never-ready: no replica ever becomes ready;
short-watches: never ready either, and every watch ends right after its first event, as a server
with a very short watch limit or a proxy that cuts streams would)
"""

import json
import os
import ssl
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TLS = os.path.join(os.path.dirname(__file__), "..", "unit", "real", "fixtures", "tls")
port_file, log_path = sys.argv[1], sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else ""
never_ready = mode in ("never-ready", "short-watches")
short_watches = mode == "short-watches"
objects = {}
applied_at = {}
READY_AFTER_S = 0.5
NODES = [("worker-c", "10.0.0.3"), ("worker-a", "10.0.0.1"), ("worker-b", "10.0.0.2")]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked watch streams

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        self.wfile.write(data)

    def record(self, body):
        url = urllib.parse.urlsplit(self.path)
        subject = dict(x[0] for x in self.connection.getpeercert().get("subject", ()))
        with open(log_path, "a") as log:
            log.write(json.dumps({"method": self.command, "path": url.path, "query": url.query,
                                  "content_type": self.headers.get("Content-Type", ""),
                                  "client": subject.get("commonName", ""), "body": body}) + "\n")
        return url

    def status(self, code, message):
        self.answer(code, {"kind": "Status", "code": code, "message": message})

    def do_PATCH(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        url = self.record(body)
        if self.headers.get("Content-Type") != "application/apply-patch+yaml":
            return self.status(415, "expected a server-side apply")
        query = urllib.parse.parse_qs(url.query)
        if query.get("fieldManager") != ["mycelium"] or query.get("force") != ["true"]:
            return self.status(400, "expected fieldManager=mycelium&force=true")
        obj = json.loads(body)
        if url.path.rsplit("/", 1)[-1] != obj["metadata"]["name"]:
            return self.status(400, "the path's name is not the object's")
        obj["metadata"]["generation"] = 1
        obj["metadata"]["resourceVersion"] = "1"
        objects[url.path] = obj
        applied_at[url.path] = time.monotonic()
        self.answer(200, obj)

    def live(self, path):
        """The object at `path` as the server holds it now, with the controllers' status."""
        obj = objects[path]
        live = dict(obj)
        ready_now = not never_ready and time.monotonic() - applied_at[path] >= READY_AFTER_S
        if obj.get("kind") == "DaemonSet":
            live["status"] = {"observedGeneration": 1, "desiredNumberScheduled": len(NODES),
                              "numberReady": len(NODES) if ready_now else 0,
                              "updatedNumberScheduled": len(NODES),
                              "currentNumberScheduled": len(NODES), "numberMisscheduled": 0}
            return live
        replicas = obj.get("spec", {}).get("replicas")
        if replicas is not None:
            live["status"] = {"observedGeneration": 1, "readyReplicas": replicas if ready_now else 0,
                              "updatedReplicas": replicas, "replicas": replicas}
        return live

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def watch(self, url):
        query = urllib.parse.parse_qs(url.query)
        selector = query.get("fieldSelector", [""])[0]
        if not selector.startswith("metadata.name="):
            return self.status(400, "expected a fieldSelector on metadata.name")
        path = url.path + "/" + selector[len("metadata.name="):]
        if path not in objects:
            return self.status(404, "not found")
        timeout = float(query.get("timeoutSeconds", ["5"])[0])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        end = time.monotonic() + timeout
        event = "ADDED"
        last = None
        try:
            while time.monotonic() < end and path in objects:
                state = self.live(path)
                if state.get("status") != last:
                    self.chunk(json.dumps({"type": event, "object": state}).encode() + b"\n")
                    last, event = state.get("status"), "MODIFIED"
                    if short_watches:
                        break
                time.sleep(0.05)
            self.chunk(b"")
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # the client has what it wanted and hung up

    def do_GET(self):
        url = self.record("")
        if url.path == "/api/v1/nodes":
            return self.answer(200, {"kind": "NodeList", "apiVersion": "v1", "items": [
                {"metadata": {"name": name}, "status": {"addresses": [
                    {"type": "Hostname", "address": name}, {"type": "InternalIP", "address": ip}]}}
                for name, ip in NODES]})
        if urllib.parse.parse_qs(url.query).get("watch") == ["true"]:
            return self.watch(url)
        if url.path not in objects:
            return self.status(404, "not found")
        self.answer(200, self.live(url.path))

    def do_DELETE(self):
        url = self.record("")
        applied_at.pop(url.path, None)
        if objects.pop(url.path, None) is None:
            return self.status(404, "not found")
        self.status(200, "deleted")


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(TLS, "server.pem"), os.path.join(TLS, "server.key"))
context.load_verify_locations(os.path.join(TLS, "ca.pem"))
context.verify_mode = ssl.CERT_REQUIRED
ThreadingHTTPServer.daemon_threads = True
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as out:
    out.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
