/**
 * Fails (exit 1) when the project's own modules import each other in a cycle, type-only imports
 * included: a cycle means two modules are one concept split in two, or one of them holds a piece that
 * belongs lower down. Reads every file tsconfig.json includes and resolves imports the way tsc does;
 * package imports are not followed. Run by `npm test` before the tests.
 *
 *   tsx scripts/check-import-cycles.ts
 */
import { dirname, relative } from "node:path";
import ts from "typescript";

const root = dirname(dirname(new URL(import.meta.url).pathname));
const configPath = ts.findConfigFile(root, ts.sys.fileExists, "tsconfig.json");
if (configPath === undefined) throw new Error(`no tsconfig.json at or above ${root}`);
const host: ts.ParseConfigFileHost = {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  },
};
const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, host);
if (config === undefined) throw new Error(`cannot read ${configPath}`);

const files = config.fileNames.filter((f) => /\.[cm]?tsx?$/.test(f) && !f.endsWith(".d.ts"));
const known = new Set(files);
const importsOf = new Map<string, string[]>();
for (const file of files) {
  const { importedFiles } = ts.preProcessFile(ts.sys.readFile(file) ?? "", true, true);
  const targets = new Set<string>();
  for (const { fileName: specifier } of importedFiles) {
    if (!specifier.startsWith(".")) continue;
    const resolved = ts.resolveModuleName(specifier, file, config.options, ts.sys).resolvedModule?.resolvedFileName;
    if (resolved !== undefined && known.has(resolved) && resolved !== file) targets.add(resolved);
  }
  importsOf.set(file, [...targets]);
}

/** Strongly connected components with more than one module (Tarjan), each a set of modules in a cycle. */
function cycles(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of importsOf.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) found.push(component.sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return found;
}

const found = cycles();
if (found.length > 0) {
  console.error(`import cycles (${found.length}); move the shared piece into a module both can import:`);
  for (const component of found) {
    const members = new Set(component);
    console.error(`- ${component.map((f) => relative(root, f)).join(", ")}`);
    for (const file of component) {
      const inCycle = importsOf.get(file)!.filter((t) => members.has(t));
      console.error(`    ${relative(root, file)} imports ${inCycle.map((t) => relative(root, t)).join(", ")}`);
    }
  }
  process.exit(1);
}
console.log(`no import cycles among ${files.length} modules`);
