#!/usr/bin/env python3
"""A token issuer for the registry's `token` auth (the flow Docker Hub
uses): GET /token?service=S&scope=repository:NAME:pull answers a JWT signed
(RS256, with the certificate in x5c) by the key the registry trusts.
Anonymous callers get pull on everything but private/*; USER:PASS (argv)
gets pull everywhere; wrong credentials get 401."""
import base64, json, subprocess, sys, time, os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

port, key, cert, creds, issuer = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True,
                     stdout=subprocess.PIPE).stdout


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sign(claims):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
    msg = (b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=msg, check=True,
                         stdout=subprocess.PIPE).stdout
    return msg.decode() + "." + b64u(sig)


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        q = parse_qs(urlparse(self.path).query)
        auth = self.headers.get("Authorization", "")
        who = None
        if auth.startswith("Basic "):
            if base64.b64decode(auth[6:]).decode() != creds:
                self.send_response(401)
                self.end_headers()
                self.wfile.write(b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}')
                return
            who = creds.split(":")[0]
        access = []
        for scope in q.get("scope", []):
            parts = scope.split(":")
            if len(parts) == 3 and parts[0] == "repository":
                if who or not parts[1].startswith("private/"):
                    access.append({"type": "repository", "name": parts[1], "actions": ["pull"]})
        now = int(time.time())
        tok = sign({"iss": issuer, "sub": who or "", "aud": q.get("service", [""])[0],
                    "exp": now + 300, "nbf": now - 10, "iat": now,
                    "jti": b64u(os.urandom(8)), "access": access})
        body = json.dumps({"token": tok, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
