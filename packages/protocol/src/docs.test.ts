import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import { FILE_MESSAGE_TYPES, FileMessageSchema } from './file-transfer.js';
import { CLIENT_MESSAGE_TYPES, ClientMessageSchema, SERVER_MESSAGE_TYPES, ServerMessageSchema } from './messages.js';

// Compiled to packages/protocol/dist/docs.test.js; the repository root is three levels up.
const DOC_PATH = fileURLToPath(new URL('../../../docs/protocol.md', import.meta.url));
const doc = readFileSync(DOC_PATH, 'utf8');

const CLIENT_SECTION = '## Client → server';
const SERVER_SECTION = '## Server → client';
const ERRORS_SECTION = '## Error codes';
const FILE_SECTION = '## File transfer (peer to peer)';

/** One `### \`type\`` heading and the ```json blocks beneath it. */
interface TypeEntry {
  heading: string;
  line: number;
  json: { text: string; line: number }[];
}

/** The lines of a `## ` section (up to the next `## ` heading), outside fenced blocks. */
function sectionLines(title: string): { text: string; line: number }[] {
  const lines = doc.split(/\r?\n/);
  const out: { text: string; line: number }[] = [];
  let inside = false;
  let fenced = false;
  let found = 0;
  lines.forEach((text, i) => {
    if (/^(```|~~~)/.test(text)) fenced = !fenced;
    if (!fenced && /^## /.test(text)) {
      inside = text.trim() === title;
      if (inside) found++;
      return;
    }
    if (inside) out.push({ text, line: i + 1 });
  });
  assert.equal(found, 1, `docs/protocol.md must have exactly one "${title}" section`);
  return out;
}

/** Parses the `### ` headings of a section and the ```json blocks under each. */
function typeEntries(title: string): TypeEntry[] {
  const entries: TypeEntry[] = [];
  let current: TypeEntry | null = null;
  let block: { lang: string; lines: string[]; line: number } | null = null;
  for (const { text, line } of sectionLines(title)) {
    if (block) {
      if (/^```\s*$/.test(text)) {
        if (block.lang === 'json') {
          assert.ok(current, `${title}: json block at line ${block.line} is not under a "### \`type\`" heading`);
          current.json.push({ text: block.lines.join('\n'), line: block.line });
        }
        block = null;
      } else {
        block.lines.push(text);
      }
      continue;
    }
    const fence = /^```\s*([\w-]*)\s*$/.exec(text);
    if (fence) {
      block = { lang: fence[1] ?? '', lines: [], line };
      continue;
    }
    if (/^### /.test(text)) {
      const m = /^### `([^`]+)`\s*$/.exec(text);
      assert.ok(m?.[1], `${title}: heading at line ${line} must have the form "### \`type\`", got ${JSON.stringify(text)}`);
      current = { heading: m[1], line, json: [] };
      entries.push(current);
    }
  }
  assert.equal(block, null, `${title}: unterminated fenced block`);
  return entries;
}

function checkSection(title: string, types: readonly string[], schema: z.ZodType): void {
  const entries = typeEntries(title);
  const headings = entries.map((e) => e.heading);

  for (const type of types) {
    assert.ok(headings.includes(type), `${title}: no "### \`${type}\`" heading`);
  }
  for (const e of entries) {
    assert.ok(types.includes(e.heading), `${title}: heading "${e.heading}" (line ${e.line}) is not a message type in this direction`);
    assert.equal(
      headings.filter((h) => h === e.heading).length,
      1,
      `${title}: "${e.heading}" is documented more than once`,
    );
    assert.ok(e.json.length > 0, `${title}: "${e.heading}" (line ${e.line}) has no \`\`\`json example`);
    for (const block of e.json) {
      let value: unknown;
      try {
        value = JSON.parse(block.text);
      } catch (err) {
        assert.fail(`${title}: "${e.heading}" example at line ${block.line} is not valid JSON: ${(err as Error).message}`);
      }
      const parsed = schema.safeParse(value);
      assert.ok(
        parsed.success,
        `${title}: "${e.heading}" example at line ${block.line} does not match the schema: ${parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
      assert.equal(
        (value as { type?: unknown }).type,
        e.heading,
        `${title}: example at line ${block.line} has a type other than its heading "${e.heading}"`,
      );
    }
  }
}

test('every client message type is documented with valid examples', () => {
  checkSection(CLIENT_SECTION, CLIENT_MESSAGE_TYPES, ClientMessageSchema);
});

test('every server message type is documented with valid examples', () => {
  checkSection(SERVER_SECTION, SERVER_MESSAGE_TYPES, ServerMessageSchema);
});

test('every file-transfer message type is documented with valid examples', () => {
  checkSection(FILE_SECTION, FILE_MESSAGE_TYPES, FileMessageSchema);
});

test('every error code is documented in the error code table', () => {
  const rows = sectionLines(ERRORS_SECTION).map((l) => l.text);
  for (const code of ERROR_CODES) {
    assert.ok(doc.includes(code), `docs/protocol.md does not mention ${code}`);
    assert.ok(
      rows.some((row) => row.startsWith(`| \`${code}\` |`)),
      `${ERRORS_SECTION}: no table row for \`${code}\``,
    );
  }
});
