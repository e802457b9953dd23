// An independent load generator on the official ZooKeeper Java client, to check zab-bench's own
// jute client against: the same closed loop (sessions x requests in flight, a warm-up, then a
// measured window), built on nothing of zab-bench's. Latencies are kept whole and sorted, not
// bucketed, so its percentiles are exact. zab-bench compiles it at run time with javac against
// Debian's /usr/share/java/zookeeper.jar (`zab-bench compare --driver java|both`).
//
//   java -cp CLASSES:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar LoadGen \
//     --hosts 127.0.0.1:2181,127.0.0.1:2182 --op create|getData|setData|mixed --sessions 16 \
//     --inflight 8 --size 100 --keys 1000 --read-pct 90 --duration 10 --warmup 3 --root /zab-bench/j
//
// Prints one JSON line: ops, window_s, ops_per_sec, mean/p50/p90/p99/p999/max in ms, errors.
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public final class LoadGen {
  /** The command line, checked. */
  static final class Options {
    String[] hosts;
    String op = "create";
    int sessions = 16;
    int inflight = 8;
    int size = 100;
    int keys = 1000;
    int readPct = 90;
    double durationS = 10;
    double warmupS = 3;
    int sessionTimeoutMs = 30000;
    String root = "/zab-bench/java";

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i + 1 < args.length; i += 2) {
        String v = args[i + 1];
        switch (args[i]) {
          case "--hosts": o.hosts = v.split(","); break;
          case "--op": o.op = v; break;
          case "--sessions": o.sessions = Integer.parseInt(v); break;
          case "--inflight": o.inflight = Integer.parseInt(v); break;
          case "--size": o.size = Integer.parseInt(v); break;
          case "--keys": o.keys = Integer.parseInt(v); break;
          case "--read-pct": o.readPct = Integer.parseInt(v); break;
          case "--duration": o.durationS = Double.parseDouble(v); break;
          case "--warmup": o.warmupS = Double.parseDouble(v); break;
          case "--session-timeout": o.sessionTimeoutMs = Integer.parseInt(v); break;
          case "--root": o.root = v; break;
          default: throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (o.hosts == null) throw new IllegalArgumentException("--hosts is required");
      if (!List.of("create", "getData", "setData", "mixed").contains(o.op)) {
        throw new IllegalArgumentException("--op must be create, getData, setData or mixed, not " + o.op);
      }
      if (o.sessions < 1 || o.inflight < 1 || o.size < 0 || o.keys < 1) throw new IllegalArgumentException("sessions, inflight, keys must be >= 1, size >= 0");
      return o;
    }
  }

  /** One session's latencies (ns) and failures; written only by that session's event thread. */
  static final class Recorder {
    long[] latenciesNs = new long[1 << 12];
    int count;
    long errors;

    void add(long ns) {
      if (count == latenciesNs.length) latenciesNs = Arrays.copyOf(latenciesNs, count * 2);
      latenciesNs[count++] = ns;
    }
  }

  private final Options o;
  private final ZooKeeper[] zks;
  private final Recorder[] recorders;
  private final AtomicLong[] nextSeq;
  private final byte[] value;
  private long warmupEndNs;
  private long endNs;
  private CountDownLatch slotsDone;

  private LoadGen(Options o) {
    this.o = o;
    this.zks = new ZooKeeper[o.sessions];
    this.recorders = new Recorder[o.sessions];
    this.nextSeq = new AtomicLong[o.sessions];
    this.value = new byte[o.size];
    Arrays.fill(value, (byte) 'j');
  }

  private void connect() throws Exception {
    for (int i = 0; i < o.sessions; i++) {
      CountDownLatch connected = new CountDownLatch(1);
      zks[i] = new ZooKeeper(o.hosts[i % o.hosts.length], o.sessionTimeoutMs, e -> {
        if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
      });
      if (!connected.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("session " + i + " did not connect within 60 s");
      recorders[i] = new Recorder();
      nextSeq[i] = new AtomicLong();
    }
  }

  private String keyPath(int i) {
    return o.root + "/k" + i;
  }

  /** The root path and its parents, then (for reads and writes of existing znodes) the keys. */
  private void prepare() throws Exception {
    ZooKeeper zk = zks[0];
    StringBuilder p = new StringBuilder();
    for (String part : o.root.substring(1).split("/")) {
      p.append('/').append(part);
      try {
        zk.create(p.toString(), new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      } catch (KeeperException.NodeExistsException ignored) {
        // made by an earlier run: fine
      }
    }
    if (o.op.equals("create")) return;
    Semaphore window = new Semaphore(64);
    AtomicInteger failures = new AtomicInteger();
    for (int i = 0; i < o.keys; i++) {
      window.acquire();
      zk.create(keyPath(i), value, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, (rc, path, ctx, name) -> {
        if (rc != KeeperException.Code.OK.intValue() && rc != KeeperException.Code.NODEEXISTS.intValue()) failures.incrementAndGet();
        window.release();
      }, null);
    }
    window.acquire(64);
    if (failures.get() > 0) throw new IllegalStateException(failures.get() + " keys could not be created");
  }

  /** Sends session s's next request, or ends the slot once the window is over. */
  private void issue(int s) {
    long t0 = System.nanoTime();
    if (t0 >= endNs) {
      slotsDone.countDown();
      return;
    }
    ZooKeeper zk = zks[s];
    String op = o.op;
    if (op.equals("mixed")) op = ThreadLocalRandom.current().nextInt(100) < o.readPct ? "getData" : "setData";
    switch (op) {
      case "create":
        zk.create(o.root + "/j" + s + "-" + nextSeq[s].getAndIncrement(), value, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
            (rc, path, ctx, name) -> complete(s, rc, t0), null);
        break;
      case "getData":
        zk.getData(keyPath(ThreadLocalRandom.current().nextInt(o.keys)), false,
            (rc, path, ctx, data, stat) -> complete(s, rc == 0 && (data == null || data.length != o.size) ? -1 : rc, t0), null);
        break;
      default:
        zk.setData(keyPath(ThreadLocalRandom.current().nextInt(o.keys)), value, -1, (rc, path, ctx, stat) -> complete(s, rc, t0), null);
    }
  }

  private void complete(int s, int rc, long t0) {
    long t = System.nanoTime();
    if (t >= warmupEndNs && t <= endNs) {
      if (rc == 0) recorders[s].add(t - t0);
      else recorders[s].errors++;
    }
    issue(s);
  }

  private String run() throws Exception {
    connect();
    prepare();
    long start = System.nanoTime();
    warmupEndNs = start + (long) (o.warmupS * 1e9);
    endNs = warmupEndNs + (long) (o.durationS * 1e9);
    slotsDone = new CountDownLatch(o.sessions * o.inflight);
    // zab-bench reads the servers' CPU over the measured window, timed from this line.
    System.out.write("LoadGen: load started\n".getBytes(StandardCharsets.UTF_8));
    System.out.flush();
    for (int s = 0; s < o.sessions; s++) {
      for (int k = 0; k < o.inflight; k++) issue(s);
    }
    if (!slotsDone.await((long) (o.warmupS + o.durationS) + 60, TimeUnit.SECONDS)) throw new IllegalStateException("requests still outstanding 60 s after the window");
    for (ZooKeeper zk : zks) zk.close();
    return report();
  }

  private String report() {
    int n = 0;
    long errors = 0;
    for (Recorder r : recorders) {
      n += r.count;
      errors += r.errors;
    }
    long[] all = new long[n];
    int at = 0;
    for (Recorder r : recorders) {
      System.arraycopy(r.latenciesNs, 0, all, at, r.count);
      at += r.count;
    }
    Arrays.sort(all);
    double sum = 0;
    for (long v : all) sum += v;
    List<String> fields = new ArrayList<>();
    fields.add("\"driver\":\"java\"");
    fields.add("\"op\":\"" + o.op + "\"");
    fields.add("\"ops\":" + n);
    fields.add("\"window_s\":" + o.durationS);
    fields.add("\"ops_per_sec\":" + n / o.durationS);
    fields.add("\"mean_ms\":" + (n == 0 ? 0 : sum / n / 1e6));
    fields.add("\"p50_ms\":" + percentileMs(all, 50));
    fields.add("\"p90_ms\":" + percentileMs(all, 90));
    fields.add("\"p99_ms\":" + percentileMs(all, 99));
    fields.add("\"p999_ms\":" + percentileMs(all, 99.9));
    fields.add("\"max_ms\":" + (n == 0 ? 0 : all[n - 1] / 1e6));
    fields.add("\"errors\":" + errors);
    return "{" + String.join(",", fields) + "}";
  }

  /** The ceil(p% of n)-th smallest latency, in ms; 0 when there is none. */
  static double percentileMs(long[] sorted, double p) {
    if (sorted.length == 0) return 0;
    int rank = Math.max(1, (int) Math.ceil(p / 100 * sorted.length));
    return sorted[rank - 1] / 1e6;
  }

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("LoadGen: " + e.getMessage());
      System.exit(2);
      return;
    }
    String json = new LoadGen(o).run();
    System.out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
    System.out.flush();
    System.exit(0);
  }
}
