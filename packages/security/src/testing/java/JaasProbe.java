// Test support: how the JDK reads a JAAS file. Arguments: the file, then section names. Prints
// "section|module|flag|name=value|..." per login module (options sorted by name), "missing|section"
// for an absent section, or "error: message" and exit status 1 if the JDK refuses the file.
import java.io.File;
import java.net.URI;
import java.security.URIParameter;
import java.util.Map;
import java.util.TreeMap;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;

public class JaasProbe {
  public static void main(String[] args) throws Exception {
    Configuration config;
    try {
      config = Configuration.getInstance("JavaLoginConfig", new URIParameter(new File(args[0]).toURI()));
    } catch (Exception e) {
      Throwable t = e;
      while (t.getCause() != null) t = t.getCause();
      System.out.println("error: " + t.getMessage());
      System.exit(1);
      return;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 1; i < args.length; i++) {
      AppConfigurationEntry[] entries = config.getAppConfigurationEntry(args[i]);
      if (entries == null) { out.append("missing|").append(args[i]).append('\n'); continue; }
      for (AppConfigurationEntry e : entries) {
        out.append(args[i]).append('|').append(e.getLoginModuleName()).append('|');
        String flag = e.getControlFlag().toString();
        out.append(flag.substring(flag.lastIndexOf(' ') + 1).toLowerCase());
        for (Map.Entry<String, ?> o : new TreeMap<String, Object>(e.getOptions()).entrySet()) {
          out.append('|').append(o.getKey()).append('=').append(o.getValue());
        }
        out.append('\n');
      }
    }
    System.out.write(out.toString().getBytes("UTF-8"));
    System.out.flush();
  }
}
