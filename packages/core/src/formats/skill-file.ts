import { DeliverableKindSchema } from '../protocol/deliverables.js';
import { ReferenceNameSchema, defineSkill, type Skill } from '../team/skill.js';
import { TeamDefinitionError } from '../team/team-definition-error.js';
import { FieldReader } from './_fields.js';
import { parseFrontmatter, writeFrontmatter } from './_frontmatter.js';
import { FormatError } from './format-error.js';
import type { TeamFile } from './team-file.js';

/** Frontmatter fields a SKILL.md may carry (the Agent Skills specification). */
export const SKILL_FRONTMATTER_FIELDS = ['name', 'description', 'license', 'compatibility', 'metadata', 'allowed-tools'] as const;

/** `metadata` key that carries a skill's deliverable kind. */
export const DELIVERABLE_METADATA_KEY = 'deliverable';
/** Prefix of the `metadata` keys that carry the hash each reference was analysed at. */
export const REFERENCE_HASH_METADATA_PREFIX = 'reference-sha256-';
/** Marks where the reference analysis report starts in a SKILL.md body. */
export const REFERENCE_ANALYSIS_MARKER = '<!-- marketing-team:reference-analysis -->';

const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Parses one SKILL.md into a skill.
 *
 * How marketing-team data lives in the Agent Skills format:
 * - `metadata.deliverable` (required) is the deliverable kind the skill outputs, e.g.
 *   `metadata: { deliverable: social-posts }`;
 * - each file in the skill's `references/` folder is a reference template, and
 *   `metadata.reference-sha256-<file>` holds the SHA-256 of the version that was analysed
 *   (a different file content makes the skill stale);
 * - the body is the instructions; the reference analysis report follows the
 *   `<!-- marketing-team:reference-analysis -->` marker, so Claude Code reads it too;
 * - a skill's zod `inputSchema` has no file form and is not carried.
 *
 * Fails with `FormatError` (file and line) for everything Claude Code would silently drop or
 * reject: missing or unclosed frontmatter, tabs, invalid YAML, unknown fields, a bad or
 * mismatched name, a description over 1024 characters or with XML tags.
 */
export function parseSkillFile(file: TeamFile, references: readonly TeamFile[] = []): Skill {
  const folder = /(?:^|\/)([^/]+)\/SKILL\.md$/.exec(file.path)?.[1];
  const fm = parseFrontmatter(file.path, file.content);
  const read: FieldReader = new FieldReader(file.path, fm);
  read.onlyKeys(SKILL_FRONTMATTER_FIELDS);
  const name = read.string('name', { required: true, max: 64 })!;
  if (!NAME.test(name)) read.fail(['name'], `name "${name}" must use lowercase letters, digits and single hyphens`);
  if (/anthropic|claude/.test(name)) read.fail(['name'], `name "${name}" must not contain the reserved words "anthropic" or "claude"`);
  if (folder !== undefined && folder !== name) read.fail(['name'], `name "${name}" must equal its folder name "${folder}"`);
  const description = read.string('description', { required: true, max: 1024 })!;
  if (/<[^>]*>/.test(description)) read.fail(['description'], 'description must not contain XML tags');
  const license = read.string('license', {});
  const compatibility = read.string('compatibility', { max: 500 });
  // the Agent Skills spec separates with spaces; Claude Code examples use commas: accept both
  const allowedTools = read.list('allowed-tools', /[\s,]+/);
  const metadata = read.stringMap('metadata') ?? {};
  const deliverable = metadata[DELIVERABLE_METADATA_KEY];
  if (deliverable === undefined) {
    read.fail(['metadata'], `"metadata.${DELIVERABLE_METADATA_KEY}" is required: one of ${DeliverableKindSchema.options.join(', ')}`);
  }
  const output = DeliverableKindSchema.safeParse(deliverable);
  if (!output.success) {
    read.fail(['metadata', DELIVERABLE_METADATA_KEY], `unknown deliverable "${deliverable}": use one of ${DeliverableKindSchema.options.join(', ')}`);
  }
  const extra: Record<string, string> = {};
  const hashes = new Map<string, string>();
  for (const [key, value] of Object.entries(metadata)) {
    if (key === DELIVERABLE_METADATA_KEY) continue;
    if (key.startsWith(REFERENCE_HASH_METADATA_PREFIX)) hashes.set(key.slice(REFERENCE_HASH_METADATA_PREFIX.length), value);
    else extra[key] = value;
  }

  const refs = references.map((reference) => {
    const fileName = /\/references\/(.+)$/.exec(reference.path)?.[1] ?? reference.path;
    if (fileName.includes('/')) throw new FormatError(reference.path, 1, 'nested folders inside references/ are not supported');
    if (!ReferenceNameSchema.safeParse(fileName).success) {
      throw new FormatError(reference.path, 1, `reference file name "${fileName}" must use letters, digits, ".", "_" or "-"`);
    }
    const hash = hashes.get(fileName);
    hashes.delete(fileName);
    return { name: fileName, content: reference.content, ...(hash ? { hash } : {}) };
  });
  for (const orphan of hashes.keys()) {
    read.fail(['metadata', `${REFERENCE_HASH_METADATA_PREFIX}${orphan}`], `no references/${orphan} file for this hash`);
  }

  const markerAt = fm.body.indexOf(REFERENCE_ANALYSIS_MARKER);
  let instructions = markerAt < 0 ? fm.body : fm.body.slice(0, markerAt);
  const report = markerAt < 0 ? undefined : fm.body.slice(markerAt + REFERENCE_ANALYSIS_MARKER.length).trim();
  instructions = instructions.replace(/\n*## Reference analysis\s*$/, '').trim();
  if (!instructions) throw new FormatError(file.path, 1, 'the SKILL.md body (the instructions) is empty');

  try {
    return defineSkill({
      name,
      description,
      instructions,
      output: output.data!,
      references: refs,
      ...(report ? { referenceReport: report } : {}),
      ...(license ? { license } : {}),
      ...(compatibility ? { compatibility } : {}),
      ...(allowedTools ? { allowedTools } : {}),
      ...(Object.keys(extra).length > 0 ? { metadata: extra } : {}),
    });
  } catch (error) {
    if (error instanceof TeamDefinitionError) {
      const issue = error.issues[0]!;
      const key = issue.path.split(/[.[]/)[0] ?? '';
      const line = fm.lineOf([key === 'allowedTools' ? 'allowed-tools' : key]);
      throw new FormatError(file.path, line, `${issue.path}: ${issue.message}`);
    }
    throw error;
  }
}

/** Writes a skill as `.claude/skills/<name>/SKILL.md` plus its `references/` files. */
export function skillToFiles(skill: Skill, root = '.claude/skills'): TeamFile[] {
  const metadata: Record<string, string> = { [DELIVERABLE_METADATA_KEY]: skill.output, ...(skill.metadata ?? {}) };
  for (const reference of skill.references) metadata[`${REFERENCE_HASH_METADATA_PREFIX}${reference.name}`] = reference.hash;
  const body = skill.referenceReport
    ? `${skill.instructions}\n\n## Reference analysis\n\n${REFERENCE_ANALYSIS_MARKER}\n${skill.referenceReport}`
    : skill.instructions;
  const content = writeFrontmatter(
    {
      name: skill.name,
      description: skill.description,
      license: skill.license,
      compatibility: skill.compatibility,
      metadata,
      'allowed-tools': skill.allowedTools ? skill.allowedTools.join(' ') : undefined,
    },
    body,
  );
  const folder = `${root}/${skill.name}`;
  return [
    { path: `${folder}/SKILL.md`, content },
    ...skill.references.map((reference) => ({ path: `${folder}/references/${reference.name}`, content: reference.content })),
  ];
}
