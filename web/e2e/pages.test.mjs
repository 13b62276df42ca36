// Browser checks of the listener pages, run by web/browser_test.go:
//   node pages.test.mjs SHOW_URL EPISODE_URL AUDIO_SECONDS CHAPTER_SECONDS SCREENSHOT_DIR
// Exits non-zero with a message on the first failed check.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const [showURL, episodeURL, audioSecondsArg, chapterSecondsArg, shotDir] = process.argv.slice(2);
if (!shotDir) {
  console.error('usage: node pages.test.mjs SHOW_URL EPISODE_URL AUDIO_SECONDS CHAPTER_SECONDS SCREENSHOT_DIR');
  process.exit(2);
}
const audioSeconds = Number(audioSecondsArg);
const chapterSeconds = Number(chapterSecondsArg);
const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js', { paths: [dirname(fileURLToPath(import.meta.url))] });

const failures = [];
function check(ok, msg) {
  if (!ok) failures.push(msg);
  console.log((ok ? 'ok   ' : 'FAIL ') + msg);
}

async function axe(page, label) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => await window.axe.run(document));
  for (const v of result.violations) {
    const nodes = v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary).join('\n    ');
    console.log(`axe ${label}: ${v.id} (${v.impact}) ${v.help}\n    ${nodes}`);
  }
  check(result.violations.length === 0, `axe: no violations on ${label} (${result.violations.length} found)`);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'lyssna-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required'],
  viewport: { width: 1280, height: 900 },
  bypassCSP: true, // axe-core is injected as an inline script
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => check(false, 'no script errors: ' + e.message));

  for (const [label, url] of [['show page', showURL], ['episode page', episodeURL]]) {
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 900 });
      const resp = await page.goto(url, { waitUntil: 'load' });
      check(resp.status() === 200, `${label} answers 200 (got ${resp.status()})`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 0, `${label} at ${width}px has no horizontal scrolling (overflow ${overflow}px)`);
      await page.screenshot({ path: join(shotDir, `${label.replace(' ', '-')}-${width}.png`), fullPage: true });
      await axe(page, `${label} at ${width}px`);
    }
  }

  // Episode page: the player, chapters, the transcript switcher.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(episodeURL, { waitUntil: 'load' });
  const duration = await page.evaluate(() => new Promise((resolve) => {
    const a = document.getElementById('player');
    if (a.readyState >= 1) return resolve(a.duration);
    a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true });
    a.addEventListener('error', () => resolve(-1), { once: true });
  }));
  check(Math.abs(duration - audioSeconds) <= 0.1, `audio duration ${duration} s is within 0.1 s of ${audioSeconds} s`);

  await page.click(`ol.chapters a[data-seek="${chapterSeconds}"]`);
  await page.waitForFunction((t) => document.getElementById('player').currentTime >= t - 0.05, chapterSeconds, { timeout: 5000 })
    .catch(() => {});
  const t = await page.evaluate(() => document.getElementById('player').currentTime);
  check(t >= chapterSeconds - 0.05 && t < audioSeconds, `clicking the chapter at ${chapterSeconds} s moves currentTime there (${t})`);
  check(page.url() === episodeURL, `the chapter link did not navigate away (${page.url()})`);

  const before = await page.getAttribute('#transcript', 'lang');
  const other = await page.$('#transcript nav a:not([aria-current])');
  const otherLang = await other.getAttribute('hreflang');
  await other.click();
  await page.waitForFunction((l) => document.getElementById('transcript').lang === l, otherLang, { timeout: 5000 }).catch(() => {});
  const after = await page.getAttribute('#transcript', 'lang');
  check(before !== otherLang && after === otherLang, `transcript switches from ${before} to ${otherLang} (now ${after})`);
  const stillPlaying = await page.evaluate(() => document.getElementById('player').currentTime);
  check(stillPlaying >= chapterSeconds - 0.05, 'switching the transcript in place keeps the player position');
  check(page.url().includes('transcript=' + otherLang), `the address says which transcript is shown (${page.url()})`);
  await axe(page, 'episode page after switching the transcript');
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`\n${failures.length} check(s) failed:\n- ` + failures.join('\n- '));
  process.exit(1);
}
console.log('all browser checks passed');
