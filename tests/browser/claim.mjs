// The WeChat Pay claim page (领取) as a phone shows it when a transfer of 2,000 yuan or
// more waits for the payee's real name: headless Chromium at 375x667 (2x), JavaScript
// off. The page is the one the integration test tests/api/wechat_real_name.rs was served
// (it alone has WeChat Pay's stand-in), saved to target/pages/wechat-claim.html.
//
// Usage: node claim.mjs <page.html> <out_dir>
// Writes claim.png. Prints one "browser: N passed, M failed" line; exits 1 on a failure.
// A missing page (the integration suite did not run first) is said and skipped.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { check, finish, launch, within } from './lib.mjs';

const [file, out] = process.argv.slice(2);
if (!file || !out) {
  console.error('usage: node claim.mjs <page.html> <out_dir>');
  process.exit(2);
}
if (!existsSync(file)) {
  console.log(`skipped: ${file} is written by the integration suite (cargo test); run it first`);
  process.exit(0);
}
mkdirSync(out, { recursive: true });
const SCREEN = { width: 375, height: 667 };
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47';

const browser = await launch();
try {
  const context = await browser.newContext({
    viewport: SCREEN, screen: SCREEN, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    javaScriptEnabled: false, userAgent: UA, locale: 'zh-CN',
  });
  const page = await context.newPage();
  // Served from the test's server, the page's own links are relative: loaded from a
  // string, anything it fetches would be an outside request.
  const requests = [];
  await page.route('**/*', (route) => {
    requests.push(route.request().url());
    route.abort();
  });
  await page.setContent(readFileSync(file, 'utf8'), { waitUntil: 'load' });
  check('no request leaves the page (styles and fonts are inline)', requests.length === 0, requests.join(', '));

  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check('nothing is wider than the phone', width <= SCREEN.width, `scrollWidth ${width}`);
  const amount = page.getByText('¥2000.00').first();
  check('the amount waiting is on the first screen', within(await amount.boundingBox(), SCREEN));
  const name = page.locator('input[name="user_name"]');
  const nameBox = await name.boundingBox();
  check('the name field is on the first screen, wide enough to type in',
    within(nameBox, SCREEN) && nameBox.width >= 250, JSON.stringify(nameBox));
  check('the name field is required and bounded',
    (await name.getAttribute('required')) !== null && (await name.getAttribute('maxlength')) === '50');
  const submit = page.getByRole('button', { name: '提交姓名' });
  const submitBox = await submit.boundingBox();
  check('the submit button is on the first screen and thumb-sized',
    within(submitBox, SCREEN) && submitBox.height >= 40, JSON.stringify(submitBox));
  const hint = await page.locator('.hint').first().innerText();
  check('the page says why the name is asked and where it goes', hint.includes('2000') && hint.includes('微信支付'), hint);
  const font = await name.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  check('the field is typed at 16 px or more (iOS does not zoom)', font >= 16, `${font}px`);
  await page.screenshot({ path: `${out}/claim.png` });
} catch (e) {
  check('claim page', false, String(e.message));
} finally {
  await browser.close();
}
finish();
