// Issue 10's Done-when flow for reviews and finance, in headless Chromium at 1280x800.
// Seeded through the API (an admin makes a token and a finance account in the console):
// a campaign paying 5.00 yuan per invite at once, an inviter, one friend on another
// device (qualifies, granted) and two friends on the inviter's phone (held). The
// marketer approves one held friend and rejects the other: the approved one is granted
// after qualification, the rejected one is cancelled and never granted. Finance then
// creates a payout batch, downloads it (the payee's full phone is in it), uploads the
// provider's result file, and sees reconciliation balanced.
//
// Usage: node console_finance.mjs <base_url> <out_dir>
//   FISSION_CONSOLE_EMAIL / _PASSWORD: a marketer; FISSION_ADMIN_EMAIL / _PASSWORD: an admin.
// Writes console-finance-*.png to out_dir; prints "browser: N passed, M failed".
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { check, checkNoRequestLeft, endedEarly, finish, launch, must, signIn } from './lib.mjs';

const [base, out] = process.argv.slice(2);
const marketer = { email: process.env.FISSION_CONSOLE_EMAIL, password: process.env.FISSION_CONSOLE_PASSWORD };
const admin = { email: process.env.FISSION_ADMIN_EMAIL, password: process.env.FISSION_ADMIN_PASSWORD };
if (!base || !out || !marketer.email || !admin.email) {
  console.error('usage: FISSION_CONSOLE_*=.. FISSION_ADMIN_*=.. node console_finance.mjs <base_url> <out_dir>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const origin = new URL(base).origin;
const SCREEN = { width: 1280, height: 800 };
const stamp = Date.now().toString(36);
const SLUG = `fin-${stamp}`;
const finance = { email: `finance-${stamp}@demo.fission`, password: `fin-${stamp}-${Math.random().toString(36).slice(2)}` };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let token = '';
async function api(method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

/** A fresh mobile number. */
const phone = () => `137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

/** Signs up over the public API from a device (its user agent). */
async function join(ref, device) {
  const body = { phone: phone(), consent: true };
  if (ref) body.ref = ref;
  const r = await fetch(`${base}/api/v1/public/campaigns/${SLUG}/participants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': device },
    body: JSON.stringify(body),
  });
  return { ...(await r.json()), phone: body.phone };
}

/** The inviter's grants and invitees as the API tells them. */
const participant = async (code) => (await api('GET', `/api/v1/campaigns/${SLUG}/participants/${code}`)).body;

/** Waits (the background jobs run every second) until `test` holds for the inviter. */
async function until(code, test) {
  for (let i = 0; i < 40; i += 1) {
    const p = await participant(code);
    if (p && test(p)) return p;
    await sleep(250);
  }
  return participant(code);
}

const browser = await launch();
const requests = [];

async function signedIn(who) {
  const context = await browser.newContext({ viewport: SCREEN, screen: SCREEN, locale: 'zh-CN', acceptDownloads: true });
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());
  await signIn(page, base, who);
  return page;
}

/** Clicks a download link and reads the file. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

try {
  // The admin makes a token for seeding and a finance account.
  const adminPage = await signedIn(admin);
  await adminPage.goto(`${base}/admin/tokens`);
  await adminPage.fill('input[name=name]', `财务测试 ${stamp}`);
  await adminPage.selectOption('select[name=role]', 'admin');
  await Promise.all([adminPage.waitForNavigation(), adminPage.click('button:has-text("创建令牌")')]);
  token = (await adminPage.locator('.secret-value').innerText()).trim();
  must('the admin makes an API token', token.startsWith('fsn_'), token);
  await adminPage.goto(`${base}/admin/users`);
  const userForm = adminPage.locator('form[action="/admin/users"]');
  await userForm.locator('input[name=email]').fill(finance.email);
  await userForm.locator('select[name=role]').selectOption('finance');
  await userForm.locator('input[name=password]').fill(finance.password);
  await Promise.all([adminPage.waitForNavigation(), userForm.locator('button[type=submit]').click()]);
  must('the admin makes a finance account', (await adminPage.locator('table').innerText()).includes(finance.email));

  // The campaign and its people, through the API.
  const created = await api('POST', '/api/v1/campaigns', {
    slug: SLUG, title: '财务验收活动', status: 'active', budget: { amount: 100000 },
    qualification: { require_group_join: false, hold_hours: 0 },
    fraud: { ip_burst_leads: 1000 },
    rules: [{ id: 'pi', kind: 'per_invite', reward: { type: 'cash', amount: 500 } }],
  });
  must('the campaign is created over the API', created.status === 201, JSON.stringify(created.body));
  const inviter = await join(null, `InviterPhone/${stamp}`);
  const clean = await join(inviter.code, `FriendPhone/${stamp}`);
  const kept = await join(inviter.code, `InviterPhone/${stamp}`);
  const dropped = await join(inviter.code, `InviterPhone/${stamp}`);
  must('the inviter and three friends sign up', [inviter, clean, kept, dropped].every((p) => typeof p.code === 'string'));
  const before = await until(inviter.code, (p) => p.grants.length >= 1);
  check('the friend on another device is granted 5.00 at once', before.grants.length === 1 && before.grants[0].amount === 500, JSON.stringify(before.grants));
  const states = Object.fromEntries(before.invitees.map((i) => [i.code, i.referral_state]));
  must('the two friends on the inviter\'s phone are held', states[kept.code] === 'held' && states[dropped.code] === 'held', JSON.stringify(states));

  // The marketer decides, with the evidence side by side.
  const page = await signedIn(marketer);
  await page.goto(`${base}/admin/campaigns/${SLUG}/reviews`);
  const row = (code) => page.locator(`tr[data-review="${code}"]`);
  must('both held friends are in the queue', (await row(kept.code).count()) === 1 && (await row(dropped.code).count()) === 1);
  const device = await row(kept.code).locator('[data-evidence=device]').innerText();
  check('the same-device evidence has its own column', device.includes('与邀请人同设备'), device);
  const others = await row(kept.code).locator('[data-evidence=inviter]').innerText();
  check('the inviter\'s other invitees are counted', others.includes(inviter.code) && others.includes('共邀请 3 人'), others);
  check('the network column says nothing was found', (await row(kept.code).locator('[data-evidence=network]').innerText()).includes('未发现'));
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check('the queue fits 1280 px', width <= 1280, `scrollWidth ${width}`);
  await page.screenshot({ path: `${out}/console-finance-reviews.png`, fullPage: true });
  await row(kept.code).locator('input[name=note]').fill('家人共用手机，已电话核实');
  await Promise.all([page.waitForNavigation(), row(kept.code).locator('button[value=approve]').click()]);
  check('the approval is confirmed', (await page.locator('.alert.success').innerText()).includes('已通过'));
  await row(dropped.code).locator('input[name=note]').fill('小号');
  await Promise.all([page.waitForNavigation(), row(dropped.code).locator('button[value=reject]').click()]);
  check('the rejection is confirmed', (await page.locator('.alert.success').innerText()).includes('已拒绝'));

  const after = await until(inviter.code, (p) => p.grants.length >= 2);
  const reasons = after.grants.map((g) => g.reason);
  check('the approved friend is granted after qualification', after.grants.length === 2 && reasons.some((r) => r.includes(':')) && after.grants.every((g) => g.status === 'granted'), JSON.stringify(after.grants));
  const finalStates = Object.fromEntries(after.invitees.map((i) => [i.code, i.referral_state]));
  check('the rejected friend is cancelled and never granted', finalStates[dropped.code] === 'cancelled' && finalStates[kept.code] === 'qualified', JSON.stringify(finalStates));
  const marketerFinance = await page.goto(`${base}/admin/finance`);
  check('the finance pages are refused to a marketer (403)', marketerFinance.status() === 403, `got ${marketerFinance.status()}`);

  // Finance: the books, a batch, its file, its results, reconciliation.
  const fin = await signedIn(finance);
  check('finance lands with a 财务 section in the nav', (await fin.locator('.nav a[href="/admin/finance"]').count()) === 1);
  await fin.goto(`${base}/admin/finance?campaign=${SLUG}`);
  const ledger = await fin.locator('table.fin-book').innerText();
  check('the ledger shows both grants in yuan', (ledger.match(/5\.00/g) || []).length >= 2 && ledger.includes('已发放'), ledger.slice(0, 300));
  check('the ledger fits 1280 px', (await fin.evaluate(() => document.documentElement.scrollWidth)) <= 1280);
  await fin.screenshot({ path: `${out}/console-finance-ledger.png`, fullPage: true });
  const xlsx = await download(fin, 'a[data-download=xlsx_zh]');
  check('the ledger downloads as XLSX from the console', xlsx.name.endsWith('.xlsx') && xlsx.text.startsWith('PK'), xlsx.name);

  await fin.goto(`${base}/admin/finance/payouts?campaign=${SLUG}`);
  await fin.selectOption('#payout-new select[name=campaign]', SLUG);
  await Promise.all([fin.waitForNavigation(), fin.click('#payout-new button[type=submit]')]);
  const batchUrl = fin.url();
  check('the batch is created with both grants, ¥10.00', (await fin.locator('.alert.success').innerText()).includes('2 笔') && (await fin.locator('.fin-stats').innerText()).includes('¥10.00'), batchUrl);
  await fin.screenshot({ path: `${out}/console-finance-batch.png`, fullPage: true });
  const file = await download(fin, 'a[data-file=standard]');
  const payeeLines = file.text.split('\n').filter((l) => l.includes(`,${inviter.phone},`));
  check('the batch file names the payee (the inviter) with the full phone, once per grant', payeeLines.length === 2, file.text.split('\n')[0]);
  const alipay = await download(fin, 'a[data-file=alipay]');
  check('the Alipay template has its header and both lines', alipay.text.includes('商户流水号') && alipay.text.split(inviter.phone).length === 3, alipay.text);

  const details = file.text.replace(/^\uFEFF/, '').trim().split('\n').slice(1).map((l) => l.split(',')[1]);
  const results = `商户流水号,状态,支付宝流水号\n${details.map((d, i) => `${d},成功,2088${stamp}${i}`).join('\n')}\n`;
  const resultsPath = joinPath(out, `results-${stamp}.csv`);
  writeFileSync(resultsPath, results);
  await fin.setInputFiles('#results-upload input[name=file]', resultsPath);
  await Promise.all([fin.waitForNavigation(), fin.click('#results-upload button[type=submit]')]);
  const outcome = await fin.locator('#outcome').innerText().catch(() => '');
  check('the result file is recorded: 2 paid', outcome.includes('成功 2 笔'), outcome);
  check('each line shows paid', (await fin.locator('[data-status=paid]').count()) === 2);
  await fin.screenshot({ path: `${out}/console-finance-results.png`, fullPage: true });

  await fin.goto(`${base}/admin/finance/payouts?campaign=${SLUG}`);
  const listed = fin.locator('tr[data-batch]').first();
  check('the batch list shows the batch settled with its total', (await listed.locator('[data-state=settled]').count()) === 1 && (await listed.innerText()).includes('¥10.00'), await listed.innerText());
  await fin.screenshot({ path: `${out}/console-finance-payouts.png`, fullPage: true });
  await fin.goto(`${base}/admin/finance?book=journal&campaign=${SLUG}`);
  const journal = await fin.locator('table.fin-book').innerText();
  check('the journal lists granted, batched and paid entries', ['发放', '进入付款批次', '支付成功'].every((k) => journal.includes(k)), journal.slice(0, 300));
  await fin.screenshot({ path: `${out}/console-finance-journal.png`, fullPage: true });

  await fin.goto(`${base}/admin/finance/reconciliation?campaign=${SLUG}`);
  const verdict = fin.locator('#verdict');
  check('reconciliation is balanced', (await verdict.getAttribute('data-balanced')) === 'true', await verdict.innerText());
  check('granted = paid + unpaid + revoked reads ¥10.00 = ¥10.00 + ¥0.00 + ¥0.00', (await verdict.innerText()).includes('¥10.00 = ¥10.00 + ¥0.00 + ¥0.00'), await verdict.innerText());
  check('every day is marked balanced', (await fin.locator('tr[data-day][data-balanced=false]').count()) === 0 && (await fin.locator('tr[data-day][data-balanced=true]').count()) >= 1);
  await fin.screenshot({ path: `${out}/console-finance-reconciliation.png`, fullPage: true });
} catch (e) {
  endedEarly(e, 'the flow ran to the end');
} finally {
  checkNoRequestLeft(requests, origin);
  await browser.close();
}
finish();
