#!/usr/bin/env node
// Fails the build when a public symbol (an export of dist/index.d.ts) or a member of an exported
// interface/class has no TSDoc comment. Run after tsup (part of `npm run build`).
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const file = 'dist/index.d.ts';
const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
const exported = new Set();
const missing = [];

// Names exported by `export { a, b as c }` at the end of the bundle.
for (const st of source.statements) {
  if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
    for (const el of st.exportClause.elements) exported.add((el.propertyName ?? el.name).text);
  }
}
const hasDoc = (node) => ts.getJSDocCommentsAndTags(node).length > 0;
const isExported = (node) => node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

function check(node, name) {
  if (!hasDoc(node)) missing.push(name);
  if (ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) {
    for (const m of node.members) {
      if (ts.isConstructorDeclaration(m) || !m.name) continue;
      if (m.modifiers?.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword)) continue;
      const mName = m.name.getText(source);
      if (mName.startsWith('#')) continue;
      // Overloads after the first share its doc.
      if (!hasDoc(m) && !(ts.isMethodSignature(m) && node.members.some((o) => o !== m && o.name?.getText(source) === mName && hasDoc(o)))) {
        missing.push(`${name}.${mName}`);
      }
    }
  }
}

for (const st of source.statements) {
  const name = st.name?.text ?? (ts.isVariableStatement(st) ? st.declarationList.declarations[0].name.getText(source) : undefined);
  if (!name || !(exported.has(name) || isExported(st))) continue;
  check(st, name);
}
if (exported.size === 0) {
  console.error(`check-docs: found no exports in ${file}`);
  process.exit(1);
}
if (missing.length) {
  console.error(`check-docs: ${missing.length} public symbol(s) without TSDoc:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-docs: ${exported.size} exports documented`);
