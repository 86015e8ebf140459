/**
 * The repository stands alone (issue 7 item 16): every document the README,
 * the docs and the code cite is in docs/, every cited `CONTRACTS.md §N` and
 * quoted heading exists there, and nothing points outside the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SOURCE_DIRS = [
  'docs',
  'api',
  'controller',
  'device-drivers',
  'config',
  'simulators',
  'bin',
  'bench',
  'test',
];
const SOURCE_EXT = /\.(ts|js|json|md|py|ya?ml|csv)$/;
const CITED = ['CONTRACTS.md', 'HARDWARE.md', 'ARCHITECTURE.md'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : SOURCE_EXT.test(e.name) ? [join(dir, e.name)] : [],
  );
}

const sources = ['README.md', ...SOURCE_DIRS.flatMap(files)].map((path) => ({
  path,
  text: readFileSync(path, 'utf8'),
}));

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** Headings of a markdown file, as written (without the leading #s). */
function headings(doc: string): string[] {
  const text = readFileSync(join('docs', doc), 'utf8');
  return [...text.matchAll(/^#{1,6} +(.+)$/gm)].map((m) => m[1].trim());
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces → '-'. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

describe('documentation citations', () => {
  it('cite nothing outside the repository', () => {
    // spelled in pieces so that this file does not match itself in a `git grep`
    const pieces = [
      ['\\.\\.', 'shared'],
      ['shared', 'docs'],
      ['', 'work', ''],
    ];
    const outside = new RegExp(pieces.map((p) => p.join('/')).join('|'));
    const hits = sources.flatMap((s) =>
      s.text
        .split('\n')
        .flatMap((line, i) => (outside.test(line) ? [`${s.path}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });

  it('name docs/ files that exist', () => {
    const missing: string[] = [];
    for (const s of sources) {
      for (const m of s.text.matchAll(/\bdocs\/([\w.-]+\.md)\b/g))
        if (!existsSync(join('docs', m[1])))
          missing.push(`${s.path}:${lineOf(s.text, m.index)} ${m[0]}`);
      for (const m of s.text.matchAll(/\b(CONTRACTS|HARDWARE|ARCHITECTURE)\.md\b/g))
        if (!existsSync(join('docs', `${m[1]}.md`)))
          missing.push(`${s.path}:${lineOf(s.text, m.index)} ${m[0]}`);
    }
    expect(missing).toEqual([]);
  });

  it('cite CONTRACTS.md sections that exist', () => {
    const sections = new Set(
      headings('CONTRACTS.md').flatMap((h) =>
        /^§(\d+)\b/.exec(h) ? [/^§(\d+)/.exec(h)?.[1]] : [],
      ),
    );
    expect([...sections].sort()).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    const missing: string[] = [];
    for (const s of sources) {
      for (const m of s.text.matchAll(/CONTRACTS(?:\.md)? *((?:§\d+\/?)+|section \d+)/g)) {
        for (const n of m[1].match(/\d+/g) ?? [])
          if (!sections.has(n)) missing.push(`${s.path}:${lineOf(s.text, m.index)} ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('quote headings that exist in the cited file', () => {
    const missing: string[] = [];
    for (const s of sources) {
      const cites = s.text.matchAll(
        /\b(CONTRACTS|HARDWARE|ARCHITECTURE)\.md(?: §\d+)? "([^"\n]+)"/g,
      );
      for (const m of cites) {
        const quoted = m[2].toLowerCase();
        if (!headings(`${m[1]}.md`).some((h) => h.toLowerCase().startsWith(quoted)))
          missing.push(`${s.path}:${lineOf(s.text, m.index)} ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('link to files and anchors that exist, from README and docs/', () => {
    const broken: string[] = [];
    for (const s of sources.filter((x) => x.path.endsWith('.md'))) {
      const base = s.path === 'README.md' ? '.' : 'docs';
      for (const m of s.text.matchAll(/\]\(([^)\s#]+\.md)(?:#([^)\s]+))?\)/g)) {
        const target = join(base, m[1]);
        if (!existsSync(target)) broken.push(`${s.path}: ${m[0]}`);
        else if (m[2] && target.startsWith('docs/')) {
          const anchors = headings(target.slice('docs/'.length)).map(slug);
          if (!anchors.includes(m[2])) broken.push(`${s.path}: ${m[0]}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('are listed in the README', () => {
    const readme = sources[0].text;
    const listed = readdirSync('docs')
      .filter((f) => f.endsWith('.md'))
      .filter((f) => !readme.includes(`](docs/${f})`));
    expect(listed).toEqual([]);
    expect(CITED.every((f) => existsSync(join('docs', f)))).toBe(true);
  });
});
