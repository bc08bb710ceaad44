import { defineBrand, type Brand } from '../team/brand.js';
import { TeamDefinitionError } from '../team/team-definition-error.js';
import { FieldReader } from './_fields.js';
import { parseFrontmatter, writeFrontmatter } from './_frontmatter.js';
import { FormatError } from './format-error.js';
import type { TeamFile } from './team-file.js';

/** Frontmatter fields of `brand/brand.md`; its body is the audience description. */
export const BRAND_FRONTMATTER_FIELDS = ['name', 'products', 'banned-terms', 'required-disclaimers', 'palette', 'website'] as const;

/** Where each brand document lives in a team folder. */
export const BRAND_FILES = {
  brand: 'brand/brand.md',
  voiceGuide: 'brand/voice-guide.md',
  styleGuide: 'brand/style-guide.md',
  strategy: 'brand/strategy.md',
  documents: 'brand/documents',
} as const;

const FIELD_KEYS: Record<string, string> = {
  name: 'name',
  products: 'products',
  bannedTerms: 'banned-terms',
  requiredDisclaimers: 'required-disclaimers',
  palette: 'palette',
  website: 'website',
};

/**
 * Reads a brand from its folder: `brand/brand.md` (frontmatter: name, products, banned-terms,
 * required-disclaimers, palette, website; body: the audience), `brand/voice-guide.md`,
 * `brand/style-guide.md`, `brand/strategy.md` and optional `brand/documents/<name>.md`.
 * Returns undefined when the folder has no `brand/brand.md`.
 */
export function parseBrandFiles(files: readonly TeamFile[]): Brand | undefined {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const main = byPath.get(BRAND_FILES.brand);
  if (!main) return undefined;
  const fm = parseFrontmatter(main.path, main.content);
  const read: FieldReader = new FieldReader(main.path, fm);
  read.onlyKeys(BRAND_FRONTMATTER_FIELDS);
  const documentFile = (key: 'voiceGuide' | 'styleGuide' | 'strategy'): TeamFile => {
    const file = byPath.get(BRAND_FILES[key]);
    if (!file) throw new FormatError(BRAND_FILES[key], 1, `missing brand file ${BRAND_FILES[key]}`);
    return file;
  };
  const voice = documentFile('voiceGuide');
  const style = documentFile('styleGuide');
  const strategy = documentFile('strategy');
  const documents = files
    .filter((file) => file.path.startsWith(`${BRAND_FILES.documents}/`))
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((file) => {
      const name = file.path.slice(BRAND_FILES.documents.length + 1).replace(/\.md$/, '');
      if (!file.path.endsWith('.md') || name.includes('/')) {
        throw new FormatError(file.path, 1, 'brand documents must be Markdown files directly inside brand/documents/');
      }
      return { name, content: file.content };
    });
  const data = fm.data;
  try {
    return defineBrand({
      name: data.name as string,
      voiceGuide: voice.content,
      styleGuide: style.content,
      strategy: strategy.content,
      audience: fm.body,
      products: data.products as never,
      ...(data['banned-terms'] !== undefined ? { bannedTerms: data['banned-terms'] as string[] } : {}),
      ...(data['required-disclaimers'] !== undefined ? { requiredDisclaimers: data['required-disclaimers'] as string[] } : {}),
      ...(data.palette !== undefined ? { palette: data.palette as string[] } : {}),
      ...(data.website !== undefined ? { website: data.website as string } : {}),
      documents,
    });
  } catch (error) {
    if (!(error instanceof TeamDefinitionError)) throw error;
    const issue = error.issues[0]!;
    const [head, ...rest] = issue.path.split(/\.|\[|\]\.?/).filter(Boolean);
    const message = `${issue.path}: ${issue.message}${error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : ''}`;
    if (head === 'voiceGuide') throw new FormatError(voice.path, 1, message);
    if (head === 'styleGuide') throw new FormatError(style.path, 1, message);
    if (head === 'strategy') throw new FormatError(strategy.path, 1, message);
    if (head === 'audience') throw new FormatError(main.path, 1, `${message} (the audience is the body of brand.md)`);
    if (head === 'documents') {
      const doc = documents[Number(rest[0])];
      throw new FormatError(doc ? `${BRAND_FILES.documents}/${doc.name}.md` : main.path, 1, message);
    }
    const key = FIELD_KEYS[head ?? ''] ?? head ?? '';
    const keys: (string | number)[] = [key, ...rest.map((part) => (/^\d+$/.test(part) ? Number(part) : part))];
    throw new FormatError(main.path, fm.lineOf(keys), message);
  }
}

/** Writes a brand as the files `parseBrandFiles` reads. */
export function brandToFiles(brand: Brand): TeamFile[] {
  return [
    {
      path: BRAND_FILES.brand,
      content: writeFrontmatter(
        {
          name: brand.name,
          products: brand.products.map((product) => ({ name: product.name, description: product.description })),
          'banned-terms': [...brand.bannedTerms],
          'required-disclaimers': [...brand.requiredDisclaimers],
          palette: [...brand.palette],
          website: brand.website,
        },
        brand.audience,
      ),
    },
    { path: BRAND_FILES.voiceGuide, content: `${brand.voiceGuide}\n` },
    { path: BRAND_FILES.styleGuide, content: `${brand.styleGuide}\n` },
    { path: BRAND_FILES.strategy, content: `${brand.strategy}\n` },
    ...brand.documents.map((doc) => ({ path: `${BRAND_FILES.documents}/${doc.name}.md`, content: `${doc.content}\n` })),
  ];
}
