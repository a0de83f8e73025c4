// The phone page as a person sees it: Debian's headless Chromium at 375x667 (2x) with a
// WeChat-like user agent, driven by playwright-core. JavaScript is switched OFF in the
// page, as the landing page must work without it (Playwright's own evaluate still runs).
//
// Usage: node landing.mjs <base_url> <slug> <out_dir>
//   CHROMIUM=/path/to/chromium to use another browser binary (default /usr/bin/chromium).
// Writes landing.png (first screen), landing-full.png, error.png (a form error), me.png,
// joined.png (the same phone from another phone) and proof.png (the SMS code form) to out_dir, then
// poster-switch.png (the other poster design), returning.png (a participant back on the page), inviter.png (a friend's link), invitees.png,
// copy-fallback.png and share.png (my page with JavaScript on: the copy button with and without
// the clipboard API, the guide to WeChat's menu), theme-berry*.png (a second theme: brand colour,
// poster layout), remind.png (提醒我 before the start; the SMS is read from demo.log) and
// fast3g.png (Fast 3G + 4x CPU, the figures printed on a "measure:" line). The admin token
// the demo prints (demo.log) creates the second theme's and the not-yet-open campaigns.
// Prints one "browser: N passed, M failed" line at the end and exits 1 on any failure.
import { mkdirSync, readFileSync } from 'node:fs';
import { check, checkNoRequestLeft, endedEarly, finish, launch, loadedWidth, must, within } from './lib.mjs';

const [base, slug, out] = process.argv.slice(2);
if (!base || !slug || !out) {
  console.error('usage: node landing.mjs <base_url> <slug> <out_dir>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const origin = new URL(base).origin;
const SCREEN = { width: 375, height: 667 };
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47';

const fmt = (box) => (box ? `x=${Math.round(box.x)} y=${Math.round(box.y)} w=${Math.round(box.width)} h=${Math.round(box.height)}` : 'not rendered');

const browser = await launch();
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
  /** Another phone: the same screen and browser, its own cookies; requests recorded. */
  const newPhone = async (options) => {
    const c = await browser.newContext({ viewport: SCREEN, screen: SCREEN, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
      locale: 'zh-CN', userAgent: UA, ...options });
    c.on('request', (r) => requests.push(r.url()));
    return c;
  };

  // 1. The landing page.
  const landingUrl = `${base}/c/${slug}?ch=browser`;
  const response = await page.goto(landingUrl, { waitUntil: 'load' });
  must('landing page GET answers 200', response && response.status() === 200, `GET ${landingUrl} -> ${response && response.status()}`);
  const html = await response.body();
  const encoding = (await response.allHeaders())['content-encoding'];
  check('the page comes gzipped, as the browser asks', encoding === 'gzip', `content-encoding ${encoding}`);
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
  const natural = await loadedWidth(poster);
  check('the poster image actually loaded', natural > 0, `naturalWidth ${natural}, src ${await poster.getAttribute('src')}`);
  const invite = page.locator('input[readonly]').first();
  const link = (await invite.count()) ? await invite.inputValue() : '';
  check('my invite link carries my code (ref=)', /[?&]ref=[^&\s]+/.test(link), link || 'no readonly input');
  const meWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check('my page has no horizontal scrolling', meWidth <= SCREEN.width, `scrollWidth ${meWidth}`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${out}/me.png`, fullPage: true });

  // 3b. Another poster design: a plain link under the poster swaps the image, which loads.
  const firstSrc = await poster.getAttribute('src');
  const otherDesign = page.locator('.poster-switch a.chip').first();
  must('my page offers another poster design', (await otherDesign.count()) === 1);
  const otherName = (await otherDesign.innerText()).trim();
  await Promise.all([page.waitForNavigation(), otherDesign.click()]);
  const switched = page.locator('section.poster img').first();
  const switchedSrc = await switched.getAttribute('src');
  const switchedWidth = await loadedWidth(switched);
  const current = (await page.locator('.poster-switch [aria-current=true]').innerText()).trim();
  check('switching the poster design shows the other poster', switchedSrc !== firstSrc && /design=\d/.test(switchedSrc)
    && switchedWidth > 0 && current === otherName, `${firstSrc} -> ${switchedSrc} (${switchedWidth} px), current ${current}`);
  await switched.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${out}/poster-switch.png` });

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

  // 5. Coming back to the landing page: my progress, not an empty form.
  await page.goto(`${base}/c/${slug}`, { waitUntil: 'load' });
  const welcome = page.locator('.returning .welcome');
  check('a returning visitor sees their progress instead of the form', (await welcome.count()) === 1 && (await welcome.innerText()).includes('欢迎回来'));
  await page.screenshot({ path: `${out}/returning.png` });

  // 6. A friend opens my link: my name on the banner; once they join, they are on my list.
  const code = new URL(link).searchParams.get('ref');
  const friendContext = await newPhone({ javaScriptEnabled: false });
  const friend = await friendContext.newPage();
  await friend.goto(`${base}/c/${slug}?ref=${code}`, { waitUntil: 'load' });
  const banner = friend.locator('.inviter');
  check('the inviter banner names who sent the link', (await banner.count()) === 1 && (await banner.innerText()).includes('邀请你一起参与'));
  await friend.screenshot({ path: `${out}/inviter.png` });
  const friendPhone = `137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  await friend.fill('#join input[name=phone]', friendPhone);
  await friend.check('#join input[name=consent]');
  await Promise.all([friend.waitForURL((u) => u.pathname === `/c/${slug}/me`, { timeout: 15000 }).catch(() => {}), friend.click('#join button[type=submit]')]);
  await page.goto(`${base}/c/${slug}/me`, { waitUntil: 'load' });
  const listed = page.locator('#invitees li');
  const row = (await listed.count()) ? await listed.first().innerText() : '';
  check('my invitee is listed, masked, with a state in plain words',
    row.includes(`${friendPhone.slice(0, 3)}****${friendPhone.slice(7)}`) && /待入群|待确认|已计入|未计入/.test(row) && !row.includes(friendPhone), row || 'no #invitees li');
  const bar = page.locator('section[aria-label=邀请进度] progress');
  check('progress to the next milestone shows as a bar with what is left', (await bar.count()) === 1 && /再邀请 \d+ 位好友即可获得/.test(await page.locator('.goal').first().innerText()));
  await page.locator('#invitees').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${out}/invitees.png` });

  // 7. The rules section says what the rules pay.
  const token = (readFileSync(`${out}/demo.log`, 'utf8').match(/Admin token:\s+(\S+)/) || [])[1];
  must('the demo printed an admin token', !!token);
  const api = async (method, path, body) => {
    const r = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    return { status: r.status, body: await r.json().catch(() => null) };
  };
  const demo = (await api('GET', `/api/v1/campaigns/${slug}`)).body;
  await page.goto(`${base}/c/${slug}?ch=rules`, { waitUntil: 'load' });
  const rulesText = await page.locator('#rules').innerText();
  const milestones = demo.rules.filter((r) => r.kind === 'milestone');
  check('the rules section names every milestone the rules pay', milestones.length > 0 && milestones.every((r) => rulesText.includes(String(r.invites))), rulesText.slice(0, 200));
  check('the rules section names the physical prizes', demo.rules.filter((r) => r.reward.name).every((r) => rulesText.includes(r.reward.name)));

  // 8. The copy button, with the clipboard API and without it (JavaScript on).
  const jsContext = await newPhone({ javaScriptEnabled: true, permissions: ['clipboard-read', 'clipboard-write'] });
  const js = await jsContext.newPage();
  const jsErrors = [];
  js.on('console', (m) => { if (m.type() === 'error') jsErrors.push(m.text()); });
  await js.goto(`${base}/c/${slug}`, { waitUntil: 'load' });
  await js.fill('#join input[name=phone]', `136${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`);
  await js.check('#join input[name=consent]');
  await Promise.all([js.waitForURL((u) => u.pathname === `/c/${slug}/me`, { timeout: 15000 }).catch(() => {}), js.click('#join button[type=submit]')]);
  const hint = js.locator('#invite-link-hint');
  await js.click('button[data-copy]');
  await js.waitForFunction(() => document.getElementById('invite-link-hint').textContent.includes('已复制'), null, { timeout: 3000 }).catch(() => {});
  const copied = await js.evaluate(() => navigator.clipboard.readText()).catch((e) => `error ${e}`);
  const jsLink = await js.inputValue('#invite-link');
  check('the copy button copies the invite link', copied === jsLink && (await hint.innerText()).includes('已复制'), `clipboard "${copied}", hint "${await hint.innerText()}"`);
  check('the page\'s one script is allowed by the CSP (no violation)', !jsErrors.some((e) => /Content Security Policy/.test(e)), jsErrors.join(' | '));
  await js.evaluate(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined, configurable: true }));
  await js.click('button[data-copy]');
  const selected = await js.evaluate(() => { const i = document.getElementById('invite-link'); return document.activeElement === i && i.selectionEnd - i.selectionStart === i.value.length; });
  check('without the clipboard API the link is selected with a long-press hint', selected && (await hint.innerText()).includes('长按复制'), `selected ${selected}, hint "${await hint.innerText()}"`);
  await js.screenshot({ path: `${out}/copy-fallback.png` });
  await js.click('a[href="#share"]');
  const guide = js.locator('#share');
  check('分享给好友 shows the guide to WeChat\'s menu', await guide.isVisible() && (await guide.innerText()).includes('点击右上角'));
  await js.screenshot({ path: `${out}/share.png` });

  // 9. A second theme: a brand colour, the poster layout, an end date.
  const ends = new Date(Date.now() + 3 * 86400e3 + 5 * 3600e3).toISOString();
  const hero = demo.poster.background_asset;
  const themed = await api('POST', '/api/v1/campaigns', { slug: 'berry-fest', title: '莓果季 · 邀友尝鲜', status: 'active', ends_at: ends,
    page: { hero: { headline: '莓果季，邀好友一起尝鲜', subtitle: '当季鲜果 · 冷链直达', incentive: '邀请3位好友参与，得10元无门槛券', badge: '新品上市', cta: '免费领尝鲜装', image_asset: hero },
      theme: { color: '#e8336d', layout: 'poster' }, rules_notes: ['每人限领一份尝鲜装'] },
    rules: [{ id: 'm3', kind: 'milestone', invites: 3, reward: { type: 'points', points: 100 } }] });
  must('the themed campaign is created', themed.status === 201, JSON.stringify(themed.body));
  const themedPage = await newPhone({ javaScriptEnabled: false }).then((c) => c.newPage());
  await themedPage.goto(`${base}/c/berry-fest`, { waitUntil: 'load' });
  const heroColour = (p) => p.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--h2').trim());
  const [teaColour, berryColour] = [await heroColour(page), await heroColour(themedPage)];
  check('two themes: the brand colour replaces the tea green', teaColour !== berryColour && berryColour.length === 7, `${teaColour} vs ${berryColour}`);
  const ratio = await themedPage.evaluate(() => {
    const lum = (hex) => { const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)); return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
    const v = (n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim();
    return Math.min(...['--h1', '--h2', '--h3', '--c1', '--c2'].map((n) => 1.05 / (lum(v(n)) + 0.05)));
  });
  check('white text on every themed fill keeps AA contrast (>= 4.5)', ratio >= 4.5, ratio.toFixed(2));
  for (const [what, selector] of [['phone input', '#join input[name=phone]'], ['submit button', '#join button[type=submit]']]) {
    const box = await themedPage.locator(selector).boundingBox();
    check(`the poster layout keeps the ${what} on the first screen`, within(box, SCREEN), fmt(box));
  }
  check('the themed page counts down to its end', (await themedPage.locator('.countdown').innerText()).includes('距活动结束还有'));
  await themedPage.screenshot({ path: `${out}/theme-berry.png` });
  await themedPage.screenshot({ path: `${out}/theme-berry-full.png`, fullPage: true });

  // 10. Remind me: a campaign that starts later takes a phone and texts it once it opens.
  const starts = new Date(Date.now() + 26 * 3600e3).toISOString();
  const later = await api('POST', '/api/v1/campaigns', { slug: 'autumn-tea', title: '秋茶预售', status: 'active', starts_at: starts,
    page: { hero: { headline: '秋茶预售，开抢提醒', incentive: '开售首日邀请好友，双倍积分' } } });
  must('the not-yet-open campaign is created', later.status === 201, JSON.stringify(later.body));
  const remindPage = await newPhone({ javaScriptEnabled: false }).then((c) => c.newPage());
  await remindPage.goto(`${base}/c/autumn-tea`, { waitUntil: 'load' });
  check('a not-yet-open campaign counts down to its start', (await remindPage.locator('.countdown').innerText()).includes('距活动开始还有'));
  const remindButton = await remindPage.locator('#remind button[type=submit]').boundingBox();
  check('the remind-me form is on the first screen', within(remindButton, SCREEN), fmt(remindButton));
  await remindPage.fill('#remind input[name=phone]', '1380013');
  await remindPage.check('#remind input[name=consent]');
  const [badRemind] = await Promise.all([remindPage.waitForNavigation(), remindPage.click('#remind button[type=submit]')]);
  const remindError = (await remindPage.locator('[role=alert]').first().innerText()).trim();
  check('a bad number is refused in Chinese, the box still ticked', badRemind.status() === 422 && !/[A-Za-z]/.test(remindError)
    && await remindPage.locator('#remind input[name=consent]').isChecked(), `${badRemind.status()} ${remindError}`);
  const remindPhone = `135${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  await remindPage.fill('#remind input[name=phone]', remindPhone);
  const [okRemind] = await Promise.all([remindPage.waitForNavigation(), remindPage.click('#remind button[type=submit]')]);
  check('remind me stores the phone and says so', okRemind.status() === 200 && (await remindPage.locator('.done').innerText()).includes('已预约'));
  await remindPage.screenshot({ path: `${out}/remind.png` });
  const opened = await api('PATCH', '/api/v1/campaigns/autumn-tea', { starts_at: new Date(Date.now() - 60e3).toISOString() });
  must('the campaign opens', opened.status === 200, JSON.stringify(opened.body));
  const reminded = () => readFileSync(`${out}/demo.log`, 'utf8').replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n').filter((l) => l.includes('campaign opening SMS') && l.includes(remindPhone.slice(-4))).length;
  for (let i = 0; i < 50 && reminded() === 0; i += 1) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 2500));
  check('once open, the reminder SMS goes out exactly once', reminded() === 1, `${reminded()} sends logged`);

  // 11. Fast 3G and a 4x slower CPU: the first screen with the form, measured. Three loads,
  // each in a fresh context with the cache off; the median is checked, because on a
  // shared two-core machine one load's paint can wait on the host (1.19-1.56 s seen in
  // one day, with the HTML received at 0.61 s every time).
  const loads = [];
  let slow;
  for (let n = 0; n < 3; n += 1) {
    const slowContext = await newPhone({ javaScriptEnabled: false });
    slow = await slowContext.newPage();
    const cdp = await slowContext.newCDPSession(slow);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    // Chrome DevTools' "Fast 3G" preset: 150 ms x 3.75 latency, 1.6 Mbps x 0.9 down, 750 kbps x 0.9 up.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 562.5, downloadThroughput: 180000, uploadThroughput: 84375 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    const slowResponse = await slow.goto(`${base}/c/${slug}?ch=fast3g`, { waitUntil: 'load' });
    const bytes = (await slowResponse.body()).length;
    // Headless Chromium may record the first paint a frame after `load`: wait for the entry
    // (its time is from the navigation's start, so waiting does not change it).
    for (let i = 0; i < 50; i += 1) {
      if (await slow.evaluate(() => performance.getEntriesByName('first-contentful-paint').length > 0)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const timing = await slow.evaluate(() => {
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      const nav = performance.getEntriesByType('navigation')[0];
      return { fcp: paint ? paint.startTime : null, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, responseEnd: nav.responseEnd };
    });
    const formBox = await slow.locator('#join button[type=submit]').boundingBox();
    console.log(`measure: Fast 3G (562.5 ms, 1.44 Mbps) + 4x CPU, load ${n + 1}: first contentful paint ${Math.round(timing.fcp)} ms, HTML received ${Math.round(timing.responseEnd)} ms, DOMContentLoaded ${Math.round(timing.dcl)} ms, load ${Math.round(timing.load)} ms; HTML+CSS ${bytes} bytes`);
    loads.push({ fcp: timing.fcp, formBox, bytes });
  }
  const fcps = loads.map((l) => l.fcp ?? Infinity).sort((a, b) => a - b);
  check('Fast 3G + 4x CPU: the first screen with the form paints in under 1.5 s (median of three loads)',
    fcps[1] < 1500 && loads.every((l) => within(l.formBox, SCREEN)), `FCP ${fcps.map(Math.round).join(' / ')} ms, form ${loads.map((l) => fmt(l.formBox)).join(', ')}`);
  check('HTML+CSS under 30 KB', loads.every((l) => l.bytes < 30 * 1024), loads.map((l) => `${l.bytes} bytes`).join(', '));
  await slow.screenshot({ path: `${out}/fast3g.png` });
} catch (e) {
  endedEarly(e);
} finally {
  checkNoRequestLeft(requests, origin);
  await browser.close();
}
finish();
