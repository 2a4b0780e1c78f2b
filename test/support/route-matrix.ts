import { randomUUID } from 'node:crypto';
import { PERMISSION_EXTENSION } from '../../src/api/openapi';
import { type GateAnswer, gateAnswer } from '../../src/api/route-access';
import { type Permission, PERMISSIONS, ROLES, type Role } from '../../src/domain/roles';

/*
 * The role x route matrix, from the OpenAPI document (each operation's x-permission) and the role
 * gate (`gateAnswer`): what every identity must be answered on every operation. The integration
 * test calls each operation as each identity; the README's route table is checked against it.
 */

interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: { type?: string; format?: string; pattern?: string; enum?: unknown[] };
}
interface OperationObject {
  security?: unknown[];
  parameters?: ParameterObject[];
  requestBody?: unknown;
  [PERMISSION_EXTENSION]?: string;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
}

export interface MatrixOperation {
  method: string;
  /** The path template, as in the document. */
  path: string;
  /** The permission the role gate asks; null for a public operation (no bearer security). */
  permission: Permission | null;
  parameters: ParameterObject[];
  hasBody: boolean;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function matrixOperations(document: OpenApiDocument): MatrixOperation[] {
  const operations: MatrixOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
      const permission = operation[PERMISSION_EXTENSION];
      if (!isPublic && !(permission && permission in PERMISSIONS)) {
        throw new Error(`${method.toUpperCase()} ${path} needs a bearer key but names no known x-permission`);
      }
      operations.push({
        method: method.toUpperCase(),
        path,
        permission: isPublic ? null : (permission as Permission),
        parameters: operation.parameters ?? [],
        hasBody: operation.requestBody !== undefined,
      });
    }
  }
  return operations;
}

/**
 * A well-formed value for a path or required query parameter that names nothing that exists, so
 * a caller who passes the gate gets the route's own answer (400, 404, 409), never a 401 or 403.
 */
function sampleValue(operation: MatrixOperation, parameter: ParameterObject): string {
  const uuid = randomUUID();
  const { name, schema } = parameter;
  if (schema?.enum?.length) return String(schema.enum[0]);
  if (schema?.type === 'integer' || schema?.type === 'number') return '1';
  if (schema?.format === 'uuid') return uuid;
  const samples = [`${uuid}.1`, `${uuid}.x1`, `inc-${uuid}`, uuid];
  const pattern = schema?.pattern ? new RegExp(schema.pattern) : undefined;
  const fits = samples.find((s) => pattern?.test(s));
  if (fits) return fits;
  throw new Error(`no sample value for ${name} of ${operation.method} ${operation.path}`);
}

/** The operation's URL with every path parameter and required query parameter filled in. */
export function sampleUrl(operation: MatrixOperation): string {
  let path = operation.path;
  const query = new URLSearchParams();
  for (const parameter of operation.parameters) {
    if (parameter.in === 'path') {
      path = path.replace(`{${parameter.name}}`, encodeURIComponent(sampleValue(operation, parameter)));
    } else if (parameter.in === 'query' && parameter.required) {
      query.set(parameter.name, sampleValue(operation, parameter));
    }
  }
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

/** The identities of the matrix: no credentials, or a principal with these roles. */
export type Identity = { name: string; roles: readonly Role[] | null };

/** What `identity` must be answered on `operation` by the role gate. */
export const expectedAnswer = (operation: MatrixOperation, identity: Identity): GateAnswer =>
  gateAnswer(identity.roles, operation.permission);

/** The README's route table: operation, permission, one column per role, then no API key. */
export const README_MATRIX_HEADER = ['operation', 'permission', ...ROLES, 'no API key'];

const cell = (answer: GateAnswer) => (answer === 'passes' ? 'yes' : String(answer));

export function expectedReadmeRows(operations: readonly MatrixOperation[]): string[][] {
  return operations
    .filter((o) => o.permission !== null)
    .map((o) => [
      `\`${o.method} ${o.path}\``,
      `\`${o.permission}\``,
      ...ROLES.map((role) => cell(expectedAnswer(o, { name: role, roles: [role] }))),
      cell(expectedAnswer(o, { name: 'none', roles: null })),
    ]);
}

/** The rows of the first table under `heading` in a markdown text, header row first. */
export function markdownTable(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  if (start < 0) return [];
  const lines = markdown.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('| '));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    if (/^\|[\s|:-]+\|$/.test(line)) continue;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}
