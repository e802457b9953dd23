# kazoo's read-only mode (read_only=True), driven line by line from stdin like RoProbe.java:
# the same commands and the same output, so the suite steps kazoo, the Java client and zab's
# own through one scenario. Run with Debian's python (/usr/bin/python3), which has kazoo.
#   get PATH | create PATH DATA | ephemeral PATH DATA | sync PATH | session |
#   wait STATE (client_state, e.g. CONNECTED_RO or CONNECTED; at most 120 s) | quit
import sys
import time

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException


def out(line):
    print(line, flush=True)


def main():
    zk = KazooClient(hosts=sys.argv[1], read_only=True, timeout=float(sys.argv[2]) / 1000)
    zk.start(timeout=60)
    for raw in sys.stdin:
        w = raw.strip().split(" ", 2)
        try:
            if w[0] == "get":
                out("ok " + zk.get(w[1])[0].decode())
            elif w[0] == "create":
                out("ok " + zk.create(w[1], w[2].encode()))
            elif w[0] == "ephemeral":
                out("ok " + zk.create(w[1], w[2].encode(), ephemeral=True))
            elif w[0] == "sync":
                zk.sync(w[1])
                out("ok")
            elif w[0] == "session":
                out("session 0x%x %s" % (zk.client_id[0], "ro" if zk.client_state == "CONNECTED_RO" else "rw"))
            elif w[0] == "wait":
                end = time.monotonic() + 120
                while zk.client_state != w[1] and time.monotonic() < end:
                    time.sleep(0.05)
                out("ok " + w[1] if zk.client_state == w[1] else "err TIMEOUT")
            elif w[0] == "quit":
                zk.stop()
                zk.close()
                out("ok closed")
                return
            else:
                out("err unknown command " + w[0])
        except KazooException as e:
            # The wire code, which the suite names as the Java client does (NOTREADONLY, ...).
            out("err %s" % getattr(e, "code", type(e).__name__))


main()
