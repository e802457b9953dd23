#!/usr/bin/python3
"""kazoo (python3-kazoo) against a ZooKeeper-compatible server: the client API and its
recipes, several clients and threads at once. Prints one line per check; exits non-zero
with a message on the first failure. Usage: kazoo_suite.py HOST:PORT"""
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoAuthError, NodeExistsError, NoNodeError, NotEmptyError
from kazoo.security import make_digest_acl, OPEN_ACL_UNSAFE
from kazoo.recipe.watchers import DataWatch, ChildrenWatch

HOSTS = sys.argv[1]
WAIT_S = 20


def client(**kw):
    c = KazooClient(hosts=HOSTS, timeout=10, **kw)
    c.start(timeout=WAIT_S)
    return c


def check(name, cond):
    if not cond:
        print("FAIL", name, flush=True)
        sys.exit(1)
    print("ok  ", name, flush=True)


def wait_for(cond, name):
    ev = threading.Event()
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if cond():
            return True
        ev.wait(0.02)
    check(name + " (timed out)", False)


def raises(exc, f):
    try:
        f()
    except exc:
        return True
    return False


zk = client()
root = "/kz"
zk.ensure_path(root)

# --- basic API ---
check("create returns the path", zk.create(root + "/a", b"1") == root + "/a")
check("create makepath", zk.create(root + "/deep/x/y", b"d", makepath=True) == root + "/deep/x/y")
seq = zk.create(root + "/q-", b"", sequence=True)
check("sequential suffix", seq.startswith(root + "/q-") and len(seq) == len(root + "/q-") + 10)
data, stat = zk.get(root + "/a")
check("get data and stat", data == b"1" and stat.version == 0)
zk.set(root + "/a", b"2", version=0)
check("set with version", zk.get(root + "/a")[1].version == 1)
check("bad version", raises(BadVersionError, lambda: zk.set(root + "/a", b"3", version=0)))
check("node exists error", raises(NodeExistsError, lambda: zk.create(root + "/a")))
check("no node error", raises(NoNodeError, lambda: zk.get(root + "/missing")))
check("not empty error", raises(NotEmptyError, lambda: zk.delete(root + "/deep")))
zk.delete(root + "/deep", recursive=True)
check("recursive delete", zk.exists(root + "/deep") is None)
check("get_children", sorted(zk.get_children(root)) == sorted(["a", seq.split("/")[-1]]))
eph = zk.create(root + "/eph", ephemeral=True)
check("ephemeral owner", zk.exists(eph).ephemeralOwner == zk.client_id[0])

# --- chroot ---
zk.ensure_path("/kzroot")
rooted = KazooClient(hosts=HOSTS + "/kzroot", timeout=10)
rooted.start(timeout=WAIT_S)
rooted.create("/inside", b"c")
check("chroot: paths are relative to the root", zk.get("/kzroot/inside")[0] == b"c" and rooted.get_children("/") == ["inside"])
rooted.stop()

# --- transactions ---
t = zk.transaction()
t.create(root + "/t1", b"x")
t.set_data(root + "/a", b"t", version=1)
t.check(root + "/a", 2)
results = t.commit()
check("transaction commits", results[0] == root + "/t1" and zk.get(root + "/a")[0] == b"t")
t = zk.transaction()
t.create(root + "/t2")
t.delete(root + "/nope")
results = t.commit()
check("failed transaction applies nothing", zk.exists(root + "/t2") is None and isinstance(results[1], NoNodeError))

# --- ACLs ---
acl = make_digest_acl("bob", "pw", all=True)
zk.create(root + "/secret", b"s", acl=[acl])
check("no auth", raises(NoAuthError, lambda: zk.get(root + "/secret")))
bob = client(auth_data=[("digest", "bob:pw")])
check("digest auth reads", bob.get(root + "/secret")[0] == b"s")
acls, _ = bob.get_acls(root + "/secret")
check("get_acls", acls[0].id.scheme == "digest" and acls[0].id.id == acl.id.id)
bob.set_acls(root + "/secret", OPEN_ACL_UNSAFE)
check("set_acls opens the node", zk.get(root + "/secret")[0] == b"s")
bob.stop()

# --- watches ---
events = []
zk.exists(root + "/w", watch=lambda e: events.append((e.type, e.path)))
other = client()
other.create(root + "/w", b"v")
wait_for(lambda: events == [("CREATED", root + "/w")], "exists watch fires CREATED")
check("exists watch fires CREATED", True)
seen = []
DataWatch(zk, root + "/w", func=lambda data, stat: seen.append(data))
wait_for(lambda: seen[-1:] == [b"v"], "DataWatch initial")
other.set(root + "/w", b"v2")
wait_for(lambda: seen[-1:] == [b"v2"], "DataWatch change")
check("DataWatch follows changes", True)
kids = []
ChildrenWatch(zk, root + "/w", func=lambda c: kids.append(sorted(c)))
other.create(root + "/w/k1")
wait_for(lambda: kids[-1:] == [["k1"]], "ChildrenWatch")
check("ChildrenWatch follows children", True)

# --- recipes ---
lock_log = []
lock_errors = []


def locker(i):
    c = client()
    lock = c.Lock(root + "/lock", "w%d" % i)
    for _ in range(5):
        with lock:
            lock_log.append(("in", i))
            if [x for x in lock_log[-2:-1] if x[0] == "in"]:
                lock_errors.append("two holders")
            lock_log.append(("out", i))
    c.stop()


threads = [threading.Thread(target=locker, args=(i,)) for i in range(4)]
[th.start() for th in threads]
[th.join(60) for th in threads]
check("Lock never has two holders", not lock_errors and len(lock_log) == 40)

leaders = []


def elect(i, stop_evt):
    c = client()
    e = c.Election(root + "/election", "c%d" % i)

    def lead():
        leaders.append(i)
        stop_evt.wait(WAIT_S)

    th = threading.Thread(target=e.run, args=(lead,), daemon=True)
    th.start()
    return c, e


stop = threading.Event()
contenders = [elect(i, stop) for i in range(3)]
wait_for(lambda: len(leaders) == 1, "one leader elected")
first = leaders[0]
contenders[first][0].stop()
wait_for(lambda: len(leaders) == 2, "a new leader after the first leaves")
check("Election converges to one leader at a time", leaders[1] != first)
stop.set()
for i, (c, e) in enumerate(contenders):
    if i != first:
        e.cancel()
        c.stop()

b = zk.Barrier(root + "/barrier")
b.create()
released = []
wth = threading.Thread(target=lambda: released.append(client().Barrier(root + "/barrier").wait(WAIT_S)))
wth.start()
b.remove()
wth.join(WAIT_S)
check("Barrier releases waiters", released == [True])

db_results = []


def double(i):
    c = client()
    d = c.DoubleBarrier(root + "/dbarrier", 3)
    d.enter()
    db_results.append(("enter", i))
    d.leave()
    db_results.append(("leave", i))
    c.stop()


dts = [threading.Thread(target=double, args=(i,)) for i in range(3)]
[th.start() for th in dts]
[th.join(60) for th in dts]
enters = [i for i, r in enumerate(db_results) if r[0] == "enter"]
leaves = [i for i, r in enumerate(db_results) if r[0] == "leave"]
check("DoubleBarrier: all enter before any leaves", len(enters) == 3 and len(leaves) == 3 and max(enters) < min(leaves))

counter = zk.Counter(root + "/counter")


def bump():
    c = client()
    ctr = c.Counter(root + "/counter")
    for _ in range(10):
        ctr += 1
    c.stop()


cts = [threading.Thread(target=bump) for _ in range(3)]
[th.start() for th in cts]
[th.join(60) for th in cts]
check("Counter adds concurrently without losing updates", counter.value == 30)

q = zk.Queue(root + "/queue")
for i in range(5):
    q.put(b"item%d" % i)
got = [q.get() for _ in range(5)]
check("Queue is FIFO", got == [b"item%d" % i for i in range(5)])
lq = zk.LockingQueue(root + "/lqueue")
lq.put(b"low", priority=100)
lq.put(b"high", priority=1)
first_item = lq.get(WAIT_S)
lq.consume()
check("LockingQueue honours priority", first_item == b"high")

party = zk.Party(root + "/party", "me")
party.join()
other_party = other.Party(root + "/party", "you")
other_party.join()
check("Party lists members", sorted(party) == ["me", "you"])
other_party.leave()
check("Party leave", list(party) == ["me"])
sp = zk.ShallowParty(root + "/sparty", "solo")
sp.join()
check("ShallowParty", list(sp) == ["solo"])

other.stop()
zk.stop()
eph_check = client()
check("ephemeral gone after session close", eph_check.exists(eph) is None)
eph_check.stop()
print("kazoo suite passed", flush=True)
