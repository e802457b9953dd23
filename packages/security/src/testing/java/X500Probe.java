// Test support: prints each certificate's subject as ZooKeeper's X509AuthenticationProvider
// takes it, X500Principal.getName() (RFC 2253), one line per certificate file given.
import java.io.FileInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

public class X500Probe {
  public static void main(String[] args) throws Exception {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    StringBuilder out = new StringBuilder();
    for (String file : args) {
      try (FileInputStream in = new FileInputStream(file)) {
        X509Certificate cert = (X509Certificate) factory.generateCertificate(in);
        out.append(cert.getSubjectX500Principal().getName()).append('\n');
      }
    }
    System.out.write(out.toString().getBytes("UTF-8"));
    System.out.flush();
  }
}
