// A read-only client driven line by line from stdin, for the read-only suite: it connects with
// canBeReadOnly=true and prints each connection state it sees and the outcome of each command,
// one line each, so a test can step a scenario and compare zab with Apache ZooKeeper.
//
// Commands: get PATH | create PATH DATA | ephemeral PATH DATA | sync PATH | session |
//           wait STATE (until the watcher has seen STATE, at most 120 s) | quit
// Output:   "state <KeeperState>" as events arrive; per command "ok [value]" or "err <Code>";
//           session: "session 0x<hex> <ro|rw>".
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public class RoProbe {
  public static void main(String[] args) throws Exception {
    LinkedBlockingQueue<Watcher.Event.KeeperState> seen = new LinkedBlockingQueue<>();
    Watcher watcher = (WatchedEvent e) -> {
      if (e.getType() == Watcher.Event.EventType.None) {
        System.out.println("state " + e.getState());
        System.out.flush();
        seen.add(e.getState());
      }
    };
    ZooKeeper zk = new ZooKeeper(args[0], Integer.parseInt(args[1]), watcher, true);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] w = line.trim().split(" ", 3);
      try {
        switch (w[0]) {
          case "get":
            System.out.println("ok " + new String(zk.getData(w[1], false, null), StandardCharsets.UTF_8));
            break;
          case "create":
            System.out.println("ok " + zk.create(w[1], w[2].getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
            break;
          case "ephemeral":
            System.out.println("ok " + zk.create(w[1], w[2].getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL));
            break;
          case "sync": {
            LinkedBlockingQueue<Integer> rc = new LinkedBlockingQueue<>();
            zk.sync(w[1], (code, path, ctx) -> rc.add(code), null);
            Integer code = rc.poll(60, TimeUnit.SECONDS);
            System.out.println(code == null ? "err TIMEOUT" : code == 0 ? "ok" : "err " + KeeperException.Code.get(code));
            break;
          }
          case "session":
            System.out.println("session 0x" + Long.toHexString(zk.getSessionId()) + " " + (zk.getState() == ZooKeeper.States.CONNECTEDREADONLY ? "ro" : "rw"));
            break;
          case "wait": {
            Watcher.Event.KeeperState want = Watcher.Event.KeeperState.valueOf(w[1]);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            Watcher.Event.KeeperState s = null;
            while (s != want && System.nanoTime() < end) s = seen.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
            System.out.println(s == want ? "ok " + want : "err TIMEOUT");
            break;
          }
          case "quit":
            zk.close();
            System.out.println("ok closed");
            System.out.flush();
            return;
          default:
            System.out.println("err unknown command " + w[0]);
        }
      } catch (KeeperException e) {
        System.out.println("err " + e.code());
      }
      System.out.flush();
    }
    zk.close();
  }
}
