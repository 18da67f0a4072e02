// Pure parsers of Java archive metadata: META-INF/MANIFEST.MF, Maven's pom.properties and (the
// simple, literal part of) pom.xml, jar file names, and the rules that turn them into a Maven
// identity.
//
//   Result<java::Manifest> m = java::parseManifest(bytes);
//   m->get("Implementation-Version");                       // names are case-insensitive
//   Result<java::PomProperties> p = java::parsePomProperties(bytes);
//   Result<java::PomXml> x = java::parsePomXml(bytes);
//   java::JarName n = java::splitJarFileName("commons-lang3-3.12.0.jar");  // {"commons-lang3",
//   "3.12.0"} java::Identity id = java::identify("guava.jar", &*m, poms);
//
// Bytes in, structs out: nothing here touches the filesystem. Every function is pure,
// thread-safe and never throws; malformed input is a kInvalidInput error.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::catalog::java {

// The main section of a manifest (the attributes before the first blank line).
struct Manifest {
  // Attributes in file order, names as written, values with continuation lines joined.
  std::vector<std::pair<std::string, std::string>> main;
  // The value of attribute `name` (case-insensitive), or "" when absent.
  [[nodiscard]] std::string get(std::string_view name) const;
};

// JAR File Specification manifest: "Name: value" lines (CRLF, LF or CR ends), a line starting
// with one space continues the previous value, a blank line ends the main section (per-entry
// sections after it are not kept). Errors: kInvalidInput for a NUL byte, a line in the main
// section without ": " (or ':' at its end), an empty name, a continuation before any attribute.
[[nodiscard]] Result<Manifest> parseManifest(std::string_view text);

struct PomProperties {
  std::string groupId;
  std::string artifactId;
  std::string version;
};

// java.util.Properties text (comments '#'/'!', separators '=', ':' or white space, backslash
// line continuations and escapes including \uXXXX; bytes that are not UTF-8 read as Latin-1, as
// Properties.load does). Errors: kInvalidInput when groupId, artifactId or version is missing or
// empty, or the text contains a NUL byte.
[[nodiscard]] Result<PomProperties> parsePomProperties(std::string_view text);

struct PomXml {
  std::string groupId;  // <project><groupId>, else <parent><groupId>
  std::string artifactId;
  std::string version;  // <project><version>, else <parent><version>
  std::string name;
  std::string description;  // first line, trimmed
  std::string url;
  std::vector<std::string> licenses;  // <licenses><license><name> in order
};

// The literal values of a pom.xml: elements directly under <project> (and <parent>,
// <licenses><license>). Values that still hold a ${property} reference are left empty (they
// need the build to resolve). Comments, CDATA, processing instructions and the five predefined
// and numeric character references are understood; DTDs are not (a DOCTYPE is an error).
// Errors: kInvalidInput when the text is not well-formed enough to find <project>, or nesting
// is deeper than 64 levels.
[[nodiscard]] Result<PomXml> parsePomXml(std::string_view text);

struct JarName {
  std::string name;     // "commons-lang3"
  std::string version;  // "3.12.0"; "" when the name carries none
};

// "commons-lang3-3.12.0.jar" -> {"commons-lang3", "3.12.0"}; "guava-31.1-jre.jar" -> {"guava",
// "31.1-jre"}; "log4j-1.2-api-2.17.1.jar" -> {"log4j-1.2-api", "2.17.1"}; "app.war" -> {"app",
// ""}. The version starts at a '-' followed by a digit, the first one after which no
// "-<letters>-<digit>" follows (so a version-like part of the name stays in the name).
[[nodiscard]] JarName splitJarFileName(std::string_view fileName);

// How a component's Maven coordinates were found, most trusted first.
enum class Source { kPomProperties, kPomXml, kManifest, kFileName };
[[nodiscard]] const char* toString(
    Source s);  // "pom.properties", "pom.xml", "manifest", "filename"

struct Coordinates {
  std::string groupId;
  std::string artifactId;
  std::string version;  // may be empty (a file name without one, no manifest version)
  Source source = Source::kFileName;
  std::size_t pomIndex = 0;  // index into the poms given to identify(), for the pom sources
  // Without a pom the groupId is a guess; this says from what: "Implementation-Vendor-Id",
  // "Bundle-SymbolicName" or "artifactId" (Maven's convention for old artifacts such as
  // aopalliance:aopalliance). Empty when a pom gave it.
  std::string groupGuessedFrom;
};

struct Identity {
  Coordinates self;                 // the archive itself
  std::vector<Coordinates> shaded;  // other pom.properties it carries (shaded dependencies)
};

// The Maven identity of an archive named `fileName` (no directories). `poms` are the
// pom.properties the archive carries (META-INF/maven/<g>/<a>/pom.properties). With one, that is
// the archive. With several, the one whose artifactId the file name or the manifest's
// Implementation-Title / Bundle-SymbolicName names is the archive, the others are shaded
// dependencies; when none is named, the archive's identity comes from the manifest and file name
// and every pom is shaded. Without poms: artifactId from the file name, version from
// Implementation-Version, Bundle-Version, Specification-Version or the file name, groupId from
// Implementation-Vendor-Id when present.
[[nodiscard]] Identity identify(std::string_view fileName, const Manifest* manifest,
                                std::span<const PomProperties> poms);

}  // namespace tollgate::catalog::java
