#!/usr/bin/env python3
"""A loopback HTTPS server for `mycelium deploy|status|delete` end to end: not a cluster.

Serves 127.0.0.1 on a free port with the test CA's server certificate and requires the test
client certificate (tests/unit/real/fixtures/tls). Keeps what is applied in memory, as an API
server would hold it: a server-side apply (PATCH with Content-Type application/apply-patch+yaml
and ?fieldManager=...&force=true, else 415/400) stores the body with metadata.generation 1; a
GET answers it with a status that says every replica is ready and updated (the controllers'
work, done at once; a DaemonSet: scheduled, ready and updated on each of the nodes); DELETE
removes it (404 when absent). GET /api/v1/nodes lists three nodes (NODES below), as a NodeList. Every request is appended to LOG as a
JSON line (method, path, query, content type, client certificate subject, body).

Usage: loopback_api_server.py PORT_FILE LOG [never-ready]
(writes the port to PORT_FILE once listening; never-ready: no replica ever becomes ready)
"""

import json
import os
import ssl
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

TLS = os.path.join(os.path.dirname(__file__), "..", "unit", "real", "fixtures", "tls")
port_file, log_path = sys.argv[1], sys.argv[2]
never_ready = sys.argv[3:] == ["never-ready"]
objects = {}
NODES = [("worker-c", "10.0.0.3"), ("worker-a", "10.0.0.1"), ("worker-b", "10.0.0.2")]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
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
        objects[url.path] = obj
        self.answer(200, obj)

    def do_GET(self):
        url = self.record("")
        if url.path == "/api/v1/nodes":
            return self.answer(200, {"kind": "NodeList", "apiVersion": "v1", "items": [
                {"metadata": {"name": name}, "status": {"addresses": [
                    {"type": "Hostname", "address": name}, {"type": "InternalIP", "address": ip}]}}
                for name, ip in NODES]})
        obj = objects.get(url.path)
        if obj is None:
            return self.status(404, "not found")
        live = dict(obj)
        if obj.get("kind") == "DaemonSet":
            ready = 0 if never_ready else len(NODES)
            live["status"] = {"observedGeneration": 1, "desiredNumberScheduled": len(NODES),
                              "numberReady": ready, "updatedNumberScheduled": len(NODES),
                              "currentNumberScheduled": len(NODES), "numberMisscheduled": 0}
            return self.answer(200, live)
        replicas = obj.get("spec", {}).get("replicas")
        if replicas is not None:
            ready = 0 if never_ready else replicas
            live["status"] = {"observedGeneration": 1, "readyReplicas": ready,
                              "updatedReplicas": replicas, "replicas": replicas}
        self.answer(200, live)

    def do_DELETE(self):
        url = self.record("")
        if objects.pop(url.path, None) is None:
            return self.status(404, "not found")
        self.status(200, "deleted")


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(TLS, "server.pem"), os.path.join(TLS, "server.key"))
context.load_verify_locations(os.path.join(TLS, "ca.pem"))
context.verify_mode = ssl.CERT_REQUIRED
server = HTTPServer(("127.0.0.1", 0), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as out:
    out.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
