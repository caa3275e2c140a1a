'use strict';

// The package as a user gets it: what `npm pack` puts into the tarball, that both module systems load the same
// classes, and that the type declarations describe the API (checked by tsc, with lines that must not compile).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const EXPECTED = [
  'README.md', 'package.json', 'index.mjs', 'index.d.ts', 'index.d.mts',
  'lib/backoff.js', 'lib/config.js', 'lib/connection.js', 'lib/context.js', 'lib/dispatcher.js',
  'lib/envelopes.js', 'lib/errors.js', 'lib/exorelay.js', 'lib/handled-ids.js', 'lib/index.js',
  'lib/pending-requests.js', 'lib/pending-sends.js', 'lib/reported.js', 'lib/sender.js',
  'testing/exocom-process.js', 'testing/index.d.mts', 'testing/index.d.ts', 'testing/index.js',
  'testing/index.mjs', 'testing/mock-exorelay.js',
].sort();

describe('the npm package', () => {
  let dir;
  let files;
  let unpacked;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exorelay-pack-'));
    const [packed] = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', dir], {
      cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    }));
    const tarball = path.join(dir, packed.filename);
    files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n')
      .map((entry) => entry.replace(/^package\//, '')).sort();
    unpacked = path.join(dir, 'unpacked');
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the tarball holds the library, its types, the test aids and the README, and nothing else', () => {
    assert.deepEqual(files, EXPECTED);
  });

  it('every entry point package.json names, and every relative import inside, is in the tarball', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(unpacked, 'package.json'), 'utf8'));
    const named = [manifest.main, manifest.types];
    const walk = (value) => {
      if (typeof value === 'string') named.push(value);
      else Object.values(value).forEach(walk);
    };
    walk(manifest.exports);
    named.forEach((entry) => assert.ok(fs.existsSync(path.join(unpacked, entry)), `${entry} is packed`));
    assert.deepEqual(Object.keys(manifest.dependencies), ['ws'], 'one runtime dependency, justified in the README');
    for (const file of files.filter((name) => /\.(js|mjs|d\.ts|d\.mts)$/.test(name))) {
      const text = fs.readFileSync(path.join(unpacked, file), 'utf8');
      for (const [, target] of text.matchAll(/(?:require\(|from |import )'(\.[^']+)'/g)) {
        const base = path.resolve(path.dirname(path.join(unpacked, file)), target);
        // In a declaration file, './index.js' names the declarations beside that module.
        const candidates = /\.d\.m?ts$/.test(file) ? [base.replace(/\.js$/, '.d.ts')]
          : [base, `${base}.js`, path.join(base, 'index.js')];
        assert.ok(candidates.some((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile()),
          `${file} imports ${target}, which is packed`);
      }
    }
  });

  it("require('exorelay') is the ExoRelay class, as the seed writes it; import gives the same classes", async () => {
    const ExoRelay = require('exorelay');
    assert.equal(typeof ExoRelay, 'function');
    assert.equal(new ExoRelay({ serviceName: 'web', env: {} }).serviceName, 'web');
    const esm = await import('exorelay');
    assert.equal(esm.default, ExoRelay);
    assert.equal(esm.ExoRelay, ExoRelay);
    assert.equal(esm.ExoComRejectedError, ExoRelay.ExoComRejectedError);
    const testing = await import('exorelay/testing');
    assert.equal(testing.MockExoRelay, require('exorelay/testing').MockExoRelay);
  });

  it('the type declarations compile against typed uses in both module systems, and refuse wrong ones', () => {
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types')], { cwd: root, encoding: 'utf8' });
    } catch (error) {
      assert.fail(`tsc found problems:\n${error.stdout}${error.stderr}`);
    }
  });
});
