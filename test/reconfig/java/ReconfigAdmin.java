// The Java client's ZooKeeperAdmin, as an operator's tool would use it: connects as the super
// user, then for each argument `add:<spec>`, `remove:<ids>` or `get` prints the configuration
// reconfigure or getConfig returns, then `version=<hex mzxid>` of its stat.
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.admin.ZooKeeperAdmin;
import org.apache.zookeeper.data.Stat;

public class ReconfigAdmin {
  public static void main(String[] args) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeperAdmin admin = new ZooKeeperAdmin(args[0], 10000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
    });
    if (!connected.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("not connected");
    admin.addAuthInfo("digest", args[1].getBytes(StandardCharsets.UTF_8));
    for (int i = 2; i < args.length; i++) {
      Stat stat = new Stat();
      byte[] data;
      if (args[i].startsWith("add:")) data = admin.reconfigure(args[i].substring(4), null, null, -1, stat);
      else if (args[i].startsWith("remove:")) data = admin.reconfigure(null, args[i].substring(7), null, -1, stat);
      else data = admin.getConfig(false, stat);
      System.out.println(new String(data, StandardCharsets.UTF_8));
      System.out.println("mzxid=" + Long.toHexString(stat.getMzxid()));
    }
    admin.close();
  }
}
