// The campaign dashboard, in headless Chromium at 1280 px wide: the admin makes an API
// token on the tokens page; through the API the test builds a campaign whose figures it
// knows (6 page views by 5 visitors on channel store-a, 4 leads, 3 group joins from a
// member list, 3 qualified invites, 2 rewarded inviters, ¥6.00 granted); the marketer
// signs in, opens the dashboard from the campaign list and finds those exact numbers in
// the funnel and channel tables, every chart drawn, and a new lead after a refresh.
//
// Usage: node console_dashboard.mjs <base_url> <out_dir>
//   FISSION_CONSOLE_EMAIL / FISSION_CONSOLE_PASSWORD: a marketer's sign-in;
//   FISSION_ADMIN_EMAIL / FISSION_ADMIN_PASSWORD: an admin's (to make the API token).
// Writes console-dashboard.png (full page) and console-dashboard-top.png (1280x800) to
// out_dir; prints "browser: N passed, M failed" and exits 1 on any failure.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, checkNoRequestLeft, endedEarly, finish, launch, must, signIn } from './lib.mjs';

const [base, out] = process.argv.slice(2);
const marketer = { email: process.env.FISSION_CONSOLE_EMAIL, password: process.env.FISSION_CONSOLE_PASSWORD };
const admin = { email: process.env.FISSION_ADMIN_EMAIL, password: process.env.FISSION_ADMIN_PASSWORD };
if (!base || !out || !marketer.email || !marketer.password || !admin.email || !admin.password) {
  console.error('usage: FISSION_CONSOLE_EMAIL=.. FISSION_CONSOLE_PASSWORD=.. FISSION_ADMIN_EMAIL=.. FISSION_ADMIN_PASSWORD=.. node console_dashboard.mjs <base_url> <out_dir>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const origin = new URL(base).origin;
const here = dirname(fileURLToPath(import.meta.url));
const GROUP_QR = join(here, '..', '..', 'static', 'demo', 'group-qr.png');
const stamp = Date.now().toString(36);
const slug = `dash-${stamp}`;
const SCREEN = { width: 1280, height: 800 };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A fresh mobile number, unique to this run. */
let phoneNo = Math.floor(Math.random() * 1e6);
const phone = () => `137${String(phoneNo++).padStart(8, '0')}`;

let token = '';
async function api(method, path, body, type = 'application/json') {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = type;
  const r = await fetch(`${base}${path}`, { method, headers, body: type === 'application/json' && body !== undefined ? JSON.stringify(body) : body });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

/** Signs up over the public API, each person on their own phone. */
async function signUp(number, ref, channel) {
  const body = { phone: number, consent: true };
  if (ref) body.ref = ref;
  if (channel) body.channel = channel;
  const r = await fetch(`${base}/api/v1/public/campaigns/${slug}/participants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': `DashPhone/${number}` },
    body: JSON.stringify(body),
  });
  return r.json();
}

/** One page view; with a visitor cookie it is that visitor again. */
async function view(cookie) {
  const headers = { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.47' };
  if (cookie) headers.cookie = cookie;
  const r = await fetch(`${base}/c/${slug}?ch=store-a`, { headers });
  await r.text();
  const visitor = r.headers.getSetCookie().find((c) => c.startsWith('fx_v='));
  return { status: r.status, cookie: visitor ? visitor.split(';')[0] : cookie };
}

const browser = await launch();
const requests = [];

async function signedIn(who) {
  const context = await browser.newContext({ viewport: SCREEN, locale: 'zh-CN' });
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  await signIn(page, base, who);
  must(`${who.email} is signed in`, !new URL(page.url()).pathname.startsWith('/admin/login'), page.url());
  return page;
}

/** The text of each cell of a table row, by the row's key. */
async function row(page, table, key) {
  const cells = page.locator(`[data-table="${table}"] tbody tr[data-key="${key}"] td`);
  return (await cells.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

try {
  // 1. The admin makes a marketer's API token on the tokens page.
  const adminPage = await signedIn(admin);
  await adminPage.goto(`${base}/admin/tokens`);
  await adminPage.fill('input[name=name]', `看板测试 ${stamp}`);
  await adminPage.selectOption('select[name=role]', 'marketer');
  await Promise.all([adminPage.waitForNavigation(), adminPage.click('button:has-text("创建令牌")')]);
  token = (await adminPage.locator('.secret-value').innerText()).trim();
  must('an API token is made on the tokens page', token.startsWith('fsn_'), token);

  // 2. A campaign with known figures, through the API.
  const form = new FormData();
  form.append('file', new Blob([readFileSync(GROUP_QR)], { type: 'image/png' }), 'group-qr.png');
  const qr = await fetch(`${base}/api/v1/assets`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form }).then((r) => r.json());
  const created = await api('POST', '/api/v1/campaigns', {
    slug, title: '看板测试·春茶裂变', status: 'active',
    qualification: { require_group_join: true, hold_hours: 0 },
    budget: { amount: 100000 },
    rules: [{ id: 'pi', kind: 'per_invite', reward: { type: 'cash', amount: 200 } }],
  });
  must('the campaign is created', created.status === 201, created.text);
  const group = await api('POST', `/api/v1/campaigns/${slug}/groups`, { name: '春茶1群', capacity: 200, qr_asset: qr.id });
  must('its group is created', group.status === 201, group.text);
  const seeds = await api('POST', `/api/v1/campaigns/${slug}/seeds`, { channel: 'store-a', count: 1 });
  must('a seed is made on channel store-a', seeds.status === 201 || seeds.status === 200, seeds.text);
  const seed = seeds.json[0].code;
  // 6 views by 5 visitors: the first comes back once.
  const first = await view(null);
  must('the landing page opens', first.status === 200 && !!first.cookie, `${first.status}`);
  await view(first.cookie);
  for (let i = 0; i < 4; i += 1) await view(null);
  // 4 leads: two friends of the seed, a friend of a friend, one from another channel.
  const phones = [phone(), phone(), phone(), phone()];
  const l1 = await signUp(phones[0], seed);
  const l2 = await signUp(phones[1], seed);
  const l3 = await signUp(phones[2], l1.code);
  const l4 = await signUp(phones[3], null, 'poster-b');
  must('four people leave their phone numbers', [l1, l2, l3, l4].every((p) => typeof p.code === 'string'), JSON.stringify([l1, l2, l3, l4]));
  // The first three join the group, from the group tool's member list.
  const list = `phone\n${phones[0]}\n${phones[1]}\n${phones[2]}\n`;
  const imported = await api('POST', `/api/v1/campaigns/${slug}/groups/${group.json.id}/members`, list, 'text/csv');
  must('the member list is imported', imported.status === 200, imported.text);
  // The reward engine runs in the background: wait for its three grants.
  let stats = null;
  for (let i = 0; i < 60; i += 1) {
    stats = (await api('GET', `/api/v1/campaigns/${slug}/stats`)).json;
    if (stats && stats.grants === 3 && stats.visits === 6) break;
    await sleep(500);
  }
  must('the stats API has the figures', stats && stats.grants === 3 && stats.visits === 6 && stats.rewarded === 2, JSON.stringify(stats));

  // 3. The marketer opens the dashboard from the campaign list.
  const page = await signedIn(marketer);
  await page.goto(`${base}/admin/campaigns`);
  const link = page.locator(`tr[data-slug="${slug}"] a[href="/admin/campaigns/${slug}/dashboard"]`);
  must('the campaign list links the dashboard', (await link.count()) === 1);
  const loaded = page.waitForResponse((r) => r.url().endsWith(`/admin/campaigns/${slug}/dashboard.json`));
  await Promise.all([page.waitForNavigation(), link.click()]);
  must('the dashboard opens', new URL(page.url()).pathname === `/admin/campaigns/${slug}/dashboard`, page.url());
  check('the dashboard fetches its JSON', (await loaded).status() === 200);

  const funnel = {
    visits: ['访问', '6', '—'],
    unique_visitors: ['独立访客', '5', '83.3%'],
    leads: ['留资', '4', '80.0%'],
    joined: ['入群', '3', '75.0%'],
    qualified: ['合格邀请', '3', '100.0%'],
    rewarded: ['获奖', '2', '66.7%'],
  };
  for (const [key, want] of Object.entries(funnel)) {
    const got = await row(page, 'funnel', key);
    check(`funnel: ${want[0]} ${want[1]} (${want[2]})`, JSON.stringify(got) === JSON.stringify(want), JSON.stringify(got));
  }
  const storeA = await row(page, 'channels', 'store-a');
  check('channel store-a: 6 views, 5 visitors, 3 leads, 3 joined, 3 qualified, 2 rewarded',
    JSON.stringify(storeA.slice(0, 7)) === JSON.stringify(['store-a', '6', '5 83.3%', '3 60.0%', '3 100.0%', '3 100.0%', '2 66.7%']), JSON.stringify(storeA));
  check('channel store-a: ¥6.00 granted, ¥2.00 per lead and per qualified invite',
    JSON.stringify(storeA.slice(8)) === JSON.stringify(['¥6.00', '¥2.00', '¥2.00']), JSON.stringify(storeA));
  check('channel poster-b: one lead, nothing granted', (await row(page, 'channels', 'poster-b')).join('|').startsWith('poster-b|0|0 —|1 —|0 0.0%'), (await row(page, 'channels', 'poster-b')).join('|'));
  check('generations: 2 in generation 0, 2 in 1, 1 in 2',
    JSON.stringify([await row(page, 'generations', '0'), await row(page, 'generations', '1'), await row(page, 'generations', '2')])
      === JSON.stringify([['第 0 代', '2', '2', '1.000'], ['第 1 代', '2', '1', '0.500'], ['第 2 代', '1', '0', '0.000']]));
  check('the longest chain is seed → friend → friend of a friend', (await page.locator('#dash-generations .dash-note').innerText()).includes(`${seed} → ${l1.code} → ${l3.code}`));
  check('the reward rule spent ¥6.00 of the budget', (await row(page, 'budget', 'pi')).join('|') === 'pi|现金红包|3|¥6.00|占用预算|可发放', (await row(page, 'budget', 'pi')).join('|'));
  const top = await row(page, 'inviters', seed);
  check('the seed leads the inviters with 2 qualified invites', top[0] === '1' && top[3] === '2', JSON.stringify(top));
  const html = await page.content();
  check('no full phone number is on the page', phones.every((p) => !html.includes(p)));

  // Every chart is drawn: a canvas with painted pixels.
  await page.waitForFunction(() => [...document.querySelectorAll('[data-chart]')].every((c) => c.hasAttribute('data-drawn')), null, { timeout: 15000 }).catch(() => {});
  const charts = await page.evaluate(() => [...document.querySelectorAll('[data-chart]')].map((box) => {
    const canvas = box.querySelector('canvas');
    if (!canvas || !canvas.width || !canvas.height) return { id: box.dataset.chart, painted: 0 };
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted += 1;
    return { id: box.dataset.chart, painted, width: canvas.width };
  }));
  check('five charts are on the page', charts.length === 5, JSON.stringify(charts));
  for (const c of charts) check(`the ${c.id} chart is drawn`, c.painted > 500, JSON.stringify(c));
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check('the dashboard fits 1280 px without scrolling sideways', width <= 1280, `scrollWidth ${width}`);
  await page.screenshot({ path: `${out}/console-dashboard-top.png` });
  await page.screenshot({ path: `${out}/console-dashboard.png`, fullPage: true });

  // 4. A new lead shows after the page refreshes itself (as on its 30 s timer).
  await signUp(phone(), null, 'poster-b');
  for (let i = 0; i < 20; i += 1) {
    const s = (await api('GET', `/api/v1/campaigns/${slug}/stats`)).json;
    if (s && s.leads === 5) break;
    await sleep(250);
  }
  const before = await page.locator('#dashboard').getAttribute('data-refreshed');
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await page.waitForFunction((b) => document.getElementById('dashboard').getAttribute('data-refreshed') !== b, before, { timeout: 10000 }).catch(() => {});
  const leads = await row(page, 'funnel', 'leads');
  check('after a refresh the funnel shows 5 leads', leads[1] === '5', JSON.stringify(leads));
  check('the refresh keeps the page (no reload)', new URL(page.url()).pathname === `/admin/campaigns/${slug}/dashboard`);
} catch (e) {
  endedEarly(e, 'the dashboard check ran to the end');
} finally {
  checkNoRequestLeft(requests, origin);
  await browser.close();
}
finish();
