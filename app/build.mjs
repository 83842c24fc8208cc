// Builds the app into target/app (or the folder given as the first argument): esbuild bundles
// src/main.ts into app.js and src/sw.ts into sw.js, minifies src/app.css, and copies static/.
// The type check (tsc --strict, against the client generated from openapi/openapi.json) is
// `cargo xtask app`'s step before this one.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const target = resolve(process.argv[2] ?? join(here, '../target/app'));
// Built into a fresh folder first, then copied over only where a file changed: the host
// re-embeds the app (and recompiles) when a file in target/app changes, so an unchanged app must
// leave target/app untouched.
const out = `${target}.new`;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(here, 'static'), out, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  target: ['es2022', 'chrome111', 'safari16.4', 'firefox115'],
  tsconfig: join(here, 'tsconfig.json'),
  legalComments: 'none',
  logLevel: 'warning',
};
await esbuild.build({ ...common, entryPoints: [join(here, 'src/main.ts')], outfile: join(out, 'app.js'), format: 'esm' });
await esbuild.build({ ...common, entryPoints: [join(here, 'src/app.css')], outfile: join(out, 'app.css') });

// The service worker caches exactly the shell that was just built, under a name that changes
// with its content, so a new build replaces the old cache.
const shell = readdirSync(out).sort();
const hash = createHash('sha256');
for (const file of shell) hash.update(file).update(readFileSync(join(out, file)));
await esbuild.build({
  ...common,
  entryPoints: [join(here, 'src/sw.ts')],
  outfile: join(out, 'sw.js'),
  format: 'iife',
  define: {
    SHELL_VERSION: JSON.stringify(hash.digest('hex').slice(0, 12)),
    SHELL_FILES: JSON.stringify(['./', ...shell.filter((f) => f !== 'index.html')]),
  },
});
mkdirSync(target, { recursive: true });
const built = readdirSync(out).sort();
const changed = [];
for (const file of built) {
  const fresh = readFileSync(join(out, file));
  if (!existsSync(join(target, file)) || !fresh.equals(readFileSync(join(target, file)))) {
    writeFileSync(join(target, file), fresh);
    changed.push(file);
  }
}
for (const file of readdirSync(target)) {
  if (!built.includes(file)) {
    rmSync(join(target, file), { recursive: true, force: true });
    changed.push(`-${file}`);
  }
}
rmSync(out, { recursive: true, force: true });
console.log(`    built the app into ${target}: ${built.join(', ')} (${changed.length ? `changed: ${changed.join(', ')}` : 'unchanged'})`);
