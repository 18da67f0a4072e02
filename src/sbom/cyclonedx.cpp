// CycloneDX 1.6 JSON writer. The field mapping is documented in docs/formats.md.
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "format_common.h"
#include "json_writer.h"
#include "tollgate/sbom/writers.h"

namespace tollgate::sbom {
namespace {

using detail::JsonWriter;

void writeHashes(JsonWriter& w, const std::vector<Hash>& hashes) {
  bool any = false;
  for (const auto& h : hashes) {
    if (!detail::isValidHash(h)) continue;
    if (!any) {
      w.key("hashes");
      w.beginArray();
      any = true;
    }
    w.beginObject();
    w.field("alg", h.algorithm);
    w.field("content", h.value);
    w.endObject();
  }
  if (any) w.endArray();
}

void writeLicenseObject(JsonWriter& w, std::string_view member, std::string_view value) {
  w.beginObject();
  w.key("license");
  w.beginObject();
  w.field(member, value);
  w.endObject();
  w.endObject();
}

// CycloneDX allows either a list of {"license": {id|name}} or exactly one {"expression"}. The
// model's licences all apply at once (a package whose files carry different licences), so:
//   - one licence that is a single SPDX list id: [{"license": {"id"}}]
//   - only SPDX expressions: their conjunction as one [{"expression": "A AND (B OR C)"}]
//   - any free-text name among them: the list form, names as {"name"}, listed ids as {"id"},
//     and compound expressions as {"name"} (the list form has no place for an expression).
void writeLicenses(JsonWriter& w, const std::vector<License>& licenses) {
  std::vector<const License*> valid;
  bool anyName = false;
  for (const auto& l : licenses) {
    if (l.expression.empty() && l.name.empty()) continue;
    valid.push_back(&l);
    anyName = anyName || l.expression.empty();
  }
  if (valid.empty()) return;
  w.key("licenses");
  w.beginArray();
  if (!anyName && !(valid.size() == 1 && detail::isListedLicenseId(valid[0]->expression))) {
    std::vector<std::string> exprs;
    exprs.reserve(valid.size());
    for (const auto* l : valid) exprs.push_back(l->expression);
    w.beginObject();
    w.field("expression", detail::joinConjunction(exprs));
    w.endObject();
  } else {
    for (const auto* l : valid) {
      if (l->expression.empty())
        writeLicenseObject(w, "name", l->name);
      else if (detail::isListedLicenseId(l->expression))
        writeLicenseObject(w, "id", l->expression);
      else
        writeLicenseObject(w, "name", l->expression);
    }
  }
  w.endArray();
}

void writeProperties(JsonWriter& w, const std::map<std::string, std::string>& props) {
  if (props.empty()) return;
  w.key("properties");
  w.beginArray();
  for (const auto& [name, value] : props) {
    w.beginObject();
    w.field("name", name);
    w.field("value", value);
    w.endObject();
  }
  w.endArray();
}

void writeComponent(JsonWriter& w, const Component& c) {
  w.beginObject();
  w.field("type", toString(c.type));
  w.optionalField("bom-ref", c.bomRef);
  if (!c.supplier.empty()) {
    auto contact = detail::parseContact(c.supplier);
    w.key("supplier");
    w.beginObject();
    w.optionalField("name", contact.name);
    if (!contact.email.empty()) {
      w.key("contact");
      w.beginArray();
      w.beginObject();
      w.field("email", contact.email);
      w.endObject();
      w.endArray();
    }
    w.endObject();
  }
  if (!c.author.empty()) {
    auto contact = detail::parseContact(c.author);
    w.key("authors");
    w.beginArray();
    w.beginObject();
    w.optionalField("name", contact.name);
    w.optionalField("email", contact.email);
    w.endObject();
    w.endArray();
  }
  w.optionalField("group", c.group);
  w.field("name", c.name);
  // The schema caps versions at 1024 characters; metadata from a hostile package can be longer.
  w.optionalField("version", detail::truncateUtf8(c.version, 1024));
  w.optionalField("description", c.description);
  writeHashes(w, c.hashes);
  writeLicenses(w, c.licenses);
  w.optionalField("purl", c.purl);
  if (!c.files.empty()) {
    // Owned files as nested file components. They carry no bom-ref: a path owned by two
    // packages would otherwise need two different refs for one file.
    w.key("components");
    w.beginArray();
    for (const auto& f : c.files) {
      w.beginObject();
      w.field("type", "file");
      w.field("name", f.path);
      writeHashes(w, f.hashes);
      w.endObject();
    }
    w.endArray();
  }
  if (!c.evidencePaths.empty()) {
    w.key("evidence");
    w.beginObject();
    w.key("occurrences");
    w.beginArray();
    for (const auto& p : c.evidencePaths) {
      w.beginObject();
      w.field("location", p);
      w.endObject();
    }
    w.endArray();
    w.endObject();
  }
  std::map<std::string, std::string> props = c.properties;
  if (!c.foundBy.empty()) props.insert_or_assign(std::string(detail::kPropCataloger), c.foundBy);
  auto source = detail::sourcePropsFor(c.purl);
  if (!c.sourceName.empty()) props.insert_or_assign(std::string(source.name), c.sourceName);
  if (!c.sourceVersion.empty())
    props.insert_or_assign(std::string(source.version), c.sourceVersion);
  writeProperties(w, props);
  w.endObject();
}

// The subject's bom-ref: stable, and distinct from every component's.
std::string subjectRef(const Bom& bom, const std::unordered_set<std::string_view>& refs) {
  std::string ref = "tollgate:subject:" + bom.metadata.subjectName;
  if (!bom.metadata.subjectVersion.empty()) ref += "@" + bom.metadata.subjectVersion;
  while (refs.contains(ref)) ref += "#subject";
  return ref;
}

std::size_t estimateSize(const Bom& bom) {
  std::size_t n = 4096;
  for (const auto& c : bom.components) n += 1024 + c.files.size() * 220;
  return n;
}

}  // namespace

std::string toCycloneDxJson(const Bom& bom) {
  std::string out;
  out.reserve(estimateSize(bom));
  detail::writeCycloneDxJson(bom, out, {});
  return out;
}

void detail::writeCycloneDxJson(const Bom& bom, std::string& out, const Sink& sink) {
  JsonWriter w = sink ? JsonWriter(out, sink) : JsonWriter(out);
  const Metadata& m = bom.metadata;
  std::unordered_set<std::string_view> refs;
  refs.reserve(bom.components.size());
  for (const auto& c : bom.components) refs.insert(c.bomRef);

  w.beginObject();
  w.field("$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json");
  w.field("bomFormat", "CycloneDX");
  w.field("specVersion", "1.6");
  // Only values the schema accepts: a caller that set none (tests, library users) still gets a
  // valid document.
  if (detail::isUuidUrn(m.serialNumber)) w.field("serialNumber", m.serialNumber);
  w.key("version");
  w.number(1);

  w.key("metadata");
  w.beginObject();
  if (detail::isRfc3339(m.timestamp)) w.field("timestamp", m.timestamp);
  w.key("tools");
  w.beginObject();
  w.key("components");
  w.beginArray();
  w.beginObject();
  w.field("type", "application");
  w.field("name", m.toolName.empty() ? "tollgate" : m.toolName);
  w.optionalField("version", m.toolVersion);
  w.endObject();
  w.endArray();
  w.endObject();
  w.key("component");
  w.beginObject();
  w.field("type", detail::isCycloneDxComponentType(m.subjectType) ? m.subjectType : "file");
  w.field("bom-ref", subjectRef(bom, refs));
  w.field("name", m.subjectName);
  w.optionalField("version", detail::truncateUtf8(m.subjectVersion, 1024));
  w.endObject();
  writeProperties(w, m.properties);
  w.endObject();

  w.key("components");
  w.beginArray();
  for (const auto& c : bom.components) writeComponent(w, c);
  w.endArray();

  // Every component gets an entry: CycloneDX reads a missing entry as "unknown", an empty one as
  // "depends on nothing".
  std::unordered_map<std::string_view, const Dependency*> depsOf;
  depsOf.reserve(bom.dependencies.size());
  for (const auto& d : bom.dependencies) depsOf.emplace(d.ref, &d);
  w.key("dependencies");
  w.beginArray();
  std::unordered_set<std::string_view> written;
  for (const auto& c : bom.components) {
    if (c.bomRef.empty() || !written.insert(c.bomRef).second) continue;
    w.beginObject();
    w.field("ref", c.bomRef);
    w.key("dependsOn");
    w.beginArray();
    if (auto it = depsOf.find(c.bomRef); it != depsOf.end()) {
      std::unordered_set<std::string_view> seen;
      for (const auto& to : it->second->dependsOn)
        if (refs.contains(to) && seen.insert(to).second) w.string(to);
    }
    w.endArray();
    w.endObject();
  }
  w.endArray();
  w.endObject();
  w.finish();
}

}  // namespace tollgate::sbom
