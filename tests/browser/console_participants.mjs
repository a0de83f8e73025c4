// The participant pages as the demo marketer sees them: Debian's headless Chromium at
// 1280x800 (and 375x667 for overflow), driven by playwright-core.
//
// Usage: node console_participants.mjs <base_url> <out_dir>
//   env FISSION_CONSOLE_EMAIL/_PASSWORD (the demo marketer); CHROMIUM=/path/to/chromium.
// An inviter signs up over the public API and five friends sign up from the inviter's own
// device (each held by a fraud rule). In the console the marketer approves three (they
// count, and the milestone pays 5 yuan), rejects one and leaves one held; then finds the
// inviter by the last four digits of their phone, opens them and reads the chain (each
// invitee's state in words), a friend's flag, the grant in yuan, and the download link.
// Writes console-participants.png, console-participant.png and console-participant-375.png;
// prints one "browser: N passed, M failed" line and exits 1 on any failure.
import { mkdirSync } from 'node:fs';
import { check, checkNoRequestLeft, endedEarly, finish, launch, must, signIn } from './lib.mjs';

const [base, out] = process.argv.slice(2);
const env = (name) => process.env[name] || '';
const marketer = { email: env('FISSION_CONSOLE_EMAIL'), password: env('FISSION_CONSOLE_PASSWORD') };
if (!base || !out || !marketer.email) {
  console.error('usage: FISSION_CONSOLE_EMAIL=.. FISSION_CONSOLE_PASSWORD=.. node console_participants.mjs <base_url> <out_dir>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const origin = new URL(base).origin;
const SCREEN = { width: 1280, height: 800 };
const PHONE_SCREEN = { width: 375, height: 667 };
const SLUG = 'spring-tea';

const phone = () => `137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

/** Signs up over the public API from this one machine: every sign-up shares a device. */
async function join(number, ref, name) {
  const body = { phone: number, consent: true, name };
  if (ref) body.ref = ref;
  const r = await fetch(`${base}/api/v1/public/campaigns/${SLUG}/participants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'FamilyPhone/2.0' },
    body: JSON.stringify(body),
  });
  return r.json();
}

const browser = await launch();
const requests = [];

async function signedIn(who, viewport) {
  const context = await browser.newContext({ viewport, screen: viewport, locale: 'zh-CN' });
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());
  await signIn(page, base, who);
  return page;
}

async function decide(page, code, decision, note) {
  const row = page.locator(`tr[data-review="${code}"]`);
  await row.locator('input[name=note]').fill(note);
  await Promise.all([page.waitForNavigation(), row.locator(`button[value=${decision}]`).click()]);
}

try {
  const inviterPhone = phone();
  const lastFour = inviterPhone.slice(-4);
  const inviter = await join(inviterPhone, null, '茶友老周');
  must('an inviter signs up over the public API', typeof inviter.code === 'string', JSON.stringify(inviter));
  const friends = [];
  for (let i = 0; i < 5; i += 1) friends.push(await join(phone(), inviter.code, `好友${i + 1}`));
  must('five friends sign up from the inviter\'s device', friends.every((f) => typeof f.code === 'string'));

  const page = await signedIn(marketer, SCREEN);
  await page.goto(`${base}/admin/campaigns/${SLUG}/reviews`);
  for (const f of friends.slice(0, 3)) await decide(page, f.code, 'approve', '家人共用手机，已核实');
  await decide(page, friends[3].code, 'reject', '小号');

  await page.goto(`${base}/admin/campaigns`);
  await Promise.all([page.waitForNavigation(), page.locator(`tr[data-slug="${SLUG}"] a[href$="/participants"]`).click()]);
  check('the campaign list links to its participants', page.url().endsWith(`/admin/campaigns/${SLUG}/participants`), page.url());
  await page.fill('input[name=q]', lastFour);
  await Promise.all([page.waitForNavigation(), page.click('form[role=search] button[type=submit]')]);
  const hit = page.locator(`tr[data-code="${inviter.code}"]`);
  must('searching the last four digits finds the inviter', (await hit.count()) === 1, page.url());
  const hitText = await hit.innerText();
  check('the phone is masked for a marketer', hitText.includes(`${inviterPhone.slice(0, 3)}****${lastFour}`) && !hitText.includes(inviterPhone), hitText);
  const csv = await page.locator('a[data-download]').getAttribute('href');
  check('the download keeps the search', csv === `participants.csv?q=${lastFour}&state=`, csv);
  const file = await page.request.get(new URL(csv, page.url()).href);
  const text = await file.text();
  check('the CSV has Chinese headers and the inviter, masked', file.ok() && text.includes('参与者编码') && text.includes(inviter.code) && !text.includes(inviterPhone), text.slice(0, 200));
  await page.screenshot({ path: `${out}/console-participants.png`, fullPage: true });

  await Promise.all([page.waitForNavigation(), hit.locator('a.strong').click()]);
  // The milestone is paid by the background worker (every second in the demo).
  let grants = '';
  for (let i = 0; i < 20 && !grants.includes('¥5.00'); i += 1) {
    if (i) { await page.waitForTimeout(500); await page.reload(); }
    grants = await page.locator('table.grants').innerText().catch(() => '');
  }
  const state = async (f) => page.locator(`tr[data-invitee="${f.code}"]`).innerText();
  check('approved invitees count (已计入)', (await state(friends[0])).includes('已计入'), await state(friends[0]));
  const rejected = await state(friends[3]);
  check('a rejected one does not, and says why', rejected.includes('未计入') && rejected.includes('审核未通过'), rejected);
  const held = await state(friends[4]);
  check('a held one waits for review with its rule', held.includes('待审核') && held.includes('与邀请人同设备'), held);
  check('the milestone grant shows in yuan with its state', grants.includes('¥5.00') && grants.includes('已发放'), grants);
  check('the journal lists the grant', (await page.locator('table.journal').innerText().catch(() => '')).includes('发放'));
  await page.screenshot({ path: `${out}/console-participant.png`, fullPage: true });

  await Promise.all([page.waitForNavigation(), page.locator(`tr[data-invitee="${friends[4].code}"] a`).click()]);
  const flags = await page.locator('section.flags').innerText();
  check('a friend\'s page shows the flag with its reason', flags.includes('与邀请人同设备') && flags.includes('同一设备'), flags);
  check('and links up the chain to the inviter', (await page.locator(`section.chain a[href$="/participants/${inviter.code}"]`).count()) === 1);

  const small = await signedIn(marketer, PHONE_SCREEN);
  await small.goto(`${base}/admin/campaigns/${SLUG}/participants/${inviter.code}`);
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('at 375 px the page does not scroll sideways', overflow <= 2, `${overflow}px wider`);
  await small.screenshot({ path: `${out}/console-participant-375.png`, fullPage: true });
  await small.goto(`${base}/admin/campaigns/${SLUG}/participants?q=${lastFour}`);
  const listOverflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('nor does the list', listOverflow <= 2, `${listOverflow}px wider`);
  await small.screenshot({ path: `${out}/console-participants-375.png`, fullPage: true });
} catch (e) {
  endedEarly(e);
} finally {
  checkNoRequestLeft(requests, origin);
  await browser.close();
}
finish();
