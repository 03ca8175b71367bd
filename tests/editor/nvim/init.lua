-- Neovim 0.11+: tracefix with the built-in LSP configuration (`vim.lsp.config` + `vim.lsp.enable`).
-- This is the README's recipe, run by tests/editor/test_neovim.py. One server per project: the
-- root is the folder with pytest's or the project's markers, and every Python buffer under it
-- attaches to the same `tracefix serve`.
-- TRACEFIX_CMD is a JSON list (the test passes the venv's python); default: `tracefix serve`.
local cmd = { "tracefix", "serve" }
local precision = tonumber(os.getenv("TRACEFIX_PRECISION") or "0.95")  -- the test lowers it
if os.getenv("TRACEFIX_CMD") then
  cmd = vim.json.decode(os.getenv("TRACEFIX_CMD"))
end

vim.lsp.config("tracefix", {
  cmd = cmd,
  filetypes = { "python" },
  root_markers = { "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "setup.py", ".git" },
  init_options = { runOn = "save" },
  settings = { tracefix = { runOn = "save", precision = precision } },
})
vim.lsp.enable("tracefix")
