-- Neovim 0.8 to 0.10: tracefix with `vim.lsp.start`, which reuses the running client for a buffer
-- whose root_dir and name match, so there is one server per project. This is the README's recipe,
-- run by tests/editor/test_neovim.py.
-- TRACEFIX_CMD is a JSON list (the test passes the venv's python); default: `tracefix serve`.
local cmd = { "tracefix", "serve" }
local precision = tonumber(os.getenv("TRACEFIX_PRECISION") or "0.95")  -- the test lowers it
if os.getenv("TRACEFIX_CMD") then
  cmd = vim.fn.json_decode(os.getenv("TRACEFIX_CMD"))
end
local markers = { "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "setup.py", ".git" }

vim.api.nvim_create_autocmd("FileType", {
  pattern = "python",
  callback = function(args)
    local found = vim.fs.find(markers, { upward = true, path = vim.fs.dirname(vim.api.nvim_buf_get_name(args.buf)) })[1]
    vim.lsp.start({
      name = "tracefix",
      cmd = cmd,
      root_dir = found and vim.fs.dirname(found) or vim.fn.getcwd(),
      init_options = { runOn = "save" },
      settings = { tracefix = { runOn = "save", precision = precision } },
    })
  end,
})
