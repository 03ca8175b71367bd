import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relativeTo, testChain } from '../src/core/testTree';

const labels = (root: string, id: string, doc = 'grading.py') => testChain(root, id, doc).map((n) => n.label);

test('pytest node ids become file, class, function and parametrized case', () => {
  assert.deepEqual(labels('/p', 'grading.py::test_top_scores'), ['grading.py', 'test_top_scores']);
  assert.deepEqual(labels('/p', 'tests/test_stats.py::TestMean::test_empty[0-x]'), ['tests/test_stats.py', 'TestMean', 'test_empty', '[0-x]']);
  const chain = testChain('/p', 'test_stats.py::test_mean[values0-2.5]', 'stats.py');
  assert.deepEqual(chain.map((n) => n.id), ['/p|test_stats.py', '/p|test_stats.py::test_mean', '/p|test_stats.py::test_mean[values0-2.5]']);
  assert.equal(chain[2].nodeId, 'test_stats.py::test_mean[values0-2.5]');
});

test('doctests and __main__ go under the document; ids differ per project root', () => {
  assert.deepEqual(labels('/p', 'doctest:mean', 'stats.py'), ['stats.py', 'doctest: mean']);
  assert.deepEqual(labels('/p', '__main__', 'tool.py'), ['tool.py', '__main__']);
  assert.notEqual(testChain('/a', 'x.py::t', 'x.py')[1].id, testChain('/b', 'x.py::t', 'x.py')[1].id);
});

test('paths relative to the root, with forward slashes', () => {
  assert.equal(relativeTo('/p/proj', '/p/proj/pkg/mod.py'), 'pkg/mod.py');
  assert.equal(relativeTo('/p/proj/', '/p/proj/mod.py'), 'mod.py');
  assert.equal(relativeTo('/p/proj', '/elsewhere/mod.py'), 'mod.py');
});
