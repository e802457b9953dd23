#!/usr/bin/python3
"""One kazoo client of the chaos suite, driven over stdin/stdout with JSON lines.

Each command line {"id": n, "op": ...} gets one reply line with the op's invoke and completion
times (CLOCK_MONOTONIC, microseconds, the clock the driver and the Node workers read too), its
outcome (ok, fail = the server answered and nothing changed, info = unknown: connection loss,
timeout, expiry) and its result. Connection state changes are reported as they happen, with the
session they concern. The client binds its connections to --local-address, so the suite can cut
this one client off from one member.
"""
import argparse
import json
import socket
import sys
import threading
import time

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import (BadVersionError, NodeExistsError, NoNodeError, NotEmptyError,
                              SessionExpiredError)
from kazoo.handlers import threading as kthreading
from kazoo.handlers import utils as kutils

out_lock = threading.Lock()


def now_us():
    return time.monotonic_ns() // 1000


def emit(obj):
    with out_lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def bind_connections_to(address):
    """Makes every kazoo connection leave from `address` (kazoo has no option for it)."""

    class Bound:
        def __getattr__(self, name):
            return getattr(socket, name)

        @staticmethod
        def create_connection(addr, timeout=None):
            return socket.create_connection(addr, timeout, source_address=(address, 0))

    bound = Bound()
    kthreading.SequentialThreadingHandler.create_connection = (
        lambda self, *a, **kw: kutils.create_tcp_connection(bound, *a, **kw))


# Errors after which the server has answered and the op changed nothing.
DEFINITE = (BadVersionError, NoNodeError, NodeExistsError, NotEmptyError)


class Worker:
    def __init__(self, args):
        self.args = args
        self.zk = None
        self.session = None
        # Set before the worker closes its session: kazoo reports that as LOST too.
        self.closing = False
        self.new_client()

    def new_client(self):
        # After an expiry kazoo opens a new session by itself (LOST, then CONNECTED).
        zk = KazooClient(hosts=self.args.hosts, timeout=self.args.session_timeout_ms / 1000.0,
                         connection_retry={"max_tries": -1, "delay": 0.1, "max_delay": 1.0},
                         command_retry=None)
        zk.add_listener(lambda state: self.on_state(zk, state))
        self.zk = zk
        zk.start(timeout=self.args.connect_timeout_ms / 1000.0)

    def on_state(self, zk, state):
        # Runs on kazoo's connection thread: read the session id there, before it changes.
        if zk is not self.zk or self.closing:
            return
        t = now_us()
        wall = time.time() * 1000
        if state == KazooState.SUSPENDED:
            emit({"ev": "state", "state": "disconnected", "session": self.session, "t": t, "wall": wall})
        elif state == KazooState.LOST:
            emit({"ev": "state", "state": "expired", "session": self.session, "t": t, "wall": wall})
        elif state == KazooState.CONNECTED:
            # kazoo sets the (possibly new) session id before it calls listeners.
            self.session = session_hex(zk)
            emit({"ev": "state", "state": "connected", "session": self.session, "t": t, "wall": wall})

    def run_op(self, cmd):
        zk = self.zk
        op = cmd["op"]
        path = cmd.get("path")
        timeout = self.args.op_timeout_ms / 1000.0
        session = self.session
        t0 = now_us()
        try:
            if op == "get":
                data, stat = zk.get_async(path).get(timeout=timeout)
                res = {"value": data.decode(), "version": stat.version, "mzxid": hex(stat.mzxid)}
            elif op == "syncGet":
                zk.sync_async(path).get(timeout=timeout)
                data, stat = zk.get_async(path).get(timeout=max(0.001, timeout - (now_us() - t0) / 1e6))
                res = {"value": data.decode(), "version": stat.version, "mzxid": hex(stat.mzxid)}
            elif op == "set":
                stat = zk.set_async(path, cmd["value"].encode(), cmd.get("version", -1)).get(timeout=timeout)
                res = {"version": stat.version, "mzxid": hex(stat.mzxid)}
            elif op == "create":
                seq = cmd.get("mode", "persistent").endswith("sequential")
                eph = cmd.get("mode", "persistent").startswith("ephemeral")
                created = zk.create_async(path, cmd.get("value", "").encode(), ephemeral=eph,
                                          sequence=seq).get(timeout=timeout)
                res = {"path": created}
            elif op == "own":
                # Ephemeral ownership: create the node, or find it is already ours.
                try:
                    zk.create_async(path, cmd["value"].encode(), ephemeral=True).get(timeout=timeout)
                except NodeExistsError:
                    _, stat = zk.get_async(path).get(timeout=timeout)
                    if hex(stat.ephemeralOwner & MASK64) != session:
                        raise
                res = {}
            elif op == "disown":
                # Delete the ephemeral node only while it is still this session's.
                _, stat = zk.get_async(path).get(timeout=timeout)
                if hex(stat.ephemeralOwner & MASK64) != session:
                    raise NoNodeError()
                zk.delete_async(path, stat.version).get(timeout=timeout)
                res = {}
            elif op == "delete":
                zk.delete_async(path, cmd.get("version", -1)).get(timeout=timeout)
                res = {}
            elif op == "close":
                self.closing = True
                zk.stop()
                zk.close()
                res = {}
            else:
                raise ValueError("unknown op " + op)
            reply = {"outcome": "ok", **res}
        except DEFINITE as e:
            reply = {"outcome": "fail", "err": type(e).__name__}
        except SessionExpiredError as e:
            reply = {"outcome": "info", "err": type(e).__name__, "expiredSession": session,
                     "wall": time.time() * 1000}
        except Exception as e:  # noqa: BLE001 - connection loss, timeout, closing: unknown outcome
            reply = {"outcome": "info", "err": type(e).__name__ + (": " + str(e) if str(e) else "")}
        emit({"id": cmd["id"], "t0": t0, "t1": now_us(), "session": session, **reply})


MASK64 = (1 << 64) - 1


def session_hex(zk):
    cid = zk.client_id
    return hex(cid[0] & MASK64) if cid else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hosts", required=True)
    p.add_argument("--local-address", required=True)
    p.add_argument("--session-timeout-ms", type=int, default=6000)
    p.add_argument("--op-timeout-ms", type=int, default=8000)
    p.add_argument("--connect-timeout-ms", type=int, default=60000)
    args = p.parse_args()
    bind_connections_to(args.local_address)
    worker = Worker(args)
    emit({"ev": "ready", "t": now_us()})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        worker.run_op(cmd)
        if cmd["op"] == "close":
            break


if __name__ == "__main__":
    main()
