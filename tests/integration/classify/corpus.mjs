// Generates the labelled classify corpus with @faker-js/faker: personal data and secrets embedded
// in JSON, form bodies, CSV, log lines and prose, in several encodings, with the byte span of every
// embedded value (or of the encoded segment that holds it) written to labels.json.
//
//   node corpus.mjs NPM_DIR OUT_DIR [SEED] [DOCS]
//
// The labels follow the documented detector definitions (docs/DETECTION.md): values that need a
// context word are always written next to one (a JSON key, a form field, a phrase), and addresses
// in the special-purpose IPv4/IPv6 ranges are embedded unlabelled, as negatives.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

const [npmDir, outDir, seedArg, docsArg] = process.argv.slice(2);
const seed = Number(seedArg ?? 20240601);
const docs = Number(docsArg ?? 400);
const fk = await import(
  pathToFileURL(path.join(npmDir, 'node_modules/@faker-js/faker/dist/index.js')).href);
const locales = {
  us: fk.fakerEN_US, gb: fk.fakerEN_GB, de: fk.fakerDE, fr: fk.fakerFR, in: fk.fakerEN_IN,
};
for (const [i, f] of Object.values(locales).entries()) f.seed(seed + i);
const f = locales.us;
const pick = (a) => f.helpers.arrayElement(a);
const chance = (p) => f.number.float({ min: 0, max: 1 }) < p;
const int = (min, max) => f.number.int({ min, max });

// ------------------------------------------------------------------------- value generators
// Real keys, made once (key generation is slow) and reused.
const keys = [];
{
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
  keys.push(rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }));
  keys.push(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  keys.push(rsa.privateKey.export({
    type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'corpus' }));
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  keys.push(ec.privateKey.export({ type: 'sec1', format: 'pem' }));
  try {
    const tmp = fs.mkdtempSync(path.join(outDir, 'key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(tmp, 'k')]);
    keys.push(fs.readFileSync(path.join(tmp, 'k'), 'utf8'));
    fs.rmSync(tmp, { recursive: true });
  } catch { /* no ssh-keygen: PEM keys only */ }
}

const b32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const chars = (alphabet, n) => Array.from({ length: n }, () => pick([...alphabet])).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const pad = (n, w) => String(n).padStart(w, '0');

function ssn() {
  let area;
  do area = int(1, 899); while (area === 666);
  return `${pad(area, 3)}-${pad(int(1, 99), 2)}-${pad(int(1, 9999), 4)}`;
}
function nino() {
  const first = 'ABCEGHJKLMNOPRSTWXYZ';
  const second = 'ABCEGHJKLMNPRSTWXYZ';
  let p;
  do p = pick([...first]) + pick([...second]);
  while (['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(p));
  const d = chars('0123456789', 6);
  const s = pick(['A', 'B', 'C', 'D']);
  return chance(0.5) ? `${p}${d}${s}` : `${p} ${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4)} ${s}`;
}
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];
function dob() {
  const d = f.date.birthdate();
  const y = d.getUTCFullYear(), m = d.getUTCMonth() + 1, day = d.getUTCDate();
  return pick([
    `${y}-${pad(m, 2)}-${pad(day, 2)}`, `${pad(day, 2)}/${pad(m, 2)}/${y}`,
    `${pad(m, 2)}/${pad(day, 2)}/${y}`, `${pad(day, 2)}.${pad(m, 2)}.${y}`,
    `${MONTHS[m - 1]} ${day}, ${y}`, `${day} ${MONTHS[m - 1]} ${y}`,
  ]);
}
// RFC 6890 special-purpose IPv4 blocks are not about a person: embedded as negatives.
function ipv4Special(ip) {
  const [a, b, c] = ip.split('.').map(Number);
  return a === 0 || a === 127 || a >= 224 || (a === 192 && b === 0 && c === 2) ||
    (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113);
}
function card() {
  const v = f.finance.creditCardNumber(pick(['visa', 'mastercard', 'amex', 'discover', 'jcb',
    'diners_club']));
  const digits = v.replace(/\D/g, '');
  const groups = v.split('-');
  switch (int(0, 2)) {
    case 0: return digits;
    case 1: return groups.join(' ');
    default: return groups.join('-');
  }
}
function phone() {
  const loc = pick(Object.keys(locales));
  const style = pick(['human', 'national', 'international']);
  return locales[loc].phone.number({ style });
}
function osBuild() {
  return pick([
    `Microsoft Windows [Version 10.0.${pick([19044, 19045, 22621, 22631])}.${int(100, 4500)}]`,
    `Windows 10 Pro build ${pick([19044, 19045])}`,
    `Windows 11 Enterprise (OS Build ${pick([22621, 22631])}.${int(100, 3000)})`,
    `Linux version ${int(4, 6)}.${int(0, 19)}.${int(0, 200)}-${int(1, 30)}-amd64 ` +
      `(debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0)`,
    `Darwin Kernel Version ${int(19, 23)}.${int(0, 6)}.${int(0, 3)}`,
  ]);
}
// A process listing as an implant would send it (tasklist or ps names), from its own list.
const PROCS = ['System', 'smss.exe', 'csrss.exe', 'wininit.exe', 'services.exe', 'lsass.exe',
  'svchost.exe', 'winlogon.exe', 'explorer.exe', 'dwm.exe', 'spoolsv.exe', 'taskhostw.exe',
  'RuntimeBroker.exe', 'SearchIndexer.exe', 'MsMpEng.exe', 'chrome.exe', 'OneDrive.exe',
  'Teams.exe', 'OUTLOOK.EXE', 'conhost.exe', 'ctfmon.exe', 'sihost.exe', 'audiodg.exe',
  'vmtoolsd.exe', 'notepad.exe'];
const LINUX_PROCS = ['systemd', 'kthreadd', 'rcu_gp', 'systemd-journald', 'systemd-udevd',
  'cron', 'dbus-daemon', 'rsyslogd', 'sshd', 'agetty', 'systemd-logind', 'polkitd', 'bash',
  'NetworkManager', 'containerd', 'dockerd'];
function processes() {
  const list = chance(0.6) ? PROCS : LINUX_PROCS;
  const n = int(6, 14);
  return f.helpers.arrayElements(list, n).join(pick([',', ', ', ';', ' ']));
}

// Each generator: detector id, value, keys that name it in structured formats (context), and a
// prose template. `csv: false` marks values that need a nearby context word by definition.
const GEN = {
  email: { v: () => pick([f.internet.email(), locales.de.internet.email(),
    locales.fr.internet.email(), f.internet.email({ provider: 'mail.example-corp.co.uk' })]),
    keys: ['email', 'mail', 'contact', 'from', 'reply_to', 'owner'],
    prose: (x) => `You can write to ${x} at any time.` },
  phone: { v: phone, keys: ['phone', 'mobile', 'tel', 'contact_number', 'phoneNumber', 'fax'],
    prose: (x) => `Call me on ${x} tomorrow.` },
  credit_card: { v: card, keys: ['card', 'cc_number', 'pan', 'card_number', 'payment'],
    prose: (x) => `Charge it to my card ${x} please.` },
  iban: { v: () => f.finance.iban({ formatted: chance(0.4) }), keys: ['iban', 'account'],
    prose: (x) => `Transfer the deposit to ${x} by Friday.` },
  us_ssn: { v: ssn, keys: ['ssn', 'social_security', 'taxpayer_id'],
    prose: (x) => `My social security number is ${x}.` },
  uk_nino: { v: nino, keys: ['nino', 'ni_number', 'national_insurance'],
    prose: (x) => `National Insurance number ${x} is on the payslip.` },
  date_of_birth: { v: dob, keys: ['dob', 'date_of_birth', 'birthDate', 'birthday'], csv: false,
    prose: (x) => `${pick(['She was born on', 'Date of birth:', 'DOB', 'He was born'])} ${x}.` },
  ipv4: { v: () => f.internet.ipv4(), keys: ['ip', 'client_ip', 'remote_addr', 'src'],
    prose: (x) => `The login came from ${x} last night.`, special: ipv4Special },
  ipv6: { v: () => f.internet.ipv6(), keys: ['ip6', 'client_ip', 'remote_addr'],
    prose: (x) => `The request came from ${x} over IPv6.` },
  // Faker's UK postcodes are sometimes not of the Royal Mail shape ("L05 44I"): only real shapes.
  postal_code: { v: () => {
    for (;;) {
      const z = pick([f.location.zipCode(), locales.gb.location.zipCode()]);
      if (/^\d{5}(-\d{4})?$/.test(z) || /^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/.test(z)) return z;
    }
  },
    keys: ['zip', 'postcode', 'postal_code', 'zipCode'], csv: false,
    prose: (x) => `Postal code ${x}, second floor.` },
  private_key: { v: () => pick(keys), keys: ['private_key', 'key', 'ssh_key'], csv: false,
    prose: (x) => `Here is the deploy key:\n${x}\nKeep it safe.` },
  jwt: { v: () => f.internet.jwt(), keys: ['token', 'id_token', 'jwt', 'session'],
    prose: (x) => `Use the session token ${x} for the next call.` },
  aws_access_key: { v: () => pick(['AKIA', 'ASIA']) + chars(b32, 16),
    keys: ['aws_access_key_id', 'AccessKeyId', 'access_key'],
    prose: (x) => `The access key id is ${x} for the backup job.` },
  aws_secret_key: { v: () => chars(ALNUM + '/+', 40), keys: ['aws_secret_access_key'],
    label: (k) => k, csv: false,
    prose: (x) => `aws_secret_access_key = ${x}` },
  github_token: { v: () => pick(['ghp_', 'gho_', 'ghs_']) + chars(ALNUM, 36),
    keys: ['github_token', 'GH_TOKEN'], prose: (x) => `export GH_TOKEN=${x}` },
  gitlab_token: { v: () => 'glpat-' + chars(ALNUM + '_-', 20), keys: ['gitlab_token'],
    prose: (x) => `The CI uses ${x} to push.` },
  slack_token: { v: () => `xoxb-${chars('0123456789', 12)}-${chars('0123456789', 13)}-` +
    chars(ALNUM, 24), keys: ['slack_token', 'bot_token'],
    prose: (x) => `Bot token: ${x}` },
  stripe_key: { v: () => pick(['sk_live_', 'rk_live_', 'sk_test_']) + chars(ALNUM, int(24, 34)),
    keys: ['stripe_key', 'stripe_secret'], prose: (x) => `Stripe secret ${x} was rotated.` },
  google_api_key: { v: () => 'AIza' + chars(ALNUM + '_-', 35), keys: ['google_api_key', 'key'],
    prose: (x) => `Maps key ${x} is restricted.` },
  url_password: { v: () => `${pick(['https', 'postgres', 'mysql', 'redis', 'ftp', 'amqp'])}://` +
    `${encodeURIComponent(f.internet.username())}:${f.internet.password({ length: int(10, 20) })}@` +
    `${f.internet.domainName()}`, keys: ['url', 'database_url', 'dsn', 'endpoint'],
    prose: (x) => `Connect with ${x} from the app server.` },
  basic_auth: { v: () => 'Authorization: Basic ' + Buffer.from(`${f.internet.username()}:` +
    f.internet.password({ length: int(8, 16) })).toString('base64'), headerOnly: true },
  generic_secret: { v: () => chars(ALNUM, int(24, 40)),
    keys: ['api_key', 'client_secret', 'access_token', 'secret', 'apiKey'], csv: false,
    keyed: true, prose: (x) => `api_key=${x}` },
  username: { v: () => f.internet.username(), keys: ['username', 'user', 'login'], csv: false,
    keyed: true, prose: (x) => `username: ${x}` },
  hostname: { v: () => pick([`DESKTOP-${chars(ALNUM.slice(0, 36), 7)}`,
    `${f.internet.domainWord()}-pc`, `${f.person.firstName().toLowerCase()}-laptop.corp.local`]),
    keys: ['hostname', 'computer_name', 'host_name'], csv: false, keyed: true,
    prose: (x) => `hostname=${x}` },
  // /proc/version names the builder's e-mail address: labelled as the e-mail it is.
  os_build: { v: osBuild, keys: ['os', 'os_version', 'system'],
    also: (v) => (v.match(/[\w.-]+@[\w.-]+\.\w+/) ?? []).map((m) => ['email', m]),
    prose: (x) => `System: ${x}` },
  process_list: { v: processes, keys: ['processes', 'procs', 'running'], csv: false,
    prose: (x) => `Running processes: ${x}` },
};
const DETECTORS = Object.keys(GEN);

// zstd: node's zlib has it from v22.15 on; the zstd tool otherwise.
const zstdTool = (() => {
  try { execFileSync('zstd', ['--version']); return true; } catch { return false; }
})();
const haveZstd = Boolean(zlib.zstdCompressSync) || zstdTool;
const zstd = (b) => (zlib.zstdCompressSync ? zlib.zstdCompressSync(b)
  : execFileSync('zstd', ['-q', '-c'], { input: b }));

// ------------------------------------------------------------------------- documents
const buf = (s) => (Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8'));
class Doc {
  constructor() { this.parts = []; this.len = 0; this.labels = []; }
  text(s) { const b = buf(s); this.parts.push(b); this.len += b.length; return this; }
  // Appends `s`; labels each [detector, substring] at its byte span inside s.
  value(s, items) {
    const b = buf(s);
    for (const [det, sub] of items) {
      const sb = buf(sub);
      const i = b.indexOf(sb);
      if (i < 0) throw new Error(`label ${det} not found`);
      this.labels.push({ detector: det, start: this.len + i, end: this.len + i + sb.length });
    }
    return this.text(b);
  }
  // Appends an encoded segment holding `items`: every label spans the whole segment.
  segment(s, items) {
    const b = buf(s);
    for (const [det] of items) this.labels.push({ detector: det, start: this.len, end: this.len + b.length });
    return this.text(b);
  }
  get bytes() { return Buffer.concat(this.parts); }
}

// A record: some detector values plus ordinary fields (ids, timestamps, prices, versions, URLs,
// UUIDs, user agents) that must not match.
function record(format) {
  const n = int(1, 4);
  const fields = [];
  for (const det of f.helpers.arrayElements(DETECTORS, n)) {
    const g = GEN[det];
    if (g.headerOnly && format !== 'log') continue;
    if (format === 'csv' && g.csv === false) continue;
    let value = g.v();
    let labelled = true;
    if (g.special && g.special(value)) labelled = false;
    fields.push({ det, key: pick(g.keys ?? ['header']), value, labelled });
  }
  const filler = [
    ['id', f.string.uuid()], ['created_at', f.date.recent().toISOString()],
    ['name', f.person.fullName()], ['company', f.company.name()],
    ['price', f.commerce.price()], ['version', f.system.semver()],
    ['sku', String(f.number.int({ min: 100000, max: 99999999 }))],
    ['homepage', f.internet.url()], ['ua', f.internet.userAgent()],
    ['commit', f.git.commitSha()], ['lat', String(f.location.latitude())],
    ['order', f.string.numeric(int(6, 11))], ['amount', f.finance.amount()],
    ['color', f.color.rgb()], ['city', f.location.city()],
  ];
  for (const fl of f.helpers.arrayElements(filler, int(2, 5)))
    fields.splice(int(0, fields.length), 0, { det: null, key: fl[0], value: fl[1] });
  return fields;
}
const also = (fl) => (GEN[fl.det]?.also ? GEN[fl.det].also(fl.value) : []);
const items = (fields) => fields.filter((x) => x.det && x.labelled)
  .flatMap((x) => [[x.det, x.value], ...also(x)]);

function jsonRecord(doc, fields, escape) {
  doc.text('{');
  fields.forEach((fl, i) => {
    const esc = (v) => {
      const q = JSON.stringify(v).slice(1, -1);
      return escape ? q.replace(/@/g, '\\u0040').replace(/\//g, '\\/') : q;
    };
    const inner = esc(fl.value);
    doc.text(`${i ? ', ' : ''}"${fl.key}": "`);
    if (fl.det && fl.labelled) doc.value(inner, [[fl.det, inner], ...also(fl).map(([d, v]) => [d, esc(v)])]);
    else doc.text(inner);
    doc.text('"');
  });
  doc.text('}\n');
}
function jsonString(fields) {
  return JSON.stringify(Object.fromEntries(fields.map((x) => [x.key, x.value])));
}
function formRecord(doc, fields) {
  fields.forEach((fl, i) => {
    const enc = encodeURIComponent(fl.value).replace(/%20/g, '+');
    doc.text(`${i ? '&' : ''}${fl.key}=`);
    if (fl.det && fl.labelled) {
      doc.value(enc, [[fl.det, enc], ...also(fl).map(([d, v]) => [d, encodeURIComponent(v)])]);
    } else {
      doc.text(enc);
    }
  });
  doc.text('\n');
}
function logRecord(doc, fields) {
  doc.text(`${f.date.recent().toISOString()} ${pick(['INFO', 'WARN', 'DEBUG'])} ` +
    `${pick(['api', 'auth', 'billing', 'sync'])}: ${f.hacker.phrase().replace(/\n/g, ' ')}`);
  for (const fl of fields) {
    if (fl.det === 'basic_auth') {
      doc.text(' | ');
      doc.value(fl.value, [[fl.det, fl.value]]);
      continue;
    }
    const v = /[\s"]/.test(fl.value) ? JSON.stringify(fl.value) : fl.value;
    doc.text(` ${fl.key}=`);
    const inner = v.startsWith('"') ? v.slice(1, -1) : v;
    if (v.startsWith('"')) doc.text('"');
    if (fl.det && fl.labelled) doc.value(inner, [[fl.det, inner], ...also(fl)]); else doc.text(inner);
    if (v.startsWith('"')) doc.text('"');
  }
  doc.text('\n');
}
function proseRecord(doc, fields) {
  for (const fl of fields) {
    doc.text(f.lorem.sentence() + ' ');
    if (!fl.det) { doc.text(`The ${fl.key} is ${fl.value}. `); continue; }
    const g = GEN[fl.det];
    const sentence = g.prose ? g.prose(fl.value) : fl.value;
    if (fl.labelled) doc.value(sentence, [[fl.det, fl.value], ...also(fl)]); else doc.text(sentence);
    doc.text(' ');
  }
  doc.text(f.lorem.paragraph() + '\n\n');
}
function csvDoc(doc, recs) {
  const cols = [...new Set(recs.flatMap((r) => r.map((x) => x.key)))];
  doc.text(cols.join(',') + '\n');
  for (const r of recs) {
    cols.forEach((c, i) => {
      if (i) doc.text(',');
      const fl = r.find((x) => x.key === c);
      if (!fl) return;
      const v = /[",\n]/.test(fl.value) ? `"${fl.value.replace(/"/g, '""')}"` : fl.value;
      if (fl.det && fl.labelled) doc.value(v, [[fl.det, fl.value.replace(/"/g, '""')], ...also(fl)]);
      else doc.text(v);
    });
    doc.text('\n');
  }
}

// Encodings of a whole record inside a structured document: the value is in an encoded segment.
function encodedRecord(doc, fields, how) {
  const raw = jsonString(fields);
  let enc;
  if (how === 'base64') enc = Buffer.from(raw).toString('base64');
  else if (how === 'base64url') enc = Buffer.from(raw).toString('base64url');
  else if (how === 'base64>gzip') enc = zlib.gzipSync(raw).toString('base64');
  else if (how === 'base64>zstd' && haveZstd) enc = zstd(Buffer.from(raw)).toString('base64');
  else enc = zlib.deflateSync(raw).toString('base64');
  doc.text(`{"event": "${pick(['sync', 'telemetry', 'upload'])}", "data": "`);
  doc.segment(enc, items(fields));
  doc.text('"}\n');
}

function multipartDoc(doc, recs, boundary) {
  for (const [i, r] of recs.entries()) {
    doc.text(`--${boundary}\r\n`);
    if (i % 3 === 1) {
      doc.text(`Content-Disposition: form-data; name="blob${i}"; filename="r${i}.json.gz"\r\n` +
        'Content-Type: application/gzip\r\n\r\n');
      // Binary gzip inside the text: label the part body.
      doc.segment(zlib.gzipSync(jsonString(r)), items(r));
      doc.text('\r\n');
    } else if (i % 3 === 2) {
      doc.text(`Content-Disposition: form-data; name="f${i}"\r\nContent-Transfer-Encoding: base64\r\n\r\n`);
      doc.segment(Buffer.from(jsonString(r)).toString('base64').replace(/.{76}/g, '$&\r\n'), items(r));
      doc.text('\r\n');
    } else {
      doc.text(`Content-Disposition: form-data; name="f${i}"\r\n\r\n`);
      jsonRecord(doc, r, false);
    }
  }
  doc.text(`--${boundary}--\r\n`);
}

const out = [];
fs.mkdirSync(path.join(outDir, 'docs'), { recursive: true });
for (let d = 0; d < docs; d++) {
  const format = pick(['json', 'json', 'form', 'csv', 'log', 'log', 'prose', 'prose']);
  const nrec = int(3, 10);
  const recs = Array.from({ length: nrec }, () => record(format));
  const doc = new Doc();
  let wrap = pick(['plain', 'plain', 'plain', 'plain', 'gzip', 'base64', 'brotli', 'zstd',
    'json-escape', 'field', 'multipart']);
  if (wrap === 'json-escape' && format !== 'json') wrap = 'plain';
  if (wrap === 'field' && format !== 'json' && format !== 'log') wrap = 'plain';
  if (wrap === 'multipart') {
    multipartDoc(doc, recs, `----form${f.string.alphanumeric(16)}`);
  } else if (format === 'json') {
    for (const r of recs) {
      if (wrap === 'field' && chance(0.6)) encodedRecord(doc, r, pick(['base64', 'base64url', 'base64>gzip', 'base64>zstd', 'deflate']));
      else jsonRecord(doc, r, wrap === 'json-escape');
    }
  } else if (format === 'form') {
    for (const r of recs) formRecord(doc, r);
  } else if (format === 'csv') {
    csvDoc(doc, recs);
  } else if (format === 'log') {
    for (const r of recs) {
      if (wrap === 'field' && chance(0.5)) encodedRecord(doc, r, pick(['base64', 'base64>gzip']));
      else logRecord(doc, r);
    }
  } else {
    for (const r of recs) proseRecord(doc, r);
  }
  // Whole-document encodings: every label spans the whole file.
  let bytes = doc.bytes;
  let labels = doc.labels;
  let file = `d${pad(d, 4)}.${format}`;
  const whole = (b) => { labels = labels.map((l) => ({ ...l, start: 0, end: b.length })); return b; };
  if (wrap === 'gzip') { bytes = whole(zlib.gzipSync(bytes)); file += '.gz'; }
  if (wrap === 'zstd' && haveZstd) { bytes = whole(zstd(bytes)); file += '.zst'; }
  if (wrap === 'brotli') { bytes = whole(zlib.brotliCompressSync(bytes)); file += '.br'; }
  if (wrap === 'base64') { bytes = whole(Buffer.from(bytes.toString('base64'))); file += '.b64'; }
  fs.writeFileSync(path.join(outDir, 'docs', file), bytes);
  out.push({ file, format, wrap, labels });
}
fs.writeFileSync(path.join(outDir, 'labels.json'), JSON.stringify({ seed, docs: out }));
console.log(`corpus: ${out.length} documents, ${out.reduce((n, d) => n + d.labels.length, 0)} labels`);
