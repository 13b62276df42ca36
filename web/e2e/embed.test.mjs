// Browser checks of the embed player inside an <iframe> on a page of
// another origin, run by web/browser_test.go:
//   node embed.test.mjs HOST_URL LYSSNA_BASE CHAPTER_SECONDS SCREENSHOT_DIR
// The page at HOST_URL (another origin) frames the embed (#embed) and an
// episode page (#framed), which must stay blank: only embeds may be framed.
// CSP is not bypassed here: frame-ancestors is what is tested; axe-core is
// evaluated through the DevTools protocol, which CSP does not govern.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const [hostURL, base, chapterSecondsArg, shotDir] = process.argv.slice(2);
if (!shotDir) {
  console.error('usage: node embed.test.mjs HOST_URL LYSSNA_BASE CHAPTER_SECONDS SCREENSHOT_DIR');
  process.exit(2);
}
const chapterSeconds = Number(chapterSecondsArg);
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js', { paths: [dirname(fileURLToPath(import.meta.url))] }), 'utf8');

const failures = [];
function check(ok, msg) {
  if (!ok) failures.push(msg);
  console.log((ok ? 'ok   ' : 'FAIL ') + msg);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'lyssna-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required'],
  viewport: { width: 1280, height: 900 },
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => check(false, 'no script errors: ' + e.message));
  check(new URL(hostURL).origin !== new URL(base).origin, `the host page (${new URL(hostURL).origin}) is another origin than Lyssna (${new URL(base).origin})`);
  await page.goto(hostURL, { waitUntil: 'load' });
  await page.waitForTimeout(500);
  const frame = page.frames().find((f) => f.url().endsWith('/embed'));
  check(!!frame, 'the embed loaded in its iframe');
  if (!frame) throw new Error('no embed frame');
  await frame.waitForSelector('#player');

  const framed = page.frames().find((f) => f.url().startsWith(base) && !f.url().endsWith('/embed'));
  const framedText = framed ? await framed.evaluate(() => document.body ? document.body.innerText : '').catch(() => '') : '';
  check(!framedText.includes('Spaced repetition'), 'an episode page is not shown inside a frame (frame-ancestors none)');

  const duration = await frame.evaluate(() => new Promise((resolve) => {
    const a = document.getElementById('player');
    if (a.readyState >= 1) return resolve(a.duration);
    a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true });
    a.addEventListener('error', () => resolve(-1), { once: true });
  }));
  check(duration > 1, `the embedded audio loads (duration ${duration} s)`);

  // Captions: the VTT transcript as a <track>, its cues loaded.
  const cues = await frame.evaluate(() => new Promise((resolve) => {
    const el = document.querySelector('track');
    if (!el) return resolve(-1);
    const tt = el.track;
    tt.mode = 'showing';
    const done = () => resolve(tt.cues ? tt.cues.length : 0);
    if (el.readyState === 2) return done();
    el.addEventListener('load', done, { once: true });
    el.addEventListener('error', () => resolve(-2), { once: true });
    setTimeout(done, 3000);
  }));
  check(cues > 0, `the captions track loads its cues (${cues})`);

  // Play/pause, ±15 s, speed, by keyboard and pointer.
  const toggle = frame.locator('button[data-act="toggle"]');
  await toggle.focus();
  await page.keyboard.press('Enter');
  await frame.waitForFunction(() => !document.getElementById('player').paused, null, { timeout: 5000 }).catch(() => {});
  check(await frame.evaluate(() => !document.getElementById('player').paused), 'Enter on the Play button plays');
  check((await toggle.getAttribute('aria-label')) === 'Pause', 'the button then reads Pause');
  await toggle.click();
  check(await frame.evaluate(() => document.getElementById('player').paused), 'clicking Pause pauses');
  await frame.selectOption('select[data-act="speed"]', '1.5');
  check(await frame.evaluate(() => document.getElementById('player').playbackRate) === 1.5, 'the speed select sets 1.5×');
  await frame.evaluate(() => { document.getElementById('player').currentTime = 0; });
  await frame.click('button[data-act="fwd"]');
  const fwd = await frame.evaluate(() => document.getElementById('player').currentTime);
  check(fwd > 0, `+15 s moves forward (to ${fwd}, the end of a short file)`);
  await frame.click('button[data-act="back"]');
  check(await frame.evaluate(() => document.getElementById('player').currentTime) === 0, '−15 s moves back to the start');

  // Chapters seek inside the frame; the transcript follows playback.
  await frame.click('details.chapters summary');
  await frame.click(`details.chapters a[data-seek="${chapterSeconds}"]`);
  await frame.waitForFunction((t) => document.getElementById('player').currentTime >= t - 0.05, chapterSeconds, { timeout: 5000 }).catch(() => {});
  const t = await frame.evaluate(() => document.getElementById('player').currentTime);
  check(t >= chapterSeconds - 0.05, `the chapter at ${chapterSeconds} s seeks there (${t})`);
  check(frame.url().endsWith('/embed'), 'the chapter link did not navigate the frame');
  const transcript = await frame.$('details.transcript');
  if (transcript) {
    await frame.click('details.transcript summary');
    await frame.waitForFunction(() => !!document.querySelector('.lines p[aria-current="true"]'), null, { timeout: 5000 }).catch(() => {});
    check(await frame.evaluate(() => !!document.querySelector('.lines p[aria-current="true"]')), 'the transcript marks the line being played');
  } else {
    check(false, 'the embed has an expandable transcript');
  }
  const more = await frame.getAttribute('p.more a', 'href');
  check(more && more.startsWith(base) && more.endsWith('/'), `a link leads to the full episode page (${more})`);
  await page.screenshot({ path: join(shotDir, 'embed-in-iframe.png'), fullPage: true });

  // axe-core inside the frame, evaluated over the DevTools protocol.
  await frame.evaluate(axeSource);
  const result = await frame.evaluate(async () => await window.axe.run(document));
  for (const v of result.violations) {
    const nodes = v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary).join('\n    ');
    console.log(`axe embed: ${v.id} (${v.impact}) ${v.help}\n    ${nodes}`);
  }
  check(result.violations.length === 0, `axe: no violations in the embed (${result.violations.length} found)`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
if (failures.length) {
  console.error(`${failures.length} check(s) failed:\n  ` + failures.join('\n  '));
  process.exit(1);
}
console.log('all embed checks passed');
