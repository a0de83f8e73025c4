// The console as a marketer, an admin and a viewer see it: Debian's headless Chromium at
// 1280x800, driven by playwright-core, JavaScript on (the console's small script runs).
//
// Usage: node console.mjs <base_url> <out_dir>
//   env FISSION_CONSOLE_EMAIL/_PASSWORD (the demo marketer), FISSION_ADMIN_EMAIL/_PASSWORD
//   (the demo admin), FISSION_VIEWER_EMAIL/_PASSWORD (a viewer made with the CLI);
//   CHROMIUM=/path/to/chromium to use another browser binary (default /usr/bin/chromium).
// Writes console-login.png, console-campaigns.png, console-new.png, console-new-error.png,
// console-clone.png, console-tokens.png, console-users.png and console-viewer.png to
// out_dir; prints one "browser: N passed, M failed" line and exits 1 on any failure.
import { mkdirSync } from 'node:fs';
import { check, checkNoRequestLeft, endedEarly, finish, launch, must, signIn } from './lib.mjs';

const [base, out] = process.argv.slice(2);
const env = (name) => process.env[name] || '';
const marketer = { email: env('FISSION_CONSOLE_EMAIL'), password: env('FISSION_CONSOLE_PASSWORD') };
const admin = { email: env('FISSION_ADMIN_EMAIL'), password: env('FISSION_ADMIN_PASSWORD') };
const viewer = { email: env('FISSION_VIEWER_EMAIL'), password: env('FISSION_VIEWER_PASSWORD') };
if (!base || !out || !marketer.email || !viewer.email) {
  console.error('usage: FISSION_CONSOLE_EMAIL=.. FISSION_CONSOLE_PASSWORD=.. FISSION_VIEWER_EMAIL=.. FISSION_VIEWER_PASSWORD=.. node console.mjs <base_url> <out_dir>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const origin = new URL(base).origin;
const SCREEN = { width: 1280, height: 800 };
const stamp = Date.now().toString(36);

const browser = await launch();
const requests = [];

async function newPage() {
  const context = await browser.newContext({ viewport: SCREEN, screen: SCREEN, locale: 'zh-CN' });
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());
  return page;
}

const noHorizontalScroll = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
/** Posts a form from inside the page (same origin, the session's cookie), as a tampered page would. */
const postFromPage = (page, path, fields) => page.evaluate(async ([p, f]) => {
  const r = await fetch(p, { method: 'POST', body: new URLSearchParams(f), redirect: 'manual' });
  return r.status;
}, [path, fields]);

try {
  // Signed out: the console sends people to the sign-in form.
  const page = await newPage();
  const first = await page.goto(`${base}/admin`);
  must('/admin without a session lands on the sign-in form', new URL(page.url()).pathname === '/admin/login', `${first && first.status()} ${page.url()}`);
  check('the sign-in form is in Chinese', (await page.locator('h1').innerText()).includes('登录'));
  await page.screenshot({ path: `${out}/console-login.png` });
  await page.fill('input[name=email]', marketer.email);
  await page.fill('input[name=password]', 'wrong-password-here');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  check('a wrong password says so in Chinese and keeps the e-mail', (await page.locator('.alert.error').innerText()).includes('邮箱或密码不正确')
    && (await page.inputValue('input[name=email]')) === marketer.email);

  // The marketer: campaign list, new from template, clone.
  await signIn(page, base, marketer);
  must('the marketer signs in to the campaign list', new URL(page.url()).pathname === '/admin/campaigns', page.url());
  check('the list shows the demo campaign with its status', (await page.locator('tr[data-slug="spring-tea"] .badge').innerText()).includes('进行中'));
  check('the list shows budget left in yuan', /¥\d+\.\d{2}/.test(await page.locator('tr[data-slug="spring-tea"]').innerText()));
  check('the signed-in user and role are shown', (await page.locator('.who').innerText()).includes(marketer.email));
  check('the campaign list has no horizontal scrolling at 1280', await noHorizontalScroll(page));
  await page.screenshot({ path: `${out}/console-campaigns.png` });

  await page.click('a:has-text("新建活动")');
  must('新建活动 opens the template form', new URL(page.url()).pathname === '/admin/new-campaign', page.url());
  await page.fill('input[name=title]', '秋茶上新');
  await page.fill('input[name=slug]', 'Autumn Tea!');
  await page.screenshot({ path: `${out}/console-new.png` });
  const submit = 'main form button.primary';
  await Promise.all([page.waitForNavigation(), page.click(submit)]);
  check('a bad slug gets its own Chinese message', (await page.locator('.field.invalid em.error').innerText()).includes('链接标识'));
  check('what was typed is kept', (await page.inputValue('input[name=slug]')) === 'Autumn Tea!' && (await page.inputValue('input[name=title]')) === '秋茶上新');
  await page.screenshot({ path: `${out}/console-new-error.png` });
  const created = `autumn-${stamp}`;
  await page.fill('input[name=slug]', created);
  await Promise.all([page.waitForNavigation(), page.click(submit)]);
  check('the template creates a draft shown in the list', (await page.locator(`tr[data-slug="${created}"] .badge`).innerText()).includes('草稿'), page.url());
  check('a success message says it was created', (await page.locator('.alert.success').count()) === 1);

  await page.click('tr[data-slug="spring-tea"] a:has-text("复制")');
  must('复制 opens the clone form', page.url().endsWith('/admin/campaigns/spring-tea/clone'), page.url());
  const cloned = `spring-${stamp}`;
  await page.fill('input[name=slug]', cloned);
  await page.screenshot({ path: `${out}/console-clone.png` });
  await Promise.all([page.waitForNavigation(), page.click(submit)]);
  check('the clone is a draft in the list', (await page.locator(`tr[data-slug="${cloned}"] .badge`).innerText()).includes('草稿'));

  // A form without its CSRF token is refused; so is the session after sign-out.
  const noToken = await postFromPage(page, '/admin/new-campaign', { slug: `nocsrf-${stamp}`, title: '无令牌' });
  check('a form without its CSRF token is refused (403)', noToken === 403, `got ${noToken}`);
  const session = (await page.context().cookies()).find((c) => c.name === 'fission_console');
  must('the session cookie is HttpOnly and SameSite=Strict', !!session && session.httpOnly && session.sameSite === 'Strict', JSON.stringify(session));
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("退出登录")')]);
  check('sign out goes back to the sign-in form', new URL(page.url()).pathname === '/admin/login', page.url());
  await page.context().addCookies([session]);
  await page.goto(`${base}/admin/campaigns`);
  check('the old session cookie is refused after sign-out', new URL(page.url()).pathname === '/admin/login', page.url());

  // The admin: tokens and users.
  if (admin.email) {
    const adminPage = await newPage();
    await signIn(adminPage, base, admin);
    await adminPage.goto(`${base}/admin/tokens`);
    must('the admin opens the tokens page', (await adminPage.locator('h1').innerText()).includes('令牌'));
    await adminPage.fill('input[name=name]', `CRM 同步 ${stamp}`);
    await adminPage.selectOption('select[name=role]', 'marketer');
    await Promise.all([adminPage.waitForNavigation(), adminPage.click('button:has-text("创建令牌")')]);
    const secret = (await adminPage.locator('.secret-value').innerText()).trim();
    check('a new token\'s secret is shown once', secret.startsWith('fsn_'), secret);
    const api = await adminPage.request.get(`${base}/api/v1/campaigns`, { headers: { Authorization: `Bearer ${secret}` } });
    check('the new token works on the API', api.status() === 200, `got ${api.status()}`);
    await adminPage.screenshot({ path: `${out}/console-tokens.png` });
    const row = adminPage.locator('tr', { hasText: `CRM 同步 ${stamp}` });
    await Promise.all([adminPage.waitForNavigation(), row.locator('button:has-text("吊销")').click()]);
    check('revoking marks the token revoked', (await adminPage.locator('tr', { hasText: `CRM 同步 ${stamp}` }).innerText()).includes('已吊销'));
    const after = await adminPage.request.get(`${base}/api/v1/campaigns`, { headers: { Authorization: `Bearer ${secret}` } });
    check('the revoked token is refused by the API', after.status() === 401, `got ${after.status()}`);
    check('the secret is not shown again', !(await adminPage.content()).includes(secret));
    await adminPage.goto(`${base}/admin/users`);
    check('the users page lists the demo accounts', (await adminPage.locator('table').innerText()).includes(marketer.email));
    await adminPage.screenshot({ path: `${out}/console-users.png` });
  }

  // The viewer: sees, cannot change.
  const viewerPage = await newPage();
  await signIn(viewerPage, base, viewer);
  must('the viewer signs in to the campaign list', new URL(viewerPage.url()).pathname === '/admin/campaigns', viewerPage.url());
  check('the viewer sees no 新建活动 button', (await viewerPage.locator('a:has-text("新建活动")').count()) === 0);
  check('the viewer sees no 复制 button', (await viewerPage.locator('a:has-text("复制")').count()) === 0);
  check('the viewer sees no tokens section in the nav', (await viewerPage.locator('.nav a[href="/admin/tokens"]').count()) === 0);
  await viewerPage.screenshot({ path: `${out}/console-viewer.png` });
  const csrf = await viewerPage.inputValue('input[name=_csrf]');
  const refused = await postFromPage(viewerPage, '/admin/new-campaign', { slug: `viewer-${stamp}`, title: '只读', _csrf: csrf });
  check('a viewer\'s POST with a valid token is refused (403)', refused === 403, `got ${refused}`);
  const tokens = await viewerPage.goto(`${base}/admin/tokens`);
  check('the tokens page is refused to a viewer (403)', tokens.status() === 403, `got ${tokens.status()}`);
  await viewerPage.goto(`${base}/admin/campaigns`);
  check('nothing the viewer or the token-less form posted exists',
    (await viewerPage.locator(`tr[data-slug="viewer-${stamp}"], tr[data-slug="nocsrf-${stamp}"]`).count()) === 0);
} catch (e) {
  endedEarly(e);
} finally {
  checkNoRequestLeft(requests, origin);
  await browser.close();
}
finish();
