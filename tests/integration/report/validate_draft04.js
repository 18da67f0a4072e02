// node validate_draft04.js NODE_MODULES SCHEMA FILE...: validates JSON files against a JSON Schema
// draft-04 document (SARIF 2.1.0's schema is draft-04, which ajv-cli does not run) with ajv's
// draft-04 build (npm ajv-draft-04) and ajv-formats. Prints "FILE valid" or "FILE invalid: ERRORS"
// per file; exits 1 when any is invalid.
const path = require("path");
const fs = require("fs");
const [modules, schemaPath, ...files] = process.argv.slice(2);
const Ajv = require(path.resolve(modules, "ajv-draft-04"));
const addFormats = require(path.resolve(modules, "ajv-formats"));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, "utf8")));
let bad = 0;
for (const f of files) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(f, "utf8"));
  } catch (e) {
    console.log(`${f} invalid: not JSON: ${e.message}`);
    bad++;
    continue;
  }
  if (validate(doc)) {
    console.log(`${f} valid`);
  } else {
    bad++;
    console.log(`${f} invalid: ${ajv.errorsText(validate.errors, { separator: "; " })}`);
  }
}
process.exit(bad ? 1 : 0);
