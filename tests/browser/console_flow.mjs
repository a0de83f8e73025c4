// A marketer sets up and launches a campaign in the console, in headless Chromium at
// 1280x800: sign in, create a campaign from the template, see the phone preview follow
// the unsaved form, require group joins and save, move the QR box in the poster designer
// (the server's preview changes), fail the launch checklist on the missing group, add a
// group, launch, and open the live page.
//
// Usage: node console_flow.mjs <base_url> <out_dir>
//   FISSION_CONSOLE_EMAIL / FISSION_CONSOLE_PASSWORD: a marketer's sign-in.
// Writes console-editor.png (1280x800), console-editor-375.png (375 px wide) and
// console-flow-*.png to out_dir; prints "browser: N passed, M failed" and exits 1 on any
// failure.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, checkNoRequestLeft, endedEarly, finish, launch, must, signIn } from './lib.mjs';

const [base, out] = process.argv.slice(2);
const email = process.env.FISSION_CONSOLE_EMAIL;
const password = process.env.FISSION_CONSOLE_PASSWORD;
if (!base || !out || !email || !password) {
  console.error('usage: FISSION_CONSOLE_EMAIL=.. FISSION_CONSOLE_PASSWORD=.. node console_flow.mjs <base_url> <out_dir>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const origin = new URL(base).origin;
const here = dirname(fileURLToPath(import.meta.url));
const GROUP_QR = join(here, '..', '..', 'static', 'demo', 'group-qr.png');
const slug = `flow-${Date.now().toString(36)}`;

/** Beijing time `datetime-local` text, days from now. */
function beijingInput(days) {
  const t = new Date(Date.now() + days * 86400e3 + 8 * 3600e3);
  return t.toISOString().slice(0, 16);
}

// The frame is sandboxed (its form cannot be sent), so its document is read from srcdoc.
const frameHtml = (page) => page.locator('#preview-frame').evaluate((f) => f.srcdoc || '');
const checklistItem = (page, id) => page.locator(`#checklist li[data-item="${id}"]`);

const browser = await launch();
const requests = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  const editor = `${base}/admin/campaigns/${slug}`;

  // 1. Sign in as the marketer.
  await signIn(page, base, { email, password });
  must('the marketer is signed in', !new URL(page.url()).pathname.startsWith('/admin/login'), page.url());

  // 2. A campaign from the ready template.
  await page.goto(`${base}/admin/campaigns`, { waitUntil: 'load' });
  const offer = page.locator('a[href="/admin/new-campaign"]').first();
  must('the campaign list offers a new campaign from the template', (await offer.count()) === 1);
  await Promise.all([page.waitForNavigation(), offer.click()]);
  const create = page.locator('form[action="/admin/new-campaign"]');
  must('the template form is there', (await create.count()) === 1);
  await create.locator('input[name=slug]').fill(slug);
  await create.locator('input[name=title]').fill('浏览器测试活动');
  await Promise.all([page.waitForNavigation(), create.locator('button[type=submit]').click()]);
  const opened = await page.goto(editor, { waitUntil: 'load' });
  must('the editor opens for the new campaign', opened && opened.status() === 200, `${opened && opened.status()} ${page.url()}`);
  check('the editor has every section', (await page.locator('#basics, #page, #theme, #poster, #qualification, #groups, #rules, #fraud').count()) === 8);
  check('the budget is shown in yuan', /^\d+\.\d{2}$/.test(await page.inputValue('input[name=budget]')), await page.inputValue('input[name=budget]'));

  // 3. The phone frame follows the unsaved form.
  await page.waitForFunction(() => { const f = document.getElementById('preview-frame'); return f && f.srcdoc && f.srcdoc.includes('preview-ribbon'); }, null, { timeout: 15000 }).catch(() => {});
  const headline = `未保存的标题${Date.now() % 1000}`;
  await page.fill('input[name=hero_headline]', headline);
  const followed = await page.waitForFunction((h) => { const f = document.getElementById('preview-frame'); return f && f.srcdoc.includes(h); }, headline, { timeout: 15000 }).then(() => true, () => false);
  check('the phone preview shows the unsaved headline', followed);
  check('the preview is marked 预览', (await frameHtml(page)).includes('预览'));
  const frameBox = await page.locator('#preview-frame').boundingBox();
  check('the phone frame is 375 px wide inside its bezel', frameBox && Math.round(frameBox.width) === 395, JSON.stringify(frameBox));
  check('the signed preview link has its QR code', (await page.locator('.ed-qr svg').count()) === 1);
  await page.screenshot({ path: `${out}/console-editor.png` });

  // 4. Require group joins; a bad amount first: the field's own Chinese error, typing kept.
  await page.check('input[name=require_group_join]');
  await page.fill('input[name=budget]', '12.345');
  await Promise.all([page.waitForNavigation(), page.click('.ed-actions button[type=submit]')]);
  const budgetError = (await page.locator('#e-budget').innerText().catch(() => '')).trim();
  check('a bad budget is refused beside the field, in Chinese', budgetError.length > 0 && !/[A-Za-z]/.test(budgetError), budgetError);
  check('what was typed is kept', (await page.inputValue('input[name=budget]')) === '12.345' && (await page.inputValue('input[name=hero_headline]')) === headline);
  await page.fill('input[name=budget]', '1000');
  await Promise.all([page.waitForNavigation(), page.click('.ed-actions button[type=submit]')]);
  check('the corrected form saves', new URL(page.url()).searchParams.get('saved') === '1', page.url());

  // 5. Move the QR box in the poster designer; the server-rendered preview changes.
  await page.goto(`${editor}/poster`, { waitUntil: 'load' });
  const box = page.locator('#qr-box');
  const preview = page.locator('img#poster-preview');
  if (check('the poster designer has the QR box and the preview', (await box.count()) === 1 && (await preview.count()) === 1)) {
    const before = await preview.getAttribute('src');
    const b = await box.boundingBox();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2 - 60, b.y + b.height / 2 - 80, { steps: 8 });
    await page.mouse.up();
    const changed = await page.waitForFunction((s) => { const i = document.querySelector('img#poster-preview'); return i && i.getAttribute('src') !== s && i.complete; }, before, { timeout: 15000 }).then(() => true, () => false);
    check('moving the QR box changes the server preview', changed);
    const save = page.locator('#poster-form button[type=submit]');
    if (await save.count()) await Promise.all([page.waitForNavigation().catch(() => {}), save.click()]);
    await page.screenshot({ path: `${out}/console-flow-poster.png` });
  }

  // 6. The checklist fails on the missing group and the launch button waits.
  await page.goto(editor, { waitUntil: 'load' });
  check('the checklist fails on the missing group', (await checklistItem(page, 'groups').getAttribute('class') || '').includes('ck-block'));
  check('上线 is disabled while a blocking item fails', await page.locator('#launch').isDisabled());
  await page.screenshot({ path: `${out}/console-flow-blocked.png` });

  // 7. Add a group on the groups page.
  await page.goto(`${editor}/groups`, { waitUntil: 'load' });
  const group = page.locator('form#group-new');
  if (check('the groups page has the new-group form', (await group.count()) === 1)) {
    await group.locator('input[name=name]').fill('浏览器测试1群');
    await group.locator('input[name=capacity]').fill('200');
    await group.locator('input[name=qr]').setInputFiles(GROUP_QR);
    const expires = group.locator('input[name=expires_at]');
    if (await expires.count()) await expires.fill(beijingInput(6));
    await Promise.all([page.waitForNavigation(), group.locator('button[type=submit]').click()]);
    await page.screenshot({ path: `${out}/console-flow-groups.png` });
  }

  // 8. The checklist passes; launch; the live page opens.
  await page.goto(editor, { waitUntil: 'load' });
  check('the groups item passes once a group is open', (await checklistItem(page, 'groups').getAttribute('class') || '').includes('ck-pass'));
  const launch = page.locator('#launch');
  must('上线 is enabled when nothing blocks', (await launch.count()) === 1 && !(await launch.isDisabled()));
  await Promise.all([page.waitForNavigation(), launch.click()]);
  check('the campaign is live', (await page.locator(".ed-meta .status-active").count()) === 1, page.url());
  const live = await context.newPage();
  const response = await live.goto(`${base}/c/${slug}`, { waitUntil: 'load' });
  check('the live page opens', response && response.status() === 200 && (await live.locator('#join').count()) === 1, `${response && response.status()}`);
  check('the live page has no preview ribbon', (await live.locator('.preview-ribbon').count()) === 0);

  // 9. The editor on a phone.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(editor, { waitUntil: 'load' });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check('the editor has no horizontal scrolling at 375 px', width <= 375, `scrollWidth ${width}`);
  await page.screenshot({ path: `${out}/console-editor-375.png`, fullPage: true });
} catch (e) {
  endedEarly(e, 'the flow ran to the end');
} finally {
  checkNoRequestLeft(requests, origin);
  await browser.close();
}
finish();
