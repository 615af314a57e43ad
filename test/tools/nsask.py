#!/usr/bin/env python3
"""Ask a created container's waiting process for its namespaces the way
`exec` does (nsserve.c): connect to DIR/ns.sock (from DIR: a socket
path has room for 107 bytes) and count the fds that come back.  Prints the count, or the connect error; exits 0 only when
fds came."""
import os
import socket
import sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    os.chdir(sys.argv[1])
    s.connect("ns.sock")
except OSError as e:
    print("connect: " + (e.strerror or str(e)))
    sys.exit(2)
_, fds, _, _ = socket.recv_fds(s, 1, 16)
print(len(fds))
sys.exit(0 if fds else 1)
