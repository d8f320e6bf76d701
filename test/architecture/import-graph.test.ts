/**
 * The module boundaries the build enforces: core/ (the interpreter) imports nothing but itself and
 * definitions/; the client and the console know the engine only through protocol/ (the wire types);
 * no import cycle runs through core/, engine/ (the runtime and the store), api/ or protocol/; and
 * only the engine facade imports the runtime (what it is made of, and what it hands work to, take ports).
 * Imports are read with the TypeScript compiler's own preprocessor and module resolution, type-only
 * imports included: a type from the store in the interpreter is a dependency all the same.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PRODUCT = ['core', 'definitions', 'engine', 'api', 'cli', 'client', 'protocol', 'ui/src', 'workflow-tests'];
const CHECKED = ['core/', 'engine/', 'api/', 'protocol/'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowJs: false };

/** Every import of `file`: a repository path for the repository's own modules, else the specifier. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map(({ fileName }) => {
    // Not a module: the console's style sheet, which the bundler takes.
    if (!fileName.startsWith('.') || fileName.endsWith('.css')) return fileName;
    const resolved = ts.resolveModuleName(fileName, join(ROOT, file), options, ts.sys).resolvedModule;
    if (!resolved) throw new Error(`${file}: cannot resolve "${fileName}"`);
    return relative(ROOT, resolved.resolvedFileName).split(sep).join('/');
  });
}

const graph = new Map(PRODUCT.flatMap(sourceFiles).map((file) => [file, importsOf(file)] as const));

/** The strongly connected components with more than one file (or a file importing itself): Tarjan's. */
function cycles(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file)!.includes(file)) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

describe('import graph', () => {
  it('reads the repository: the interpreter and the runtime are there, and imports resolve', () => {
    expect(graph.get('core/decide.ts')).toContain('core/flow.ts');
    expect(graph.get('engine/runtime.ts')).toContain('core/decide.ts');
    expect(graph.get('engine/store/port.ts')).toContain('core/model.ts');
  });

  it('core/ imports only core/ and definitions/: no node:*, no package, no engine/, store or runtime', () => {
    const outside = [...graph]
      .filter(([file]) => file.startsWith('core/'))
      .flatMap(([file, imports]) => imports.filter((to) => !to.startsWith('core/') && !to.startsWith('definitions/')).map((to) => `${file} → ${to}`));
    expect(outside).toEqual([]);
  });

  it('gives the client and the console the engine only as protocol/, which holds types and the status lists', () => {
    const reaching = [...graph]
      .filter(([file]) => file.startsWith('client/') || file.startsWith('ui/src/') || file.startsWith('protocol/'))
      .flatMap(([file, imports]) => imports.filter((to) => to.startsWith('engine/') || (to.startsWith('core/') && !file.startsWith('protocol/'))).map((to) => `${file} → ${to}`));
    expect(reaching).toEqual([]);
    // protocol/ takes from core/ only the model (statuses, errors), never the interpreter.
    const protocolCore = [...graph].filter(([file]) => file.startsWith('protocol/')).flatMap(([, imports]) => imports.filter((to) => to.startsWith('core/')));
    expect(new Set(protocolCore)).toEqual(new Set(['core/model.ts']));
  });

  it('has no import cycle through core/, engine/, api/ or protocol/', () => {
    const checked = cycles()
      .filter((component) => component.some((file) => CHECKED.some((dir) => file.startsWith(dir))))
      .sort((a, b) => a[0]!.localeCompare(b[0]!));
    expect(checked).toEqual([]);
  });

  it('lets only the engine facade import the runtime: its parts, the queue, the workers and the timer loop know it by ports', () => {
    const importers = [...graph].filter(([, imports]) => imports.includes('engine/runtime.ts')).map(([file]) => file);
    expect(importers).toEqual(['engine/engine.ts']);
  });

  it('keeps the store a layer of its own: engine/store/ imports only itself, the model and the wire types', () => {
    const allowed = (to: string): boolean =>
      to.startsWith('engine/store/') || to === 'core/model.ts' || to === 'definitions/model.ts' || to.startsWith('protocol/') || !to.includes('/');
    const stray = [...graph]
      .filter(([file]) => file.startsWith('engine/store/'))
      .flatMap(([file, imports]) => imports.filter((to) => !allowed(to)).map((to) => `${file} → ${to}`));
    expect(stray).toEqual([]);
    expect([...graph.keys()].filter((file) => file.startsWith('engine/store/')).length).toBeGreaterThan(10);
  });

  it('keeps the step files to the kernel: none imports decide, another step type, or the runtime', () => {
    const allowed = ['core/context.ts', 'core/flow.ts', 'core/hooks.ts', 'core/model.ts', 'core/data.ts', 'core/saga.ts', 'core/callbacks.ts', 'core/steps/join.ts'];
    const stray = [...graph]
      .filter(([file]) => file.startsWith('core/steps/') && file !== 'core/steps/index.ts')
      .flatMap(([file, imports]) => imports.filter((to) => !to.startsWith('definitions/') && !allowed.includes(to)).map((to) => `${file} → ${to}`));
    expect(stray).toEqual([]);
  });
});
