const { readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const { createHash } = require('node:crypto');

const root = join(__dirname, '..');
const INPUTS = [
  'apps',
  'libs',
  'bench',
  'tsconfig.json',
  'tsconfig.build.json',
  'package-lock.json',
];

/** Hash of the path, size and mtime of every build input: cheap, and changes with any edit. */
function sourceFingerprint() {
  const hash = createHash('sha256');
  const walk = (p) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) walk(join(p, name));
    } else if (/\.(ts|json)$/.test(p) && !p.endsWith('.spec.ts')) {
      hash.update(`${relative(root, p)}:${st.size}:${st.mtimeMs}\n`);
    }
  };
  for (const input of INPUTS) walk(join(root, input));
  return hash.digest('hex');
}

module.exports = { sourceFingerprint };
