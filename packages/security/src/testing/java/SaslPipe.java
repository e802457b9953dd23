// Test support: Java's own SASL DIGEST-MD5, set up exactly as ZooKeeper 3.8 sets it up, with
// the tokens carried over stdin/stdout as lines "C <base64>" (client to server) and
// "S <base64>" (server to client).
//   client USER PASSWORD  - ZooKeeper's client side (SaslClientCallbackHandler, "zookeeper",
//                           "zk-sasl-md5"); prints "DONE" once complete.
//   server JAAS_FILE      - ZooKeeper's server side (SaslServerCallbackHandler over the file's
//                           Server section); prints "DONE <authorizationID>".
//   authorize JAAS_FILE AUTHN AUTHZ... - the authorized id ZooKeeper's handler gives each pair.
// Any failure prints "ERROR <message>" and exits with status 1.
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.security.URIParameter;
import java.util.Base64;
import javax.security.auth.callback.Callback;
import javax.security.auth.login.Configuration;
import javax.security.sasl.AuthorizeCallback;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslServer;
import org.apache.zookeeper.SaslClientCallbackHandler;
import org.apache.zookeeper.server.auth.SaslServerCallbackHandler;

public class SaslPipe {
  static final Base64.Encoder B64 = Base64.getEncoder();
  static final Base64.Decoder D64 = Base64.getDecoder();

  static void send(String side, byte[] token) {
    System.out.println(side + " " + B64.encodeToString(token == null ? new byte[0] : token));
    System.out.flush();
  }

  static byte[] receive(BufferedReader in, String side) throws Exception {
    String line = in.readLine();
    if (line == null) throw new Exception("input closed");
    if (!line.startsWith(side + " ")) throw new Exception("unexpected line: " + line);
    return D64.decode(line.substring(2).trim());
  }

  static Configuration jaas(String file) throws Exception {
    return Configuration.getInstance("JavaLoginConfig", new URIParameter(new File(file).toURI()));
  }

  public static void main(String[] args) {
    try {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
      switch (args[0]) {
        case "client": {
          SaslClient client = Sasl.createSaslClient(new String[] {"DIGEST-MD5"}, args[1], "zookeeper", "zk-sasl-md5", null,
              new SaslClientCallbackHandler(args[2], "Client"));
          send("C", client.hasInitialResponse() ? client.evaluateChallenge(new byte[0]) : new byte[0]);
          while (!client.isComplete()) {
            byte[] response = client.evaluateChallenge(receive(in, "S"));
            if (!client.isComplete() || (response != null && response.length > 0)) send("C", response);
          }
          System.out.println("DONE");
          break;
        }
        case "server": {
          SaslServer server = Sasl.createSaslServer("DIGEST-MD5", "zookeeper", "zk-sasl-md5", null,
              new SaslServerCallbackHandler(jaas(args[1])));
          while (!server.isComplete()) send("S", server.evaluateResponse(receive(in, "C")));
          System.out.println("DONE " + server.getAuthorizationID());
          break;
        }
        case "authorize": {
          SaslServerCallbackHandler handler = new SaslServerCallbackHandler(jaas(args[1]));
          for (int i = 2; i + 1 < args.length; i += 2) {
            AuthorizeCallback ac = new AuthorizeCallback(args[i], args[i + 1]);
            handler.handle(new Callback[] {ac});
            System.out.println("ID " + ac.getAuthorizedID());
          }
          break;
        }
        default:
          throw new Exception("unknown mode " + args[0]);
      }
      System.out.flush();
    } catch (Exception e) {
      System.out.println("ERROR " + e);
      System.out.flush();
      System.exit(1);
    }
  }
}
