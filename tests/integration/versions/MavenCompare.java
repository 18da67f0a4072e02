// Maven reference of the differential test: reads "A<TAB>B" lines on stdin and prints the sign of
// new ComparableVersion(A).compareTo(new ComparableVersion(B)) with the maven-artifact jar on the
// class path (Debian's libmaven3-core-java: Maven 3.8).
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class MavenCompare {
  public static void main(String[] args) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintWriter out = new PrintWriter(
        new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
    String line;
    while ((line = in.readLine()) != null) {
      int tab = line.indexOf('\t');
      ComparableVersion a = new ComparableVersion(line.substring(0, tab));
      ComparableVersion b = new ComparableVersion(line.substring(tab + 1));
      out.println(Integer.signum(a.compareTo(b)));
    }
    out.flush();
  }
}
