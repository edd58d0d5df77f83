// Message extractor: finds every English string the console passes to t(), so that the
// catalogues (cy.ts) can be checked for gaps. It reads the sources as text and recognises:
//   - t('…'), t("…") and t(`…`) (a template literal without ${…}), with or without params;
//   - tn('…', '…', n, …): the singular and the plural form;
//   - `label: '…'` literals in a file that calls t(x.label) (e.g. columns in Users.svelte,
//     actions in Imports.svelte);
//   - the string values of a `const NAME = { … }` map in a file that calls t(NAME[…])
//     (e.g. the field labels in fields.ts).
//
// Run it from frontend/ to print every message, with the files that use it, as JSON:
//   npx vite-node src/lib/messages/extract.ts -- --messages
// or only the strings that cy.ts lacks:
//   npx vite-node src/lib/messages/extract.ts -- --missing-cy
// (cy.test.ts runs the same check under `npx vitest run`.)

export interface Message {
  text: string;
  files: string[];
}

const quotes = new Set(["'", '"', '`']);

/** readString reads a string literal that starts at src[i] (a quote); null if it is not a plain literal. */
function readString(src: string, i: number): { text: string; end: number } | null {
  const q = src[i];
  if (!quotes.has(q)) return null;
  let out = '';
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j];
    if (c === q) return { text: out, end: j + 1 };
    if (c === '\n' && q !== '`') return null;
    if (q === '`' && c === '$' && src[j + 1] === '{') return null; // interpolated: not a fixed message
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = src[++j];
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '0': out += '\0'; break;
      case '\n': break; // line continuation
      case 'u': {
        const m = /^\{([0-9a-fA-F]+)\}|^([0-9a-fA-F]{4})/.exec(src.slice(j + 1));
        if (!m) return null;
        out += String.fromCodePoint(parseInt(m[1] ?? m[2], 16));
        j += m[0].length;
        break;
      }
      case 'x': {
        out += String.fromCharCode(parseInt(src.slice(j + 1, j + 3), 16));
        j += 2;
        break;
      }
      default: out += n;
    }
  }
  return null;
}

function skipSpace(src: string, i: number): number {
  while (i < src.length && /\s/.test(src[i])) i++;
  return i;
}

/** extractMessages returns the messages of one source file, in order of appearance. */
export function extractMessages(src: string): string[] {
  const found: string[] = [];
  const call = /(?<![\w$.])t\(/g;
  const indirectLabel = /(?<![\w$.])t\(\s*[A-Za-z_$][\w$]*\.label\s*\)/.test(src);
  const maps = new Set<string>();
  for (const m of src.matchAll(/(?<![\w$.])t\(\s*([A-Za-z_$][\w$]*)\s*\[/g)) maps.add(m[1]);

  // tn('one', 'other', n, …): both forms.
  for (const m of src.matchAll(/(?<![\w$.])tn\(/g)) {
    const one = readString(src, skipSpace(src, m.index + m[0].length));
    if (!one || src[skipSpace(src, one.end)] !== ',') continue;
    const other = readString(src, skipSpace(src, skipSpace(src, one.end) + 1));
    if (other && src[skipSpace(src, other.end)] === ',') found.push(one.text, other.text);
  }
  for (const m of src.matchAll(call)) {
    const i = skipSpace(src, m.index + m[0].length);
    const s = readString(src, i);
    if (!s) continue;
    const after = src[skipSpace(src, s.end)];
    if (after === ',' || after === ')') found.push(s.text);
  }
  if (indirectLabel) {
    for (const m of src.matchAll(/(?<![\w$])label\s*:\s*(?=['"`])/g)) {
      const s = readString(src, m.index + m[0].length);
      if (s) found.push(s.text);
    }
  }
  for (const name of maps) {
    const decl = new RegExp(`(?:const|let|var)\\s+${name.replace(/\$/g, '\\$')}\\b[^=]*=\\s*\\{`).exec(src);
    if (!decl) continue;
    const body = objectBody(src, decl.index + decl[0].length - 1);
    for (const v of body.matchAll(/(?:^|[,{\s])(?:[\w$]+|'[^']*'|"[^"]*")\s*:\s*(?=['"`])/g)) {
      const s = readString(body, v.index + v[0].length);
      if (s) found.push(s.text);
    }
  }
  return found;
}

/** objectBody returns the text of the {…} block opening at src[open], skipping strings. */
function objectBody(src: string, open: number): string {
  let depth = 0;
  for (let j = open; j < src.length; j++) {
    const c = src[j];
    if (quotes.has(c)) {
      const s = readString(src, j);
      if (s) j = s.end - 1;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return src.slice(open, j + 1);
  }
  return src.slice(open);
}

/** extractAll merges the messages of many files (path → source), sorted by first file then text order. */
export function extractAll(sources: Record<string, string>): Message[] {
  const byText = new Map<string, Message>();
  for (const file of Object.keys(sources).sort()) {
    for (const text of extractMessages(sources[file])) {
      const m = byText.get(text);
      if (!m) byText.set(text, { text, files: [file] });
      else if (!m.files.includes(file)) m.files.push(file);
    }
  }
  return [...byText.values()];
}

/** consoleSources loads every .svelte and .ts file under src/ (except tests and the catalogues). */
export function consoleSources(): Record<string, string> {
  const files = import.meta.glob(['/src/**/*.svelte', '/src/**/*.ts', '!/src/**/*.test.ts', '!/src/lib/messages/**'], {
    query: '?raw',
    import: 'default',
    eager: true,
  }) as Record<string, string>;
  return files;
}

/** placeholders lists the distinct {name} placeholders of a message, sorted. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();
}

// Command line (vite-node passes the arguments after `--`): print the messages as JSON.
const argv: string[] = (globalThis as { process?: { argv?: string[] } }).process?.argv ?? [];
if (argv.includes('--messages') || argv.includes('--missing-cy')) {
  const all = extractAll(consoleSources());
  if (argv.includes('--missing-cy')) {
    const { cy } = await import('./cy');
    console.log(JSON.stringify(all.filter((m) => !(m.text in cy)), null, 2));
  } else {
    console.log(JSON.stringify(all, null, 2));
  }
}
