// The phone page as a person sees it: headless Chromium at 375x667 inside a WeChat-like
// user agent. Usage: node landing.mjs <base_url> <slug> <out_dir>
import { chromium } from 'playwright-core';

const [base, slug, out] = process.argv.slice(2);
if (!base || !slug || !out) {
  console.error('usage: node landing.mjs <base_url> <slug> <out_dir>');
  process.exit(2);
}
const origin = new URL(base).origin;
let passed = 0;
const failures = [];
function check(name, ok, detail = '') {
  if (ok) passed += 1;
  else failures.push(`${name}${detail ? `: ${detail}` : ''}`);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail && !ok ? ` (${detail})` : ''}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({
    viewport: { width: 375, height: 667 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47',
  });
  const page = await context.newPage();
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) foreign.push(r.url()); });

  const response = await page.goto(`${base}/c/${slug}?ch=browser`, { waitUntil: 'load' });
  check('landing page answers 200', response.status() === 200, `status ${response.status()}`);
  const html = await response.text();
  check('HTML+CSS under 30 KB', Buffer.byteLength(html) < 30 * 1024, `${Buffer.byteLength(html)} bytes`);
  await page.screenshot({ path: `${out}/landing.png` });
  await page.screenshot({ path: `${out}/landing-full.png`, fullPage: true });

  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check('no horizontal scrolling at 375 px', scrollWidth <= 375, `scrollWidth ${scrollWidth}`);
  for (const selector of ['#join input[name=phone]', '#join input[name=consent]', '#join button[type=submit]']) {
    const box = await page.locator(selector).boundingBox();
    check(`${selector} is on the first screen`, box && box.y >= 0 && box.y + box.height <= 667 && box.x >= 0 && box.x + box.width <= 375,
      JSON.stringify(box));
  }
  check('consent is not pre-ticked', !(await page.locator('#join input[name=consent]').isChecked()));
  const tapHeight = (await page.locator('#join button[type=submit]').boundingBox()).height;
  check('the button is a comfortable tap target', tapHeight >= 44, `${tapHeight}px`);
  const fontSize = await page.locator('#join input[name=phone]').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  check('the phone input does not make iOS zoom', fontSize >= 16, `${fontSize}px`);
  const sections = await page.evaluate(() => ['header.hero', '#join', '#proof', '#closing'].map((s) => document.querySelector(s)?.getBoundingClientRect().top ?? -1));
  check('hero, form, proof and closing come in that order', sections.every((v, i) => v >= 0 && (i === 0 || v > sections[i - 1])), JSON.stringify(sections));

  const phone = `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  await page.fill('#join input[name=phone]', phone);
  await page.evaluate(() => document.querySelector('#join').setAttribute('novalidate', ''));
  const refused = await Promise.all([page.waitForNavigation(), page.click('#join button[type=submit]')]);
  check('submitting without consent is refused with 422', refused[0].status() === 422, `status ${refused[0].status()}`);
  check('the refusal says why', await page.locator('[role=alert]').isVisible());
  await page.fill('#join input[name=phone]', phone);
  await page.check('#join input[name=consent]');
  await Promise.all([page.waitForURL(`**/c/${slug}/me`), page.click('#join button[type=submit]')]);
  check('joining leads to my page', page.url().endsWith(`/c/${slug}/me`), page.url());
  const poster = page.locator('section.poster img');
  await poster.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => { const i = document.querySelector('section.poster img'); return i && i.complete; });
  const natural = await poster.evaluate((img) => img.naturalWidth);
  check('my poster loads', natural > 0, `naturalWidth ${natural}`);
  const invite = await page.locator('input[readonly]').inputValue();
  check('my invite link carries my code', /\?ref=[a-z0-9]{6,}/.test(invite), invite);
  const meWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check('my page has no horizontal scrolling', meWidth <= 375, `scrollWidth ${meWidth}`);
  await page.screenshot({ path: `${out}/me.png`, fullPage: true });
  check('no request left the server', foreign.length === 0, foreign.join(', '));
} finally {
  await browser.close();
}
console.log(`browser: ${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
