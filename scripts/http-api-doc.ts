/**
 * Writes the route reference of docs/http-api.md (between its `generated:routes` markers) from the OpenAPI
 * document, so the docs cannot drift from what the engine validates: `npx tsx scripts/http-api-doc.ts`.
 * test/docs.test.ts fails when the committed reference differs from what this prints.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../lib/openapi.js';

type Schema = {
  type?: string; properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[];
  const?: unknown; $ref?: string; format?: string; additionalProperties?: unknown;
};
interface Operation {
  summary: string; operationId: string; security: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; schema: Schema }>;
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: Schema }> }>;
}

export const BEGIN = '<!-- generated:routes (scripts/http-api-doc.ts; do not edit by hand) -->';
export const END = '<!-- /generated:routes -->';

/** A TypeScript-like one-line shape of a schema: `{ slug: string, branding?: { logoUrl?: string } }`. */
function shape(schema: Schema | undefined): string {
  if (!schema) return 'unknown';
  if (schema.$ref) return schema.$ref.split('/').pop() as string;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.anyOf) return schema.anyOf.map(shape).join(' | ');
  if (schema.type === 'array') return `${schema.items?.anyOf ? `(${shape(schema.items)})` : shape(schema.items)}[]`;
  if (schema.type === 'object' || schema.properties) {
    const required = new Set(schema.required ?? []);
    const fields = Object.entries(schema.properties ?? {}).map(([name, field]) => `${name}${required.has(name) ? '' : '?'}: ${shape(field)}`);
    return fields.length ? `{ ${fields.join(', ')} }` : '{}';
  }
  if (schema.type === 'integer') return 'integer';
  return schema.type ?? 'unknown';
}

// Example values by field name; anything else gets one from its type.
const SAMPLES: Record<string, unknown> = {
  ratePlans: [{ id: 'pro-month', name: 'Monthly', currency: 'USD', amountCents: 4900, interval: 'month', features: ['10 seats'] }],
  slug: 'acme', name: 'Acme Cloud', email: 'ada@example.com', externalId: 'cus-42', allowedOrigins: ['https://portal.example.com'],
  mode: 'live', alg: 'HS256', bridgeToken: 'eyJhbGciOiJIUzI1NiIsImtpZCI6InNrXy4uLiJ9.…', token: 'Qm9…', returnUrl: 'https://portal.example.com/billing',
  currency: 'USD', amountCents: 4900, amountDueCents: 4900, interval: 'month', number: 'ACME-1001', issuedAt: '2026-01-01T00:00:00Z',
  id: 'pro-month', logoUrl: 'https://portal.example.com/logo.png', primaryColor: '#0a7f5a', from: 'billing@example.com',
  features: ['10 seats'], description: 'For growing teams', force: false, endSessions: false,
};

function sample(name: string, schema: Schema): unknown {
  if (name in SAMPLES && schema.type !== 'object') return SAMPLES[name];
  if (schema.const !== undefined) return schema.const;
  if (schema.anyOf) return sample(name, schema.anyOf[0]);
  if (schema.type === 'array') return schema.items ? [sample(name, schema.items)] : [];
  if (schema.type === 'object' || schema.properties) {
    const required = new Set(schema.required ?? []);
    // Required fields, and the optional ones with a telling example value.
    return Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([key]) => required.has(key) || (key in SAMPLES && key !== 'id'))
      .map(([key, field]) => [key, sample(key, field)]));
  }
  if (schema.type === 'integer' || schema.type === 'number') return 1;
  if (schema.type === 'boolean') return true;
  return '…';
}

const AUTH: Record<string, string> = {
  embedTenant: "-H 'x-aforo-tenant: acme'",
  embedKey: "-H 'x-aforo-embed-key: ek_live_…'",
  sessionJwt: "-H 'authorization: Bearer <session JWT>'",
  adminToken: '-H "authorization: Bearer $AFORO_ADMIN_TOKEN"',
};

function example(method: string, path: string, op: Operation): string {
  const url = `http://localhost:8787/aforo${path.replace(/\{([a-zA-Z]+)\}/g, (_, name: string) => String(SAMPLES[name === 'id' ? 'id' : name] ?? `<${name}>`))}`;
  const lines = [`curl -X ${method.toUpperCase()} '${url}'`];
  const schemes = Object.keys(op.security[0] ?? {});
  if (schemes.includes('embedTenant')) lines.push("-H 'origin: https://portal.example.com'");
  for (const scheme of schemes) lines.push(AUTH[scheme]);
  const body = op.requestBody?.content['application/json']?.schema;
  if (body) lines.push("-H 'content-type: application/json'", `-d '${JSON.stringify(sample('', body))}'`);
  return lines.join(' \\\n  ');
}

function auth(op: Operation): string {
  const schemes = Object.keys(op.security[0] ?? {});
  if (schemes.length === 0) return 'none';
  if (schemes.includes('adminToken')) return 'admin token';
  return schemes.includes('sessionJwt') ? 'tenant, embed key, Origin and session JWT' : 'tenant, embed key and Origin';
}

/** The Markdown of every route, in the document's order. */
export function routeReference(): string {
  const doc = openApiDocument() as { paths: Record<string, Record<string, Operation>> };
  const out: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const [status, ok] = Object.entries(op.responses).find(([code]) => code.startsWith('2')) as [string, Operation['responses'][string]];
      const [mediaType, okContent] = Object.entries(ok.content ?? {})[0] ?? [];
      const errors = Object.keys(op.responses).filter((code) => !code.startsWith('2'));
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => `\`${p.name}\``);
      const body = op.requestBody?.content['application/json']?.schema;
      out.push(`### \`${method.toUpperCase()} ${path}\``, '', `${op.summary[0].toUpperCase()}${op.summary.slice(1)}. Operation \`${op.operationId}\`; auth: ${auth(op)}.`, '');
      if (query.length) out.push(`- query: ${query.join(', ')}`);
      if (body) out.push(`- body${op.requestBody?.required ? '' : ' (optional)'}: \`${shape(body)}\``);
      out.push(`- ${status}: ${okContent?.schema ? `\`${shape(okContent.schema)}\`` : mediaType ? `\`${mediaType}\`` : 'no body'}`);
      if (errors.length) out.push(`- errors: ${errors.join(', ')}`);
      out.push('', '```sh no-run', example(method, path, op), '```', '');
    }
  }
  return out.join('\n');
}

const DOC = join(fileURLToPath(new URL('..', import.meta.url)), 'docs', 'http-api.md');

/** docs/http-api.md with its generated region replaced by `routeReference()`. */
export function regenerated(text: string): string {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/http-api.md needs the markers ${BEGIN} and ${END}`);
  return `${text.slice(0, start + BEGIN.length)}\n\n${routeReference()}\n${text.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(DOC, regenerated(readFileSync(DOC, 'utf8')));
}
