// Test support: one TLS handshake made the way ZooKeeper's Java client makes it. The
// zookeeper.ssl.* system properties configure ZooKeeper's own ClientX509Util (stores,
// protocols, ciphers, hostname verification); the probe connects to host:port and prints
// what it got, one "key: value" per line, or the failure and exit status 1.
import javax.net.ssl.SSLSocket;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;

public class TlsProbe {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    try (ClientX509Util x509 = new ClientX509Util()) {
      ZKClientConfig config = new ZKClientConfig();
      SSLSocket socket = x509.createSSLContextAndOptions(config).createSSLSocket();
      socket.connect(new InetSocketAddress(host, port), 10_000);
      socket.startHandshake();
      X509Certificate peer = (X509Certificate) socket.getSession().getPeerCertificates()[0];
      System.out.println("protocol: " + socket.getSession().getProtocol());
      System.out.println("cipher: " + socket.getSession().getCipherSuite());
      System.out.println("serial: " + peer.getSerialNumber().toString(16));
      System.out.println("subject: " + peer.getSubjectX500Principal().getName());
      socket.getOutputStream().write("ping\n".getBytes("UTF-8"));
      socket.getOutputStream().flush();
      int b = socket.getInputStream().read();
      System.out.println("reply: " + (char) b);
      socket.close();
    } catch (Exception e) {
      System.out.println("error: " + e);
      System.exit(1);
    }
  }
}
