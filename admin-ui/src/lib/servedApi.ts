// The routers and tables of the revision an environment serves, read from its
// OpenAPI document (`openApi(environment)`: the served revision, unlike
// `workspace`, which is the newest one): an operation per router named after it
// (`operationId`), its parameters and body from the router's input schemas,
// and a `<table>Row` schema per table. The built-in `/auth/*` endpoints are left out.
import type { JsonSchema } from './jsonExample';

export interface ServedParam {
  name: string;
  required: boolean;
  schema: JsonSchema;
}

export interface ServedRouter {
  name: string;
  method: string;
  path: string;
  summary: string;
  params: ServedParam[];
  query: ServedParam[];
  /** The body's JSON Schema, for methods that take one. */
  body: JsonSchema | null;
  /** Needs a bearer token (signed in or a group). */
  secured: boolean;
  /** Answers 403 to callers outside its groups. */
  groupsOnly: boolean;
}

export interface ServedApi {
  revision: number | null;
  routers: ServedRouter[];
  tables: string[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function param(p: Obj): ServedParam {
  return { name: String(p.name ?? ''), required: p.required === true, schema: obj(p.schema) as JsonSchema };
}

export function parseOpenApi(doc: unknown): ServedApi {
  const root = obj(doc);
  const routers: ServedRouter[] = [];
  for (const [path, item] of Object.entries(obj(root.paths))) {
    if (path === '/auth' || path.startsWith('/auth/')) continue;
    for (const method of METHODS) {
      const op = obj(obj(item)[method]);
      if (!op.operationId) continue;
      const params = arr(op.parameters).map(obj);
      const body = obj(obj(obj(obj(op.requestBody).content)['application/json']).schema);
      routers.push({
        name: String(op.operationId),
        method: method.toUpperCase(),
        path,
        summary: String(op.summary ?? ''),
        params: params.filter((p) => p.in === 'path').map(param),
        query: params.filter((p) => p.in === 'query').map(param),
        body: op.requestBody ? (body as JsonSchema) : null,
        secured: arr(op.security).length > 0,
        groupsOnly: '403' in obj(op.responses),
      });
    }
  }
  routers.sort((a, b) => a.path.localeCompare(b.path) || METHODS.indexOf(a.method.toLowerCase()) - METHODS.indexOf(b.method.toLowerCase()));
  const tables = Object.keys(obj(obj(root.components).schemas))
    .filter((k) => k.endsWith('Row'))
    .map((k) => k.slice(0, -3))
    .sort();
  const version = /revision (\d+)/.exec(String(obj(root.info).version ?? ''));
  return { revision: version ? Number(version[1]) : null, routers, tables };
}
