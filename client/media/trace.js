// Trace view behaviour: mouse and keyboard both reveal a block in the editor; buttons post
// their intent to the extension, which does the work (the view never touches files itself).
(function () {
  const vscode = acquireVsCodeApi();
  const steps = Array.from(document.querySelectorAll('.step'));

  function reveal(el) {
    vscode.postMessage({ type: 'reveal', line: Number(el.dataset.line), endLine: Number(el.dataset.end) });
  }
  function focusStep(i) {
    if (steps.length === 0) return;
    const k = Math.max(0, Math.min(steps.length - 1, i));
    steps[k].focus();
    steps[k].scrollIntoView({ block: 'nearest' });
    vscode.setState({ focused: k });
  }

  steps.forEach((el, i) => {
    el.addEventListener('click', () => { reveal(el); vscode.setState({ focused: i }); });
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); reveal(el); }
      else if (e.key === 'ArrowDown' || e.key === 'j') { e.preventDefault(); focusStep(i + 1); }
      else if (e.key === 'ArrowUp' || e.key === 'k') { e.preventDefault(); focusStep(i - 1); }
      else if (e.key === 'Home') { e.preventDefault(); focusStep(0); }
      else if (e.key === 'End') { e.preventDefault(); focusStep(steps.length - 1); }
    });
  });
  document.querySelectorAll('a.goto').forEach((a) =>
    a.addEventListener('click', (e) => { e.preventDefault(); reveal(a); }));
  document.querySelectorAll('button[data-test]').forEach((b) =>
    b.addEventListener('click', () => vscode.postMessage({ type: 'selectTest', testId: b.dataset.test })));
  document.querySelectorAll('button[data-apply]').forEach((b) =>
    b.addEventListener('click', () => vscode.postMessage({ type: 'apply', id: b.dataset.apply })));
  document.querySelectorAll('button[data-dismiss]').forEach((b) =>
    b.addEventListener('click', () => vscode.postMessage({ type: 'dismiss', id: b.dataset.dismiss })));

  // Start where the bug most likely is (the server's most suspicious block of the code under
  // test), not at the test's own first lines; a step the user moved to wins after a reload.
  const state = vscode.getState();
  if (state && typeof state.focused === 'number' && steps[state.focused]) steps[state.focused].focus();
  else {
    const start = steps.findIndex((el) => el.dataset.start === 'true');
    if (start >= 0) { steps[start].scrollIntoView({ block: 'center' }); steps[start].focus({ preventScroll: true }); }
  }
})();
