"""Protocol-level readiness probes for the local servers (standard library only).

Used by deploy/local/*.sh so that "answers" means the server speaks its protocol, not merely that a
TCP port is open; it runs on any Python 3.8+ and needs no project virtualenv.

    probe.py kafka HOST PORT   -> Kafka Metadata v4 request; ok when >= 1 broker is registered
    probe.py mongo HOST PORT   -> MongoDB OP_MSG {ping: 1}; ok when the reply has ok == 1
    probe.py http URL          -> HTTP GET; ok on a 2xx status

Exit status 0 = ready, 1 = not ready (reason on stderr).
"""

from __future__ import annotations

import socket
import struct
import sys
import urllib.request

TIMEOUT_S = 3.0


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        buf += chunk
    return buf


def probe_kafka(host: str, port: int) -> str:
    # Metadata v4 is the oldest version Kafka 4.x still accepts (KIP-896) and is non-flexible,
    # so it can be encoded by hand. An empty topic list asks for brokers/controller only.
    client_id = b"anju-probe"
    body = struct.pack(">hhih", 3, 4, 7, len(client_id)) + client_id + struct.pack(">ib", 0, 0)
    with socket.create_connection((host, port), timeout=TIMEOUT_S) as sock:
        sock.sendall(struct.pack(">i", len(body)) + body)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        resp = _recv_exact(sock, size)
    correlation_id, _throttle_ms, broker_count = struct.unpack_from(">iii", resp, 0)
    if correlation_id != 7:
        raise ValueError(f"unexpected correlation id {correlation_id}")
    if broker_count < 1:
        raise ValueError("no broker registered yet")
    return f"{broker_count} broker(s)"


def _bson_ping() -> bytes:
    elements = b"\x10ping\x00" + struct.pack("<i", 1)
    elements += b"\x02$db\x00" + struct.pack("<i", len(b"admin") + 1) + b"admin\x00"
    return struct.pack("<i", 4 + len(elements) + 1) + elements + b"\x00"


def probe_mongo(host: str, port: int) -> str:
    doc = _bson_ping()
    payload = struct.pack("<I", 0) + b"\x00" + doc  # flagBits, section kind 0 (body)
    header = struct.pack("<iiii", 16 + len(payload), 1, 0, 2013)  # OP_MSG
    with socket.create_connection((host, port), timeout=TIMEOUT_S) as sock:
        sock.sendall(header + payload)
        (length,) = struct.unpack("<i", _recv_exact(sock, 4))
        resp = _recv_exact(sock, length - 4)
    reply = resp[12 + 4 + 1 :]  # rest of header, flagBits, section kind
    for marker, fmt in ((b"\x01ok\x00", "<d"), (b"\x10ok\x00", "<i")):
        at = reply.find(marker)
        if at >= 0:
            (ok,) = struct.unpack_from(fmt, reply, at + len(marker))
            if ok == 1:
                return "ping ok"
            raise ValueError(f"ping answered ok={ok}")
    raise ValueError("ping reply has no 'ok' field")


def probe_http(url: str) -> str:
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:
        return f"HTTP {resp.status}"


def main(argv: list[str]) -> int:
    try:
        if len(argv) == 4 and argv[1] == "kafka":
            print(probe_kafka(argv[2], int(argv[3])))
        elif len(argv) == 4 and argv[1] == "mongo":
            print(probe_mongo(argv[2], int(argv[3])))
        elif len(argv) == 3 and argv[1] == "http":
            print(probe_http(argv[2]))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (OSError, ValueError, struct.error) as exc:
        print(f"not ready: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
