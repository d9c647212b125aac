import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Page } from 'playwright-core';
import { expectMediaFlowing, launchBrowser, startTestServer, waitFor, type TestBrowser } from '@lectern/testing';

let browser: TestBrowser;
let dataDir: string;

before(async () => {
  browser = await launchBrowser();
  dataDir = await mkdtemp(join(tmpdir(), 'lectern-e2e-classroom-'));
});
after(async () => {
  await browser?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * Opens a link, waits for the pre-join screen, enters a name and presses Join. With a null
 * name, the link's token names us: the field must already show `expectName`.
 */
async function openAndJoin(page: Page, link: string, name: string | null, expectName?: string): Promise<void> {
  await page.goto(link);
  if (name !== null) await page.getByLabel('Your name').fill(name);
  if (expectName !== undefined) assert.equal(await page.getByLabel('Your name').inputValue(), expectName);
  const join = page.getByRole('button', { name: 'Join session' });
  await waitFor(() => join.isEnabled(), { what: 'the Join button to be enabled' });
  await join.click();
}

function alertText(page: Page): Promise<string> {
  return page.getByRole('alert').first().innerText();
}

test('a class room made on the home page survives a restart: the student link asks for the password and waits in the lobby, the host link makes a host', async () => {
  let server = await startTestServer({ dataDir });
  const port = server.server.port;
  const teacherSetup = await browser.newPage();
  let studentLink: string;
  let hostLink: string;
  try {
    await teacherSetup.goto(server.url);
    await teacherSetup.getByLabel('Class room name', { exact: true }).fill('Physics 101');
    await teacherSetup.getByLabel('Class room password (optional)', { exact: true }).fill('newton');
    await teacherSetup.getByLabel('Maximum size (optional)', { exact: true }).fill('4');
    assert.equal(await teacherSetup.getByLabel(/wait in the lobby/).isChecked(), true, 'the lobby is on by default');
    const create = teacherSetup.getByRole('button', { name: 'Create class room' });
    await waitFor(() => create.isEnabled(), { what: 'the Create button to be enabled' });
    await create.click();
    await teacherSetup.getByTestId('class-room-created').waitFor({ timeout: 20_000 });
    studentLink = await teacherSetup.getByLabel('Student link').inputValue();
    hostLink = await teacherSetup.getByLabel(/^Host link/).inputValue();
    assert.match(studentLink, /^http:\/\/127\.0\.0\.1:\d+\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    assert.ok(hostLink.startsWith(`${studentLink}#host=`), hostLink);
  } finally {
    await teacherSetup.context().close();
    await server.close();
  }

  // A restart on the same port with the same data directory (the SQLite file).
  server = await startTestServer({ dataDir, port });
  const [student, teacher] = await Promise.all([browser.newPage(), browser.newPage()]);
  try {
    await openAndJoin(student, studentLink, 'Student');
    await waitFor(async () => /needs a password/.test(await alertText(student)), { what: 'the student is asked for the password' });
    const password = student.getByLabel('Session password', { exact: true });
    await password.fill('einstein');
    await student.getByRole('button', { name: 'Join session' }).click();
    await waitFor(async () => /password is not right/.test(await alertText(student)), { what: 'the wrong password is refused in plain words' });
    await password.fill('newton');
    await student.getByRole('button', { name: 'Join session' }).click();
    await student.getByTestId('waiting-screen').waitFor({ timeout: 20_000 });

    // The host link needs no password and skips the lobby; the host lets the student in.
    await openAndJoin(teacher, hostLink, 'Teacher');
    await teacher.getByRole('button', { name: 'Leave session' }).waitFor({ timeout: 20_000 });
    await teacher.getByRole('button', { name: 'Admit Student' }).click();
    await student.getByRole('button', { name: 'Leave session' }).waitFor({ timeout: 20_000 });
    const roles = async (page: Page) =>
      page.evaluate(() => (window.lectern!.room as unknown as { localParticipant: { role: string } }).localParticipant.role);
    assert.equal(await roles(teacher), 'host', 'the host link made a host, with no password asked');
    assert.equal(await roles(student), 'participant');
    await expectMediaFlowing(student, ['Teacher']);
    await expectMediaFlowing(teacher, ['Student']);
  } finally {
    await Promise.all([student.context().close(), teacher.context().close()]);
    await server.close();
  }
});

test('an LMS link with a join token: the name is filled in from the token, a host token makes a host, a bad one is refused in words', async () => {
  const secret = 'an-e2e-secret-that-is-long-enough-0123456789';
  const server = await startTestServer({ jwtSecret: secret, jwtAudience: 'lectern-e2e' });
  const mint = (claims: Record<string, unknown>, exp = '10m') =>
    new SignJWT({ room: 'kmp-rtzw-bqd', ...claims }).setProtectedHeader({ alg: 'HS256' }).setAudience('lectern-e2e').setExpirationTime(exp).sign(new TextEncoder().encode(secret));
  const [teacher, student, late] = await Promise.all([browser.newPage(), browser.newPage(), browser.newPage()]);
  try {
    const link = (token: string) => `${server.url}kmp-rtzw-bqd#token=${token}`;
    await openAndJoin(teacher, link(await mint({ name: 'Prof. Token', role: 'host' })), null, 'Prof. Token');
    await teacher.getByRole('button', { name: 'Leave session' }).waitFor({ timeout: 20_000 });
    await openAndJoin(student, link(await mint({ name: 'Student Token' })), null);
    await student.getByRole('button', { name: 'Leave session' }).waitFor({ timeout: 20_000 });
    const role = (page: Page) => page.evaluate(() => (window.lectern!.room as unknown as { localParticipant: { role: string } }).localParticipant.role);
    assert.equal(await role(teacher), 'host');
    assert.equal(await role(student), 'participant');
    await expectMediaFlowing(student, ['Prof. Token']);
    await openAndJoin(late, link(await mint({ name: 'Late' }, '-5m')), null);
    await waitFor(async () => /link has expired/.test(await alertText(late)), { what: 'an expired token is refused in plain words' });
  } finally {
    await Promise.all([teacher.context().close(), student.context().close(), late.context().close()]);
    await server.close();
  }
});
