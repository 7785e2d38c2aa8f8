// A forgotten password: "Forgot your password?" on the sign-in page, the
// link arrives by mail (a real SMTP server, Mailpit), the new password is
// set on the page the link opens, the old session and password end, and
// the new one signs in; the link works once.
import { envMailpitAPI, envMailpitSMTP, mailTo, missingMailpit } from './mailpit';
import { expect, failed, test } from './fixtures';

test.describe.configure({ mode: 'serial' });

test('reset a forgotten password through the mailed link', async ({ page, shot, guard, newAccount, adminClient, browser, baseURL }) => {
  test.skip(!process.env[envMailpitAPI] && process.env.CI !== 'true', missingMailpit);
  await adminClient.json('PATCH', '/api/admin/settings', {
    mail: { from: 'berth-e2e@example.com', smtp_host: '127.0.0.1', smtp_port: Number(process.env[envMailpitSMTP]), smtp_security: 'none' },
  });
  try {
    const who = await newAccount('forgetful', 'Fay Forgetful');
    // A browser signed in with the old password: it is signed out by the reset.
    const other = await browser.newContext({ baseURL });
    const otherPage = await other.newPage();
    await otherPage.request.post('/server/login', { data: { email: who.email, password: who.password } });

    await page.goto('/signin');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(who.email);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await expect(page.getByText('a link to choose a new password is on its way')).toBeVisible();
    await shot('62-forgot-password');

    const mail = await mailTo(who.email);
    expect(mail.subject).toBe('Choose a new berth password');
    const link = /https?:\/\/\S+\/reset-password\?token=\S+/.exec(mail.text)?.[0];
    expect(link, `a link in ${mail.text}`).toBeTruthy();
    expect(new URL(link!).origin).toBe(new URL(baseURL!).origin);

    await page.goto(link!);
    await expect(page).toHaveURL(/\/reset-password$/); // the token leaves the address
    const fresh = 'a fresh passphrase from the mail';
    await page.getByLabel('New password', { exact: true }).fill(fresh);
    await page.getByLabel('New password, again').fill(fresh);
    await shot('63-reset-password');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await expect(page.getByText('every session, login and keypair of your account has ended')).toBeVisible();

    // The other browser's session has ended; the old password is refused, the new one works.
    expect((await otherPage.request.get('/api/users/me')).status()).toBe(401);
    await other.close();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await guard.expecting([failed(401, '/server/login')], async () => {
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert')).toContainText('Not signed in.');
    });
    await page.getByLabel('Password').fill(fresh);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/functions$/);

    // Once only: the same link now offers a new one.
    const again = await browser.newContext({ baseURL });
    const p2 = await again.newPage();
    await p2.goto(link!);
    await p2.getByLabel('New password', { exact: true }).fill('yet another long passphrase');
    await p2.getByLabel('New password, again').fill('yet another long passphrase');
    await p2.getByRole('button', { name: 'Set the new password' }).click();
    await expect(p2.getByRole('alert')).toContainText('invalid, used or expired');
    await expect(p2.getByRole('link', { name: 'Ask for a new link' })).toBeVisible();
    await again.close();
  } finally {
    await adminClient.json('PATCH', '/api/admin/settings', { mail: { smtp_host: '', from: '' } });
  }
});
