// Browser checks of people and roles in the producer UI, run by
// admin/browser_test.go (TestBrowserPeople):
//   node people.test.mjs BASE_URL OWNER_EMAIL OWNER_PASSWORD SHOW MP3_PATH SCREENSHOT_DIR
// The owner invites an editor and a contributor (links copied from the
// members page); both accept and set passwords and their names; the
// contributor drafts an episode and is not offered publishing (a forced
// POST is refused); the editor publishes it; the audit page shows all
// three, with names. Exits non-zero when a check fails.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const [base, ownerEmail, ownerPassword, show, mp3, shotDir] = process.argv.slice(2);
if (!shotDir) {
  console.error('usage: node people.test.mjs BASE_URL OWNER_EMAIL OWNER_PASSWORD SHOW MP3_PATH SCREENSHOT_DIR');
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
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => await window.axe.run(document));
  for (const v of result.violations) {
    console.log(`axe ${label}: ${v.id} (${v.impact}) ${v.help}\n    ` + v.nodes.map((n) => n.target.join(' ')).join('\n    '));
  }
  check(result.violations.length === 0, `axe: no violations on ${label} (${result.violations.length} found)`);
  await page.screenshot({ path: join(shotDir, `people-${label.replaceAll(' ', '-')}.png`), fullPage: true });
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
// Each person in a browser of their own (separate cookies).
async function person() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => check(false, 'no script errors: ' + e.message));
  return page;
}

async function invite(page, email, role) {
  await page.goto(`${base}/admin/shows/${show}/members`);
  await page.fill('#invite-email', email);
  await page.selectOption('#invite-role', role);
  await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Invite")')]);
  const link = await page.inputValue('input[data-invitation-link]');
  check(link.startsWith(base + '/admin/invitations/'), `the members page shows ${email}'s invitation link`);
  return link;
}

// accept opens an invitation link, sets a password and a display name.
async function accept(page, link, name, label) {
  await page.goto(link);
  if (label) await axe(page, label);
  await page.fill('#password', 'a password of ' + name);
  await page.fill('#password2', 'a password of ' + name);
  await Promise.all([page.waitForURL(base + '/admin/?done=welcome'), page.click('button[type=submit]:has-text("Set the password")')]);
  check(true, `${name} accepted the invitation`);
  await page.goto(base + '/admin/account');
  await page.fill('#name', name);
  await Promise.all([page.waitForURL(base + '/admin/account?done=saved'), page.click('button:has-text("Save the name")')]);
  check((await page.textContent('header')).includes('Signed in as ' + name), `${name} set the name`);
}

try {
  // The owner signs in with email and password.
  const owner = await person();
  await owner.goto(base + '/admin/signin');
  await axe(owner, 'sign in');
  await owner.fill('#email', ownerEmail);
  await owner.fill('#password', 'not the password');
  await owner.click('#password-signin button[type=submit]');
  const wrong = await owner.textContent('#signin-error');
  await owner.fill('#email', 'nobody@uni.example');
  await owner.fill('#password', ownerPassword);
  await owner.click('#password-signin button[type=submit]');
  check(wrong.includes('not right') && (await owner.textContent('#signin-error')) === wrong,
    'a wrong password and an unknown email get the same message');
  await owner.fill('#email', ownerEmail);
  await owner.fill('#password', ownerPassword);
  await Promise.all([owner.waitForURL(base + '/admin/'), owner.click('#password-signin button[type=submit]')]);
  check(true, 'the owner signed in');

  const editorLink = await invite(owner, 'eddie@uni.example', 'editor');
  const contributorLink = await invite(owner, 'cleo@uni.example', 'contributor');

  // The contributor accepts, drafts an episode, and may not publish it.
  const cleo = await person();
  await accept(cleo, contributorLink, 'Cleo Contributor', 'invitation');
  await axe(cleo, 'account');
  await cleo.goto(`${base}/admin/shows/${show}/`);
  await cleo.setInputFiles('#upload-file', mp3);
  await Promise.all([
    cleo.waitForURL(new RegExp(`/admin/shows/${show}/episodes/\\d+/\\?done=uploaded$`), { timeout: 120000 }),
    cleo.click('button[data-upload-submit]'),
  ]);
  const episodeURL = cleo.url().split('?')[0];
  check(true, 'the contributor drafted an episode');
  check(await cleo.locator('button:has-text("Publish now")').count() === 0, 'the contributor is not offered publishing');
  const csrf = await cleo.inputValue('input[name=csrf]');
  const forced = await cleo.request.post(episodeURL + 'publish', { form: { csrf, when: 'now' }, headers: { Origin: base } });
  check(forced.status() === 403, `a forced publish by the contributor is refused (${forced.status()})`);

  // The editor accepts and publishes it.
  const eddie = await person();
  await accept(eddie, editorLink, 'Eddie Editor');
  await eddie.goto(episodeURL);
  await Promise.all([eddie.waitForURL(/\?done=published$/), eddie.click('button:has-text("Publish now")')]);
  check(true, 'the editor published the episode');

  // The audit page shows all three, with names.
  await owner.goto(`${base}/admin/shows/${show}/audit`);
  const rows = await owner.locator('table.audit tbody tr').allTextContents();
  const has = (who, what) => rows.some((r) => r.includes(who) && r.includes(what));
  check(has('Olga Owner', 'cleo@uni.example') && has('Olga Owner', 'eddie@uni.example'), 'the audit shows the owner inviting both, by name');
  check(has('Cleo Contributor', 'episode.create'), 'the audit shows the contributor drafting, by name');
  check(has('Eddie Editor', 'episode.publish'), 'the audit shows the editor publishing, by name');
  if (failures.length) console.log('audit rows:\n' + rows.join('\n'));
  await axe(owner, 'audit');
} catch (e) {
  check(false, 'no exception: ' + (e.stack || e));
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('all people checks passed');
