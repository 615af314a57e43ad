#!/usr/bin/env python3
"""A --console-socket receiver (runc's recvtty, in short): accept one
connection on SOCKET, take the PTY master it carries (SCM_RIGHTS), write
INPUT (backslash escapes: \\n) to it and copy what it reads to stdout until EOF or TIMEOUT s."""
import os, select, socket, sys, time

path, timeout = sys.argv[1], float(sys.argv[2])
data = sys.argv[3].encode().decode("unicode_escape").encode() if len(sys.argv) > 3 else b""
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
srv.settimeout(timeout)
open(path + ".ready", "w").close()
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 4096, 1)
if not fds:
    sys.exit("no fd received")
master = fds[0]
if data:
    os.write(master, data)
end = time.time() + timeout
while time.time() < end:
    r, _, _ = select.select([master], [], [], 0.1)
    if r:
        try:
            b = os.read(master, 4096)
        except OSError:
            break
        if not b:
            break
        sys.stdout.buffer.write(b)
        sys.stdout.flush()
