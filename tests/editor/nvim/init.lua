-- Minimal Neovim (0.7+) setup that attaches tracefix to Python buffers with the built-in LSP client.
-- Used by tests/editor/test_neovim.py; the README shows the same setup for everyday use.
-- TRACEFIX_CMD is a JSON list (the test passes the venv's python); default: `tracefix serve`.
local cmd = { "tracefix", "serve" }
if os.getenv("TRACEFIX_CMD") then
  cmd = vim.fn.json_decode(os.getenv("TRACEFIX_CMD"))
end

vim.api.nvim_create_autocmd("FileType", {
  pattern = "python",
  callback = function(args)
    local root = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(args.buf), ":p:h")
    local id = vim.lsp.start_client({
      name = "tracefix",
      cmd = cmd,
      root_dir = root,
      init_options = { runOn = "save" },
      settings = { tracefix = { runOn = "save" } },
    })
    if id then
      vim.lsp.buf_attach_client(args.buf, id)
    end
  end,
})
