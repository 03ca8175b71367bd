-- Drives a headless Neovim like a user would: wait for tracefix to attach, save the buffer,
-- wait for diagnostics, ask for code actions, and write what Neovim holds to $TRACEFIX_OUT as JSON.
local out = {}
local function finish()
  local f = io.open(os.getenv("TRACEFIX_OUT"), "w")
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qall!")
end

local buf = vim.api.nvim_get_current_buf()
local timeout = tonumber(os.getenv("TRACEFIX_TIMEOUT_MS") or "120000")

local attached = vim.wait(timeout, function()
  for _, c in pairs(vim.lsp.buf_get_clients(buf)) do
    if c.name == "tracefix" and c.initialized then return true end
  end
  return false
end, 50)
out.attached = attached
if not attached then return finish() end

vim.cmd("write")  -- textDocument/didSave

out.got_diagnostics = vim.wait(timeout, function() return #vim.diagnostic.get(buf) > 0 end, 50)
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(out.diagnostics, { lnum = d.lnum, severity = d.severity, message = d.message, source = d.source })
end

-- Quick fixes arrive after validation, later than the first diagnostics: ask until one shows up.
local function ask()
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(buf) }
  local results = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 10000) or {}
  local actions = {}
  for _, r in pairs(results) do
    for _, a in ipairs(r.result or {}) do
      table.insert(actions, { title = a.title, kind = a.kind, isPreferred = a.isPreferred,
                              hasEdit = a.edit ~= nil, command = a.command and a.command.command })
    end
  end
  return actions
end

local want_fix = os.getenv("TRACEFIX_WANT_FIX") == "1"
out.actions = ask()
vim.wait(want_fix and timeout or 0, function()
  out.actions = ask()
  for _, a in ipairs(out.actions) do
    if a.hasEdit then return true end
  end
  return false
end, 500)
finish()
