// `npm start` builds first when dist/ is missing or older than the sources.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { execSync } = require('node:child_process');
const { sourceFingerprint } = require('./source-fingerprint');

let stamp = '';
try {
  stamp = readFileSync(join(__dirname, '..', 'dist', '.build-stamp'), 'utf8');
} catch {
  // no build yet
}
if (stamp !== sourceFingerprint()) {
  process.stderr.write('switchyard: building (dist/ is missing or stale)…\n');
  execSync('npm run build --silent', { stdio: 'inherit', cwd: join(__dirname, '..') });
}
