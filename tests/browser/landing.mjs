// The phone page as a person sees it: Debian's headless Chromium at 375x667 (2x) with a
// WeChat-like user agent, driven by playwright-core. JavaScript is switched OFF in the
// page, as the landing page must work without it (Playwright's own evaluate still runs).
//
// Usage: node landing.mjs <base_url> <slug> <out_dir>
//   CHROMIUM=/path/to/chromium to use another browser binary (default /usr/bin/chromium).
// Writes landing.png (first screen), landing-full.png, error.png (a form error), me.png,
// joined.png (the same phone from another phone) and proof.png (the SMS code form) to out_dir; prints one
// "browser: N passed, M failed" line at the end and exits 1 on any failure.
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [base, slug, out] = process.argv.slice(2);
if (!base || !slug || !out) {
  console.error('usage: node landing.mjs <base_url> <slug> <out_dir>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const origin = new URL(base).origin;
const SCREEN = { width: 375, height: 667 };
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47';

let passed = 0;
const failures = [];
function check(name, ok, detail = '') {
  if (ok) passed += 1;
  else failures.push(`${name}${detail ? ` (${detail})` : ''}`);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${!ok && detail ? ` -- ${detail}` : ''}`);
  return ok;
}
/** A check whose failure makes the rest meaningless. */
function must(name, ok, detail = '') {
  if (!check(name, ok, detail)) throw new Stop(name);
}
class Stop extends Error {}

const within = (box, { width, height }) =>
  !!box && box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height;
const fmt = (box) => (box ? `x=${Math.round(box.x)} y=${Math.round(box.y)} w=${Math.round(box.width)} h=${Math.round(box.height)}` : 'not rendered');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const requests = [];
try {
  const context = await browser.newContext({
    viewport: SCREEN,
    screen: SCREEN,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: false,
    locale: 'zh-CN',
    userAgent: UA,
  });
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();

  // 1. The landing page.
  const landingUrl = `${base}/c/${slug}?ch=browser`;
  const response = await page.goto(landingUrl, { waitUntil: 'load' });
  must('landing page GET answers 200', response && response.status() === 200, `GET ${landingUrl} -> ${response && response.status()}`);
  const html = await response.body();
  check('landing HTML (with its inline CSS) is under 30 KB', html.length < 30 * 1024, `${html.length} bytes`);
  check('the page says it is zh-CN', (await page.getAttribute('html', 'lang')) === 'zh-CN');
  await page.screenshot({ path: `${out}/landing.png` });
  await page.screenshot({ path: `${out}/landing-full.png`, fullPage: true });

  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check('no horizontal scrolling at 375 px', scrollWidth <= SCREEN.width, `document.documentElement.scrollWidth is ${scrollWidth}`);
  for (const [what, selector] of [['phone input', '#join input[name=phone]'], ['consent checkbox', '#join input[name=consent]'], ['submit button', '#join button[type=submit]']]) {
    const box = await page.locator(selector).boundingBox();
    check(`the #join form's ${what} is fully visible on the first screen (375x667)`, within(box, SCREEN), `${selector}: ${fmt(box)}`);
  }
  const consent = page.locator('#join input[name=consent]');
  check('the consent checkbox is not pre-ticked', (await consent.count()) === 1 && !(await consent.isChecked()));
  check('the consent checkbox has a visible label', ((await page.locator('#join label:has(input[name=consent])').innerText()).trim().length) > 0);
  const button = await page.locator('#join button[type=submit]').boundingBox();
  check('the submit button is a comfortable tap target (>= 44 px high)', !!button && button.height >= 44, fmt(button));
  const fontSize = await page.locator('#join input[name=phone]').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  check('the phone input is >= 16 px so iOS does not zoom', fontSize >= 16, `${fontSize}px`);
  const order = await page.evaluate(() => ['header.hero', '#join', '#proof', '#closing', '#join-bottom']
    .map((s) => { const e = document.querySelector(s); return e ? Math.round(e.getBoundingClientRect().top + scrollY) : null; }));
  check('hero, form, proof, closing and the second form come in that order',
    order.every((v, i) => v !== null && (i === 0 || v > order[i - 1])), JSON.stringify(order));

  // 2. Joining without consent: the browser refuses it (the box is required)...
  const phone = `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  await page.fill('#join input[name=phone]', phone);
  const before = page.url();
  await page.click('#join button[type=submit]');
  await page.waitForTimeout(500);
  const missing = await consent.evaluate((el) => el.validity.valueMissing);
  check('submitting without consent is blocked by the browser', page.url() === before && missing, `url ${page.url()}, valueMissing ${missing}`);

  // ...and so does the server when the browser's check is bypassed.
  await page.locator('#join').evaluate((form) => form.setAttribute('novalidate', ''));
  const [refused] = await Promise.all([page.waitForNavigation(), page.click('#join button[type=submit]')]);
  check('the server refuses a join without consent with 422', refused && refused.status() === 422, `status ${refused && refused.status()}`);
  const alert = page.locator('[role=alert]').first();
  const alertVisible = (await alert.count()) > 0 && await alert.isVisible();
  check('the refusal says why in a visible role=alert', alertVisible);
  if (alertVisible) {
    const [a, p] = [await alert.boundingBox(), await page.locator('#join input[name=phone]').boundingBox()];
    check('the message sits above the phone input, on the first screen', a && p && a.y + a.height <= p.y && within(a, SCREEN), `${fmt(a)} / ${fmt(p)}`);
  }
  check('the phone input is marked aria-invalid', (await page.getAttribute('#join input[name=phone]', 'aria-invalid')) === 'true');
  check('what was typed is kept', (await page.inputValue('#join input[name=phone]')) === phone);
  check('consent is still not ticked after the refusal', !(await page.locator('#join input[name=consent]').isChecked()));

  // 2b. A bad number with the box ticked: the page comes back in plain Chinese, with the
  // number, the name (when asked) and the ticked box kept.
  await page.fill('#join input[name=phone]', '12345');
  const nameField = page.locator('#join input[name=name]');
  const askName = (await nameField.count()) > 0;
  if (askName) await nameField.fill('小王');
  await page.check('#join input[name=consent]');
  const [bad] = await Promise.all([page.waitForNavigation(), page.click('#join button[type=submit]')]);
  check('a bad number comes back with 422', bad && bad.status() === 422, `status ${bad && bad.status()}`);
  const words = (await page.locator('[role=alert]').first().innerText()).trim();
  check('the error is plain Chinese (no English)', words.length > 0 && !/[A-Za-z]/.test(words), words);
  check('the bad number is kept', (await page.inputValue('#join input[name=phone]')) === '12345');
  if (askName) check('the name is kept', (await nameField.inputValue()) === '小王');
  check('the ticked consent box is still ticked', await page.locator('#join input[name=consent]').isChecked());
  await page.screenshot({ path: `${out}/error.png` });

  // 3. Joining with consent leads to my page.
  await page.fill('#join input[name=phone]', phone);
  await page.check('#join input[name=consent]');
  await Promise.all([
    page.waitForURL((url) => url.pathname === `/c/${slug}/me`, { timeout: 15000 }).catch(() => {}),
    page.click('#join button[type=submit]'),
  ]);
  must('joining with consent lands on /c/<slug>/me', new URL(page.url()).pathname === `/c/${slug}/me`, page.url());
  const poster = page.locator('section.poster img').first();
  must('my page shows a poster image', (await poster.count()) === 1);
  await poster.scrollIntoViewIfNeeded();
  const natural = await poster.evaluate((img) => (img.complete ? img.naturalWidth
    : new Promise((done) => { img.onload = img.onerror = () => done(img.naturalWidth); })));
  check('the poster image actually loaded', natural > 0, `naturalWidth ${natural}, src ${await poster.getAttribute('src')}`);
  const invite = page.locator('input[readonly]').first();
  const link = (await invite.count()) ? await invite.inputValue() : '';
  check('my invite link carries my code (ref=)', /[?&]ref=[^&\s]+/.test(link), link || 'no readonly input');
  const meWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check('my page has no horizontal scrolling', meWidth <= SCREEN.width, `scrollWidth ${meWidth}`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${out}/me.png`, fullPage: true });

  // 4. The same number from another phone: no cookie, nothing private, until an SMS code
  // proves the number (the demo's `log` provider writes the code to the server log).
  const other = await browser.newContext({
    viewport: SCREEN, screen: SCREEN, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    javaScriptEnabled: false, locale: 'zh-CN', userAgent: UA,
  });
  other.on('request', (r) => requests.push(r.url()));
  const second = await other.newPage();
  await second.goto(`${base}/c/${slug}`, { waitUntil: 'load' });
  await second.fill('#join input[name=phone]', phone);
  await second.check('#join input[name=consent]');
  const [joined] = await Promise.all([second.waitForNavigation(), second.click('#join button[type=submit]')]);
  check('the same number from another phone gets a page, not the owner\'s', joined && joined.status() === 200 && new URL(second.url()).pathname !== `/c/${slug}/me`, `${joined && joined.status()} ${second.url()}`);
  const joinedText = await second.locator('body').innerText();
  check('that page shows no rewards and no shipping form', !/红包|券码|收货/.test(joinedText.replace(/奖励、券码和收货信息只在参与时使用的手机上显示/, '')) && (await second.locator('input[name=address]').count()) === 0);
  check('no participant cookie was given to the other phone', !(await other.cookies()).some((c) => c.name.startsWith('fx_me')));
  const otherWidth = await second.evaluate(() => document.documentElement.scrollWidth);
  check('that page has no horizontal scrolling', otherWidth <= SCREEN.width, `scrollWidth ${otherWidth}`);
  await second.screenshot({ path: `${out}/joined.png`, fullPage: true });
  await Promise.all([second.waitForNavigation(), second.click('button:has-text("发送验证码")')]);
  const codeField = second.locator('input[name=code]');
  must('asking for a code shows the code field', (await codeField.count()) === 1);
  await second.screenshot({ path: `${out}/proof.png` });
  const log = readFileSync(`${out}/demo.log`, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
  const sent = [...log.matchAll(/SMS code[^\n]*phone_tail="?(\d{4})"?[^\n]*code="?(\d{6})"?|SMS code[^\n]*code="?(\d{6})"?[^\n]*phone_tail="?(\d{4})"?/g)]
    .map((m) => ({ tail: m[1] || m[4], code: m[2] || m[3] }))
    .filter((m) => m.tail === phone.slice(-4));
  must('the server log has the code for this number', sent.length > 0, 'no "SMS code" line in demo.log');
  await codeField.fill(sent[sent.length - 1].code);
  await Promise.all([
    second.waitForURL((url) => url.pathname === `/c/${slug}/me`, { timeout: 15000 }).catch(() => {}),
    second.click('button:has-text("验证")'),
  ]);
  check('the right code opens my page on the other phone', new URL(second.url()).pathname === `/c/${slug}/me`, second.url());
} catch (e) {
  if (!(e instanceof Stop)) check('the check ran to the end', false, String(e && e.message ? e.message.split('\n')[0] : e));
} finally {
  const foreign = [...new Set(requests.filter((u) => !/^(data|about|blob):/.test(u) && new URL(u).origin !== origin))];
  check(`no request left ${origin} (${requests.length} requests)`, foreign.length === 0, foreign.join(', '));
  await browser.close();
}
console.log(`browser: ${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
