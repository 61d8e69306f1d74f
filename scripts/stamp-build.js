// Records which sources a build was made from, so `npm start` rebuilds only when stale.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { sourceFingerprint } = require('./source-fingerprint');
writeFileSync(join(__dirname, '..', 'dist', '.build-stamp'), sourceFingerprint());
