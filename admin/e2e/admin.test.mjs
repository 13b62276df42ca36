// Browser checks of the producer web UI, run by admin/browser_test.go:
//   node admin.test.mjs BASE_URL TOKEN MP3_PATH SCREENSHOT_DIR
// It reuses the npm packages of web/e2e (playwright-core, axe-core).
// Exits non-zero with a message when a check fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const [base, token, mp3, shotDir] = process.argv.slice(2);
if (!shotDir) {
  console.error('usage: node admin.test.mjs BASE_URL TOKEN MP3_PATH SCREENSHOT_DIR');
  process.exit(2);
}
const webE2E = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'e2e');
const require = createRequire(join(webE2E, 'package.json'));
const { chromium } = require('playwright-core');
const axePath = require.resolve('axe-core/axe.min.js');

const failures = [];
function check(ok, msg) {
  if (!ok) failures.push(msg);
  console.log((ok ? 'ok   ' : 'FAIL ') + msg);
}

async function axe(page, label) {
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    await page.addScriptTag({ path: axePath });
    const result = await page.evaluate(async () => await window.axe.run(document));
    for (const v of result.violations) {
      const nodes = v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary).join('\n    ');
      console.log(`axe ${label} at ${width}px: ${v.id} (${v.impact}) ${v.help}\n    ${nodes}`);
    }
    check(result.violations.length === 0, `axe: no violations on ${label} at ${width}px (${result.violations.length} found)`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `${label} at ${width}px has no horizontal scrolling (overflow ${overflow}px)`);
    await page.screenshot({ path: join(shotDir, `${label.replaceAll(' ', '-')}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

const userDataDir = mkdtempSync(join(tmpdir(), 'lyssna-admin-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
  bypassCSP: true, // axe-core is injected as an inline script
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => check(false, 'no script errors: ' + e.message));

  // Sign in.
  await page.goto(base + '/admin/', { waitUntil: 'load' });
  check(page.url().startsWith(base + '/admin/signin'), `signed out, /admin/ leads to sign-in (${page.url()})`);
  await axe(page, 'sign in');
  await page.click('summary:has-text("Sign in with a producer token")');
  await page.fill('#token', 'wrong-token');
  await page.click('button:has-text("Sign in with the token")');
  check((await page.textContent('#token-error')).includes('not valid'), 'a wrong token is refused with a message');
  await page.fill('#token', token); // the details stay open beside the error
  await Promise.all([page.waitForURL(base + '/admin/'), page.click('button:has-text("Sign in with the token")')]);
  check(true, 'signed in');
  await axe(page, 'shows empty');

  // Create a show.
  await page.click('text=New show');
  await page.fill('#f-slug', 'e2e-lab');
  await page.fill('#f-title', 'The E2E Learning Lab');
  await page.fill('#f-description', 'A show made by the browser test.');
  await page.fill('#f-author', 'Test Producer');
  await page.selectOption('#f-categories-0', 'Education/Courses');
  await page.click('#f-hosts button[data-list-add]');
  await page.fill('textarea[name="hosts[0].name"], input[name="hosts[0].name"]', 'Ada Host');
  await axe(page, 'show form');
  await Promise.all([page.waitForURL(/\/admin\/shows\/e2e-lab\/\?done=created$/), page.click('button:has-text("Create show")')]);
  check(true, 'show created');
  await axe(page, 'show page');

  // Upload the audio; record the progress bar's values while it moves.
  const seen = [];
  page.on('console', (msg) => {
    const m = /^progress (\d+) (.*)$/.exec(msg.text());
    if (m) seen.push({ value: Number(m[1]), text: m[2] });
  });
  // A MutationObserver sees every update the progress handler makes (one per
  // XHR progress event), however fast the upload runs.
  await page.evaluate(() => {
    const bar = document.querySelector('#upload-progress-bar');
    const text = document.querySelector('[data-progress-text]');
    new MutationObserver(() => console.log('progress ' + bar.value + ' ' + text.textContent))
      .observe(text, { childList: true, characterData: true, subtree: true });
  });
  await page.setInputFiles('#upload-file', mp3);
  const t0 = Date.now();
  await Promise.all([
    page.waitForURL(/\/admin\/shows\/e2e-lab\/episodes\/\d+\/\?done=uploaded$/, { timeout: 120000 }),
    page.click('button[data-upload-submit]'),
  ]);
  const between = seen.filter((s) => s.value > 0 && s.value < 100);
  console.log(`upload took ${Date.now() - t0} ms; progress values seen: ${seen.map((s) => s.value).join(', ')}`);
  check(between.length >= 1, `the progress bar moved before completion (${between.length} values strictly between 0 and 100)`);
  check(seen.some((s) => / MiB of [\d.]+ MiB \(\d+%\)/.test(s.text)), 'the progress text shows bytes and percent');
  const episodeURL = page.url().split('?')[0];
  check((await page.textContent('main')).includes('Lecture one'), 'the title read from the file is shown');

  // Edit: title, two takeaways, a study question and a reference, with the script.
  await page.fill('#f-title', 'Spaced repetition in practice');
  await page.click('#f-takeaways button[data-list-add]');
  await page.fill('textarea[name="takeaways[0]"]', 'Review just before you would forget.');
  await page.click('#f-takeaways button[data-list-add]');
  await page.fill('textarea[name="takeaways[1]"]', 'Short sessions beat long ones.');
  // Move the second up and back down, to exercise reordering.
  await page.click('#f-takeaways li:nth-child(2) button[data-move="up"]');
  check(await page.inputValue('textarea[name="takeaways[0]"]') === 'Short sessions beat long ones.', 'move up reorders and renumbers');
  await page.click('#f-takeaways li:nth-child(1) button[data-move="down"]');
  await page.click('#f-study-questions button[data-list-add]');
  await page.fill('textarea[name="study_questions[0]"]', 'Why does spacing help memory?');
  await page.click('#f-references button[data-list-add]');
  await page.fill('input[name="references[0].authors"]', 'Ebbinghaus, H.');
  await page.fill('input[name="references[0].year"]', '1885');
  await page.fill('input[name="references[0].title"]', 'Memory: A Contribution to Experimental Psychology');
  await page.fill('#f-notes', 'We discuss **spacing** and [a paper](https://example.org/paper).');
  await axe(page, 'episode page');
  await Promise.all([page.waitForURL(/\?done=saved$/), page.click('button[value="save"]')]);
  check(await page.inputValue('textarea[name="takeaways[1]"]') === 'Short sessions beat long ones.', 'the takeaways were saved in order');
  await Promise.all([page.waitForURL(/\?done=published$/), page.click('button:has-text("Publish now")')]);
  check((await page.textContent('.status')).trim() === 'published', 'the episode is published');
  await axe(page, 'episode published');

  // The public episode page and the feed show them.
  const publicURL = await page.getAttribute('a:has-text("Public page")', 'href');
  const feedURL = await page.getAttribute('p.links a:has-text("Feed")', 'href');
  const resp = await page.goto(publicURL, { waitUntil: 'load' });
  check(resp.status() === 200, `the public episode page answers 200 (${publicURL})`);
  const pub = await page.textContent('main');
  for (const want of ['Spaced repetition in practice', 'Review just before you would forget.', 'Short sessions beat long ones.',
    'Why does spacing help memory?', 'Memory: A Contribution to Experimental Psychology']) {
    check(pub.includes(want), `the public page shows "${want}"`);
  }
  await page.screenshot({ path: join(shotDir, 'public-episode-1280.png'), fullPage: true });
  const feed = await (await page.request.get(feedURL)).text();
  for (const want of ['Spaced repetition in practice', 'Review just before you would forget.', 'Why does spacing help memory?', '<enclosure']) {
    check(feed.includes(want), `the feed has "${want}"`);
  }

  // The show's episode table: no word is broken across lines ("Publishe/d").
  // A long title, as producers write them, squeezes the other columns most.
  await page.goto(episodeURL.replace(/episodes\/\d+\/$/, ''), { waitUntil: 'load' });
  await page.evaluate(() => {
    document.querySelector('table.episodes td a').textContent =
      'Spaced repetition in practice: how retrieval, interleaving and sleep shape what students keep from a lecture';
  });
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    const broken = await page.evaluate(() => {
      const out = [];
      const walker = document.createTreeWalker(document.querySelector('table.episodes'), NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        for (const m of n.textContent.matchAll(/\S+/g)) {
          const r = document.createRange();
          r.setStart(n, m.index);
          r.setEnd(n, m.index + m[0].length);
          const tops = new Set([...r.getClientRects()].filter((q) => q.width > 0).map((q) => Math.round(q.top)));
          if (tops.size > 1) out.push(m[0]);
        }
      }
      return out;
    });
    check(broken.length === 0, `the episode table breaks no word at ${width}px (broken: ${broken.join(', ')})`);
  }
  await axe(page, 'show page with episodes');

  // A podcast app downloads the episode; the download dashboard shows it
  // (aggregated off the request path within seconds) and passes axe.
  await page.goto(publicURL, { waitUntil: 'load' });
  const audioURL = await page.getAttribute('audio#player', 'src');
  const dl = await page.request.get(audioURL, { headers: { 'User-Agent': 'AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; en_us)' } });
  check(dl.status() === 200, `the audio downloads (${dl.status()})`);
  let allTime = '';
  for (let i = 0; i < 40 && allTime !== '1'; i++) {
    await page.goto(base + '/admin/shows/e2e-lab/stats/', { waitUntil: 'load' });
    allTime = (await page.textContent('.totals div:last-child dd')).trim();
    if (allTime !== '1') await page.waitForTimeout(250);
  }
  check(allTime === '1', `the dashboard counts the download (all time: ${allTime})`);
  check(await page.getAttribute('.chart svg', 'role') === 'img', 'the chart is an image with a name');
  check((await page.textContent('#chart-title')).includes('1 in all'), 'the chart names its total');
  await page.click('.figures summary');
  check(await page.isVisible('.figures table'), 'the figures table opens');
  await axe(page, 'downloads dashboard');
  await page.click('.stats-table a:has-text("Spaced repetition in practice")');
  check((await page.textContent('h1')).includes('Spaced repetition in practice'), 'the episode downloads page opens');
  await axe(page, 'episode downloads');

  // The show schedules in its own time zone.
  await page.goto(base + '/admin/shows/e2e-lab/edit', { waitUntil: 'load' });
  check(await page.inputValue('#f-time-zone') === 'UTC', 'a new show schedules in UTC');
  await page.fill('#f-time-zone', 'Europe/Stockholm');
  await Promise.all([page.waitForURL(/edit\?done=saved$/), page.click('button:has-text("Save")')]);
  check(await page.inputValue('#f-time-zone') === 'Europe/Stockholm', 'the time zone is saved');

  // The show's location and a social thread (podcast:location,
  // podcast:socialInteract), a row added with the script.
  await page.fill('#f-location-name', 'Uppsala University');
  await page.click('#f-social-interact button[data-list-add]');
  await page.selectOption('select[name="social_interact[0].protocol"]', 'activitypub');
  await page.fill('input[name="social_interact[0].uri"]', 'https://mastodon.example/@lab/1');
  await axe(page, 'show form with a social thread');
  await Promise.all([page.waitForURL(/edit\?done=saved$/), page.click('button:has-text("Save")')]);
  check(await page.inputValue('input[name="social_interact[0].uri"]') === 'https://mastodon.example/@lab/1' &&
    await page.inputValue('#f-location-name') === 'Uppsala University', 'the location and the social thread are saved');

  // Chapters: add two with the script, save; reorder; remove one.
  await page.goto(episodeURL, { waitUntil: 'load' });
  await page.click('#f-chapters button[data-list-add]');
  await page.fill('input[name="chapters[0].start_ms"]', '0:00');
  await page.fill('input[name="chapters[0].title"]', 'Opening');
  await page.click('#f-chapters button[data-list-add]');
  await page.fill('input[name="chapters[1].start_ms"]', '0:30');
  await page.fill('input[name="chapters[1].title"]', 'The forgetting curve');
  await page.fill('input[name="chapters[1].url"]', 'https://example.org/curve');
  await axe(page, 'episode chapters');
  await Promise.all([page.waitForURL(/\?done=saved$/), page.click('button[value="save"]')]);
  check(await page.inputValue('input[name="chapters[1].start_ms"]') === '0:30', 'the chapters were saved with their times');
  await page.click('#f-chapters li:nth-child(2) button[data-move="up"]');
  check(await page.inputValue('input[name="chapters[0].title"]') === 'The forgetting curve', 'a chapter moves up');
  await page.click('#f-chapters li:nth-child(1) button[data-remove]');
  check(await page.inputValue('input[name="chapters[0].title"]') === 'Opening', 'a chapter is removed');
  await Promise.all([page.waitForURL(/\?done=saved$/), page.click('button[value="save"]')]);
  check(await page.locator('#f-chapters li:not([hidden]) input[name$=".title"]').count() >= 1 &&
    await page.inputValue('input[name="chapters[0].title"]') === 'Opening', 'one chapter is left after saving');
  const chaptersJSON = await (await page.request.get(publicURL + 'chapters.json')).json();
  check(chaptersJSON.chapters.length === 1 && chaptersJSON.chapters[0].title === 'Opening', 'the public chapters file follows the editor');

  // Unpublish, then schedule at a local time in Stockholm.
  await Promise.all([page.waitForURL(/\?done=unpublished$/), page.click('button:has-text("Unpublish")')]);
  check((await page.textContent('label[for="f-publish-at"]')).includes('Europe/Stockholm'), 'the schedule form names the show\'s time zone');
  await page.fill('#f-publish-at', '2030-01-15T09:30');
  await Promise.all([page.waitForURL(/\?done=scheduled$/), page.click('button:has-text("Schedule")')]);
  check((await page.textContent('main')).includes('15 Jan 2030, 09:30 CET (Europe/Stockholm)'), 'the scheduled time is shown in the show\'s zone');
  check(await page.inputValue('#f-publish-at') === '2030-01-15T09:30', 'the schedule form shows the local time');
  const api = await (await page.request.get(base + '/api/v1/shows/e2e-lab/episodes/' + episodeURL.match(/episodes\/(\d+)\//)[1],
    { headers: { Authorization: 'Bearer ' + token } })).json();
  check(api.publish_at === '2030-01-15T08:30:00Z', `the API keeps the time in RFC 3339 (${api.publish_at})`);
  await axe(page, 'episode scheduled');

  // Delete the episode: a page says what goes away, then it is gone.
  await page.click('a:has-text("Delete the episode")');
  const goes = await page.textContent('main');
  check(goes.includes('cannot be undone') && goes.includes('audio file'), 'the confirmation says what goes away');
  await axe(page, 'delete episode');
  await Promise.all([page.waitForURL(/\/admin\/shows\/e2e-lab\/\?done=deleted$/), page.click('button:has-text("Delete the episode")')]);
  check((await page.textContent('main')).includes('was deleted'), 'the show page says the episode was deleted');
  check(!(await page.textContent('main')).includes('Spaced repetition in practice'), 'the episode is gone from the list');
  check((await page.request.get(publicURL)).status() === 404, 'its public page answers 404');

  // Networks: an empty form names its field; a network is created, the
  // show put in it, and its publisher feed lists the show.
  await page.goto(base + '/admin/networks/', { waitUntil: 'load' });
  await axe(page, 'networks');
  await Promise.all([page.waitForURL(/\/admin\/networks\/new$/), page.click('a:has-text("New network")')]);
  await page.click('button:has-text("Create network")');
  check((await page.textContent('main')).includes('The changes were not saved'), 'an empty network form is refused with the reason');
  await axe(page, 'network form with an error');
  await page.fill('#f-slug', 'e2e-uni');
  await page.fill('#f-title', 'E2E University');
  await Promise.all([page.waitForURL(/\/admin\/networks\/e2e-uni\/\?done=created$/), page.click('button:has-text("Create network")')]);
  await Promise.all([page.waitForURL(/\?done=added$/), page.click('form[action="/admin/networks/e2e-uni/shows/e2e-lab"] button')]);
  check((await page.textContent('section[aria-labelledby="in-heading"]')).includes('/e2e-lab/'), 'the show is in the network');
  await axe(page, 'network page');
  const publisher = await page.request.get(base + '/e2e-uni/publisher.xml');
  check(publisher.status() === 200 && (await publisher.text()).includes('/e2e-lab/feed.xml'), 'the publisher feed names the show');

  // The show list, with the new show.
  await page.goto(base + '/admin/', { waitUntil: 'load' });
  await axe(page, 'shows');
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
if (failures.length) {
  console.error(`${failures.length} check(s) failed:\n  ` + failures.join('\n  '));
  process.exit(1);
}
console.log('all browser checks passed');
