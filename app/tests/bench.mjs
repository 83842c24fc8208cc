// `cargo xtask bench app`: the app's weight (its files gzipped) and its first load's time to
// interactive in Chromium's own timing, against the real binary on 127.0.0.1.
// Environment: BANTZ_BIN (the host), BANTZ_APP_DIR (target/app), CHROMIUM; LOADS (default 20).
// Prints a Markdown table between `<<<app` and `app>>>`.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`bench.mjs needs ${name}`);
  return value;
};
const appDir = need('BANTZ_APP_DIR');
const loads = Number(process.env.LOADS ?? 20);
const token = 'bench-token-0123456789';

// Size: every file of the app, gzipped at level 9 as a server would send it.
const sizes = readdirSync(appDir)
  .sort()
  .map((file) => {
    const raw = readFileSync(join(appDir, file));
    return { file, raw: raw.length, gz: gzipSync(raw, { level: 9 }).length };
  });
const js = sizes.filter((s) => s.file.endsWith('.js'));
const jsGz = js.reduce((sum, s) => sum + s.gz, 0);

// The host, with an empty skills folder and a data dir of its own.
const dir = mkdtempSync(join(tmpdir(), 'bantz-app-bench-'));
mkdirSync(join(dir, 'skills'));
writeFileSync(join(dir, 'bantz.toml'), '');
const host = spawn(
  need('BANTZ_BIN'),
  ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', join(dir, 'data'), '--skills-dir', join(dir, 'skills'), '--config', join(dir, 'bantz.toml')],
  { env: { ...process.env, BANTZ_API_TOKEN: token, HOME: dir }, stdio: ['ignore', 'pipe', 'ignore'] },
);
const base = await new Promise((resolve, reject) => {
  const lines = createInterface({ input: host.stdout });
  lines.on('line', (line) => {
    if (line.startsWith('bantz listening on ')) resolve(line.slice('bantz listening on '.length).split(/\s/)[0]);
  });
  host.on('exit', (code) => reject(new Error(`bantz exited (${code}) before listening`)));
});

const browser = await chromium.launch({
  executablePath: need('CHROMIUM'),
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const samples = { domInteractive: [], appInteractive: [], fcp: [] };
try {
  for (let i = 0; i < loads + 1; i++) {
    // A fresh context: empty HTTP cache, no service worker, signed in as the owner.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: 'block' });
    await context.addInitScript((t) => {
      localStorage.setItem('bantz.token', t);
      localStorage.setItem('bantz.kind', 'master');
    }, token);
    const page = await context.newPage();
    await page.goto(`${base}/app/`);
    await page.locator('#message').waitFor();
    await page.waitForFunction(() => performance.getEntriesByName('bantz:interactive').length > 0);
    const timing = await page.evaluate(() => ({
      domInteractive: performance.getEntriesByType('navigation')[0].domInteractive,
      appInteractive: performance.getEntriesByName('bantz:interactive')[0].startTime,
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    }));
    await context.close();
    // The first load warms the host and the browser process; it is not counted.
    if (i === 0) continue;
    for (const key of Object.keys(samples)) samples[key].push(timing[key]);
  }
} finally {
  await browser.close();
  host.kill();
  rmSync(dir, { recursive: true, force: true });
}

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const ms = (v) => `${v.toFixed(0)} ms`;
const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
const rows = [
  '| file | size | gzipped |',
  '|---|---:|---:|',
  ...sizes.map((s) => `| \`${s.file}\` | ${kib(s.raw)} | ${kib(s.gz)} |`),
  '',
  `JavaScript gzipped: **${kib(jsGz)}** (${js.map((s) => s.file).join(' + ')}; target ≤ 80 KB: ${jsGz <= 80_000 ? 'met' : 'missed'}).`,
  '',
  `| first load, ${loads} runs | p50 | p90 | max |`,
  '|---|---:|---:|---:|',
  ...[
    ['`domInteractive` (navigation entry)', samples.domInteractive],
    ['first contentful paint', samples.fcp],
    ['app interactive (chat box usable)', samples.appInteractive],
  ].map(([name, v]) => `| ${name} | ${ms(pct(v, 50))} | ${ms(pct(v, 90))} | ${ms(Math.max(...v))} |`),
  '',
  `Target: under 300 ms to interactive: ${pct(samples.appInteractive, 90) < 300 ? 'met (p90)' : pct(samples.appInteractive, 50) < 300 ? 'met at p50, missed at p90' : 'missed'}.`,
];
console.log(`<<<app\n${rows.join('\n')}\napp>>>`);
