# Test support: kazoo's SASL client side (pure-sasl's DIGEST-MD5, driven the way kazoo's
# _authenticate_with_sasl drives it), with tokens as lines "C <base64>" / "S <base64>" on
# stdout/stdin. Arguments: username password. Prints DONE when complete, ERROR <why> if not.
import base64
import sys

from puresasl.client import SASLClient


def main():
    username, password = sys.argv[1], sys.argv[2]
    client = SASLClient(host="zk-sasl-md5", service="zookeeper", mechanism="DIGEST-MD5",
                        username=username, password=password)
    challenge = None
    while True:
        response = client.process(challenge)
        if client.complete:
            print("DONE", flush=True)
            return
        print("C " + base64.b64encode(response or b"").decode(), flush=True)
        line = sys.stdin.readline()
        if not line.startswith("S "):
            raise Exception("unexpected line: %r" % line)
        challenge = base64.b64decode(line[2:].strip())


try:
    main()
except Exception as e:  # the test reads the reason from stdout
    print("ERROR %s" % e, flush=True)
    sys.exit(1)
