// Where a test of a report goes in VS Code's Testing view: pytest node ids (relative to the
// project root, as the server reports them) become file → class → function → parametrized
// case. Kept free of the vscode module so it can be unit-tested.

export interface TestNode {
  id: string; // unique in the controller: the project root, then the node id (or its prefix)
  label: string;
  nodeId: string; // the part of a pytest node id this level stands for
}

/** Splits `tests/test_a.py::TestX::test_y[1]` into its levels; `doctest:f` and `__main__` go under `documentFile`. */
export function testChain(root: string, testId: string, documentFile: string): TestNode[] {
  const key = (nodeId: string) => `${root}|${nodeId}`;
  if (!testId.includes('::')) {
    const label = testId.startsWith('doctest:') ? `doctest: ${testId.slice('doctest:'.length)}` : testId;
    return [
      { id: key(documentFile), label: documentFile, nodeId: documentFile },
      { id: key(`${documentFile}::${testId}`), label, nodeId: testId },
    ];
  }
  const [file, ...rest] = testId.split('::');
  const out: TestNode[] = [{ id: key(file), label: file, nodeId: file }];
  let prefix = file;
  rest.forEach((part, i) => {
    const bracket = part.indexOf('[');
    const last = i === rest.length - 1;
    if (last && bracket > 0) {
      // A parametrized case sits under its function, labelled by its parameters.
      const fn = part.slice(0, bracket);
      out.push({ id: key(`${prefix}::${fn}`), label: fn, nodeId: `${prefix}::${fn}` });
      out.push({ id: key(testId), label: part.slice(bracket), nodeId: testId });
      return;
    }
    prefix = `${prefix}::${part}`;
    out.push({ id: key(prefix), label: part, nodeId: prefix });
  });
  return out;
}

/** Relative path of `file` under `root` with forward slashes, or its base name when it is elsewhere. */
export function relativeTo(root: string, file: string): string {
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/\/+$/, '');
  const r = norm(root);
  const f = norm(file);
  if (r && f.startsWith(`${r}/`)) return f.slice(r.length + 1);
  return f.split('/').pop() ?? f;
}
