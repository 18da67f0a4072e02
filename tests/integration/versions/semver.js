// npm `semver` reference of the differential test: reads "A<TAB>B" lines from the file named by
// argv[3] and prints semver.compare(A, B) (strict parsing, as npm installs), or "error" when
// either side is not a valid SemVer for npm. argv[2] is the node_modules directory holding semver.
'use strict';
const path = require('path');
const fs = require('fs');
const semver = require(path.join(process.argv[2], 'semver'));
const out = [];
for (const line of fs.readFileSync(process.argv[3], 'utf8').split('\n')) {
  if (line === '') continue;
  const [a, b] = line.split('\t');
  if (semver.valid(a) === null || semver.valid(b) === null) {
    out.push('error');
  } else {
    out.push(String(semver.compare(a, b)));
  }
}
process.stdout.write(out.join('\n') + '\n');
