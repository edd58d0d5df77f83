import { describe, expect, it } from 'vitest';
import { cy } from './cy';
import serverLabels from './server-labels.json';
import { consoleSources, extractAll, extractMessages, placeholders } from './extract';

describe('extractMessages', () => {
  it('finds literal t() arguments, label: lists and label maps', () => {
    const src = [
      "t('Single') + t(\"Double\", { n }) + t(`Template`) + t(`No ${'interpolation'}`) + t(x) + at('Not t')",
      "t(\n  'Multi-line {n}',\n  { n: 1 },\n) + t('It\\'s escaped')",
      "const cols = [{ id: 'a', label: 'Column A' }]; cols.map((c) => t(c.label));",
      "const labels: Record<string, string> = { a: 'Field A', 'b': \"Field B\" }; t(labels[f] ?? f);",
    ].join('\n');
    expect(extractMessages(src)).toEqual([
      'Single', 'Double', 'Template', 'Multi-line {n}', "It's escaped", 'Column A', 'Field A', 'Field B',
    ]);
  });
  it('ignores label: strings in files that do not translate them indirectly', () => {
    expect(extractMessages("const x = { label: 'Not a message' }; t('Yes');")).toEqual(['Yes']);
  });
});

describe('Welsh catalogue', () => {
  const messages = extractAll(consoleSources());

  it('finds the console messages', () => {
    const texts = messages.map((m) => m.text);
    // One of each kind: a t() call, a Users columns label, an Imports actions label, a fields.ts label.
    expect(texts).toEqual(expect.arrayContaining(['Sign in', 'Display name', 'All rows', 'Mailbox size (MB)']));
  });

  it('translates every string passed to t()', () => {
    const missing = messages.filter((m) => !Object.hasOwn(cy, m.text)).map((m) => `${JSON.stringify(m.text)} (${m.files.join(', ')})`);
    expect(missing, `missing from src/lib/messages/cy.ts:\n${missing.join('\n')}\n`).toEqual([]);
  });

  it('keeps the placeholders of every key', () => {
    const wrong = Object.entries(cy)
      .filter(([en, tr]) => placeholders(en).join() !== placeholders(tr).join())
      .map(([en, tr]) => `${JSON.stringify(en)} → ${JSON.stringify(tr)}`);
    expect(wrong, `placeholders differ:\n${wrong.join('\n')}\n`).toEqual([]);
  });

  it('has no empty translations', () => {
    expect(Object.entries(cy).filter(([, tr]) => !tr.trim())).toEqual([]);
  });
});

describe('server labels', () => {
  // The audit formatter's fixed words (app/core/auditview.go; a Go test keeps the list current).
  it('have Welsh text', () => {
    const missing = (serverLabels as string[]).filter((l) => !Object.hasOwn(cy, l));
    expect(missing, `server labels missing from cy.ts:\n${missing.join('\n')}\n`).toEqual([]);
  });
});
