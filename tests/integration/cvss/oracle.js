// node oracle.js NODE_MODULES < vectors: prints, per input line, the score the reference
// implementation (npm ae-cvss-calculator, {metaeffekt}'s implementation of the FIRST
// specifications) gives: v3.x base score, v4.0 overall score; "ERR" when it rejects the vector.
const path = require("path");
const lib = require(path.resolve(process.argv[2], "ae-cvss-calculator"));
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter((l) => l.length);
const out = [];
for (const v of lines) {
  try {
    let s;
    if (v.startsWith("CVSS:4.0/")) s = new lib.Cvss4P0(v).calculateScores().overall;
    else if (v.startsWith("CVSS:3.1/")) s = new lib.Cvss3P1(v).calculateScores().base;
    else if (v.startsWith("CVSS:3.0/")) s = new lib.Cvss3P0(v).calculateScores().base;
    else throw new Error("unsupported");
    out.push(Number(s).toFixed(1));
  } catch (e) {
    out.push("ERR");
  }
}
process.stdout.write(out.join("\n") + "\n");
