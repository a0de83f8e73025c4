// The review queue as the demo marketer sees it, and the audit log as the demo admin
// sees it: Debian's headless Chromium at 1280x800, driven by playwright-core.
//
// Usage: node console_audit.mjs <base_url> <out_dir>
//   env FISSION_CONSOLE_EMAIL/_PASSWORD (the demo marketer), FISSION_ADMIN_EMAIL/_PASSWORD
//   (the demo admin); CHROMIUM=/path/to/chromium for another browser binary.
// Makes two referrals the fraud rules hold (friends signing up from their inviter's own
// device, over the public API), approves one and rejects the other in the console, and
// finds both decisions with their notes in the audit log. Writes console-reviews.png and
// console-audit.png to out_dir; prints one "browser: N passed, M failed" line and exits 1
// on any failure.
import { mkdirSync } from 'node:fs';
import { check, checkNoRequestLeft, endedEarly, finish, launch, must, signIn } from './lib.mjs';

const [base, out] = process.argv.slice(2);
const env = (name) => process.env[name] || '';
const marketer = { email: env('FISSION_CONSOLE_EMAIL'), password: env('FISSION_CONSOLE_PASSWORD') };
const admin = { email: env('FISSION_ADMIN_EMAIL'), password: env('FISSION_ADMIN_PASSWORD') };
if (!base || !out || !marketer.email || !admin.email) {
  console.error('usage: FISSION_CONSOLE_EMAIL=.. FISSION_CONSOLE_PASSWORD=.. FISSION_ADMIN_EMAIL=.. FISSION_ADMIN_PASSWORD=.. node console_audit.mjs <base_url> <out_dir>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const origin = new URL(base).origin;
const SCREEN = { width: 1280, height: 800 };
const SLUG = 'spring-tea';

/** A fresh mobile number. */
const phone = () => `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

/** Signs up over the public API from this one machine: every sign-up shares a device. */
async function join(ref) {
  const body = { phone: phone(), consent: true };
  if (ref) body.ref = ref;
  const r = await fetch(`${base}/api/v1/public/campaigns/${SLUG}/participants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'SharedPhone/1.0' },
    body: JSON.stringify(body),
  });
  return r.json();
}

const browser = await launch();
const requests = [];

async function signedIn(who) {
  const context = await browser.newContext({ viewport: SCREEN, screen: SCREEN, locale: 'zh-CN' });
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());
  await signIn(page, base, who);
  return page;
}

try {
  const inviter = await join(null);
  must('an inviter signs up over the public API', typeof inviter.code === 'string', JSON.stringify(inviter));
  const friends = [await join(inviter.code), await join(inviter.code)];
  must('two friends sign up from the inviter\'s device', friends.every((f) => typeof f.code === 'string'));

  const page = await signedIn(marketer);
  await page.goto(`${base}/admin/campaigns/${SLUG}/reviews`);
  const rows = (code) => page.locator(`tr[data-review="${code}"]`);
  must('both friends wait in the review queue', (await rows(friends[0].code).count()) === 1 && (await rows(friends[1].code).count()) === 1);
  const first = await rows(friends[0].code).innerText();
  check('the queue shows the flag and its reason', first.includes('与邀请人同设备') && first.includes('同一设备'), first);
  check('the queue shows the inviter and a risk score', first.includes(inviter.code) && /\b(6\d|[7-9]\d|100)\b/.test(first), first);
  await page.screenshot({ path: `${out}/console-reviews.png`, fullPage: true });

  await rows(friends[0].code).locator('input[name=note]').fill('家人共用手机，已电话核实');
  await Promise.all([page.waitForNavigation(), rows(friends[0].code).locator('button[value=approve]').click()]);
  check('approving says so and leaves the queue', (await page.locator('.alert.success').innerText()).includes('已通过') && (await rows(friends[0].code).count()) === 0);
  await rows(friends[1].code).locator('input[name=note]').fill('小号刷单');
  await Promise.all([page.waitForNavigation(), rows(friends[1].code).locator('button[value=reject]').click()]);
  check('rejecting (after the confirmation) says so', (await page.locator('.alert.success').innerText()).includes('已拒绝'));

  const audit = await signedIn(admin);
  await audit.goto(`${base}/admin/audit?campaign=${SLUG}`);
  const approved = audit.locator('tr[data-action="review.approved"]').first();
  must('the approval is in the audit log', (await approved.count()) === 1);
  // Five or more changes come folded: open them as a reader would.
  if (!(await approved.locator('details').evaluate((d) => d.open))) await approved.locator('summary').click();
  const text = await approved.innerText();
  check('with the marketer, the note and the state before and after', text.includes(marketer.email) && text.includes('家人共用手机') && text.includes('held'), text);
  check('the rejection is there too', (await audit.locator('tr[data-action="review.rejected"]', { hasText: '小号刷单' }).count()) === 1);
  await audit.screenshot({ path: `${out}/console-audit.png` });
  const refused = await page.goto(`${base}/admin/audit`);
  check('the audit page is refused to a marketer (403)', refused.status() === 403, `got ${refused.status()}`);
} catch (e) {
  endedEarly(e);
} finally {
  checkNoRequestLeft(requests, origin);
  await browser.close();
}
finish();
