#!/usr/bin/env python3
"""A tiny DNS responder for the tests: every A query gets ADDR.
Usage: dnsd.py HOST PORT ADDR   (serves until killed)"""
import socket, struct, sys


def answer(q, addr):
    tid, flags, qd = struct.unpack(">HHH", q[:6])
    i = 12
    while q[i] != 0:
        i += q[i] + 1
    qname_end = i + 1
    qtype, = struct.unpack(">H", q[qname_end:qname_end + 2])
    question = q[12:qname_end + 4]
    hdr_flags = 0x8180  # response, recursion desired+available, no error
    if qtype != 1:
        return struct.pack(">HHHHHH", tid, hdr_flags, 1, 0, 0, 0) + question
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
    return struct.pack(">HHHHHH", tid, hdr_flags, 1, 1, 0, 0) + question + rr


def main():
    host, port, addr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, port))
    while True:
        q, peer = s.recvfrom(512)
        try:
            s.sendto(answer(q, addr), peer)
        except (IndexError, struct.error):
            pass


main()
