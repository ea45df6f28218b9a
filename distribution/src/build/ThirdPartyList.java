import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Writes THIRD-PARTY: every jar of an assembled installation (lib/ and plugins/NAME/) with its
 * Maven coordinates and license, so what ships is what is listed. Run by the distribution's build
 * (java ThirdPartyList.java INSTALLATION LOCAL_REPOSITORY OUTPUT OWN_GROUP OWN_LICENSE).
 *
 * <p>Coordinates come from the jar's META-INF/maven/.../pom.properties, else from its file name
 * (artifactId-version.jar) found in the local Maven repository the build resolved it into; the license
 * from that POM's licenses, else its parents'. The project's own jars (OWN_GROUP) carry OWN_LICENSE.
 * A jar whose license cannot be found fails the build, naming it.
 */
public final class ThirdPartyList {

    private record Coordinates(String group, String artifact, String version) {
        String text() {
            return group + ":" + artifact + ":" + version;
        }
    }

    public static void main(String[] args) throws Exception {
        Path installation = Path.of(args[0]);
        Path repository = Path.of(args[1]);
        Path output = Path.of(args[2]);
        String ownGroup = args[3];
        String ownLicense = args[4];
        List<Path> jars = new ArrayList<>();
        try (Stream<Path> lib = Files.list(installation.resolve("lib"))) {
            lib.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(jars::add);
        }
        try (Stream<Path> plugins = Files.walk(installation.resolve("plugins"), 2)) {
            plugins.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(jars::add);
        }
        Map<String, Path> repositoryJars = null;
        List<String> lines = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (Path jar : jars) {
            String shipped = installation.relativize(jar).toString();
            Coordinates c = fromJar(jar);
            if (c == null) {
                if (repositoryJars == null) {
                    repositoryJars = index(repository);
                }
                Path inRepository = repositoryJars.get(jar.getFileName().toString());
                if (inRepository != null) {
                    Path versionDir = inRepository.getParent();
                    Path artifactDir = versionDir.getParent();
                    String group = repository.relativize(artifactDir.getParent()).toString().replace('/', '.');
                    c = new Coordinates(group, artifactDir.getFileName().toString(), versionDir.getFileName().toString());
                }
            }
            if (c == null) {
                unknown.add(shipped + ": no META-INF/maven pom.properties, and no jar of that name in " + repository);
                continue;
            }
            String license = c.group().equals(ownGroup) ? ownLicense : license(repository, c, 0);
            if (license == null) {
                unknown.add(shipped + " (" + c.text() + "): no <licenses> in its POM or its parents' in " + repository);
                continue;
            }
            lines.add(shipped + "  " + c.text() + "  " + license);
        }
        if (!unknown.isEmpty()) {
            System.err.println("THIRD-PARTY: the license of these jars is unknown; add it to the jar's entry by hand in "
                    + "distribution/src/build/ThirdPartyList.java or ship another version:");
            unknown.forEach(u -> System.err.println("  " + u));
            System.exit(1);
        }
        StringBuilder text = new StringBuilder();
        text.append("Every jar this installation ships (lib/ and plugins/NAME/), its Maven coordinates and its license,\n")
                .append("as the library's POM declares it. fanout's own jars are under LICENSE.\n\n");
        lines.forEach(l -> text.append(l).append('\n'));
        Files.writeString(output, text.toString(), StandardCharsets.UTF_8);
    }

    /** The coordinates in the jar's own pom.properties whose artifactId-version names the file; null when none does. */
    private static Coordinates fromJar(Path jar) throws IOException {
        String name = jar.getFileName().toString();
        try (JarFile j = new JarFile(jar.toFile())) {
            for (var e : java.util.Collections.list(j.entries())) {
                if (e.getName().startsWith("META-INF/maven/") && e.getName().endsWith("/pom.properties")) {
                    Properties p = new Properties();
                    try (InputStream in = j.getInputStream(e)) {
                        p.load(in);
                    }
                    String artifact = p.getProperty("artifactId");
                    String version = p.getProperty("version");
                    if (artifact != null && version != null && name.startsWith(artifact + "-" + version)) {
                        return new Coordinates(p.getProperty("groupId"), artifact, version);
                    }
                }
            }
        }
        return null;
    }

    private static Map<String, Path> index(Path repository) throws IOException {
        Map<String, Path> byName = new HashMap<>();
        try (Stream<Path> files = Files.walk(repository)) {
            files.filter(p -> p.toString().endsWith(".jar")).forEach(p -> byName.putIfAbsent(p.getFileName().toString(), p));
        }
        return byName;
    }

    /** The POM's licenses as "name <url>", joined with "; " — else its parent's; null when none declares any. */
    private static String license(Path repository, Coordinates c, int depth) throws Exception {
        Path pom = repository.resolve(c.group().replace('.', '/')).resolve(c.artifact()).resolve(c.version())
                .resolve(c.artifact() + "-" + c.version() + ".pom");
        if (depth > 10 || !Files.isRegularFile(pom)) {
            return null;
        }
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Document d = f.newDocumentBuilder().parse(pom.toFile());
        Element project = d.getDocumentElement();
        Element licenses = child(project, "licenses");
        if (licenses != null) {
            Set<String> names = new LinkedHashSet<>();
            NodeList list = licenses.getElementsByTagName("license");
            for (int i = 0; i < list.getLength(); i++) {
                Element l = (Element) list.item(i);
                String name = text(child(l, "name"));
                String url = text(child(l, "url"));
                if (name != null || url != null) {
                    names.add((name != null ? name : "") + (url != null ? (name != null ? " <" + url + ">" : url) : ""));
                }
            }
            if (!names.isEmpty()) {
                return String.join("; ", names);
            }
        }
        Element parent = child(project, "parent");
        if (parent == null) {
            return null;
        }
        return license(repository, new Coordinates(text(child(parent, "groupId")), text(child(parent, "artifactId")),
                text(child(parent, "version"))), depth + 1);
    }

    private static Element child(Element e, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(name)) {
                return c;
            }
        }
        return null;
    }

    private static String text(Element e) {
        return e == null ? null : e.getTextContent().strip().replaceAll("\\s+", " ");
    }
}
