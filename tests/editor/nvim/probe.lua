-- Drives a headless Neovim like a user would: open the project's Python files, wait for tracefix
-- to attach, save grading.py, wait for its diagnostics, ask for code actions on the diagnostic's
-- line and on a line away from the bug, and write what Neovim holds to $TRACEFIX_OUT as JSON.
-- Works with the 0.8+ and the 0.11+ recipes (init_start.lua, init.lua).
local out = {}
local function finish()
  local f = io.open(os.getenv("TRACEFIX_OUT"), "w")
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qall!")
end

local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
local timeout = tonumber(os.getenv("TRACEFIX_TIMEOUT_MS") or "120000")
local main = vim.api.nvim_get_current_buf()
-- More buffers of the same project: they must share the one server.
for _, name in ipairs(vim.split(os.getenv("TRACEFIX_MORE") or "", ",", { trimempty = true })) do
  vim.cmd("edit " .. vim.fn.fnameescape(name))
end
vim.api.nvim_set_current_buf(main)

local function tracefix(buf)
  for _, c in pairs(get_clients({ bufnr = buf })) do
    if c.name == "tracefix" and c.initialized then return c end
  end
end

out.attached = vim.wait(timeout, function()
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.bo[b].filetype == "python" and not tracefix(b) then return false end
  end
  return true
end, 50)
local client = tracefix(main)
if not out.attached or not client then return finish() end
out.clients = 0
for _, c in pairs(get_clients()) do
  if c.name == "tracefix" then out.clients = out.clients + 1 end
end
out.buffers = 0
for _, b in ipairs(vim.api.nvim_list_bufs()) do
  if tracefix(b) and tracefix(b).id == client.id then out.buffers = out.buffers + 1 end
end

vim.cmd("write")  -- textDocument/didSave

out.got_diagnostics = vim.wait(timeout, function() return #vim.diagnostic.get(main) > 0 end, 50)
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(main)) do
  table.insert(out.diagnostics, { lnum = d.lnum, severity = d.severity, message = d.message, source = d.source,
                                  code = d.code })
end
if not out.got_diagnostics then return finish() end

local function ask(lnum)
  vim.api.nvim_win_set_cursor(0, { lnum + 1, 0 })
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  local context = {}
  for _, d in ipairs(vim.diagnostic.get(main, { lnum = lnum })) do
    local lsp = d.user_data and d.user_data.lsp
    if lsp then table.insert(context, lsp) end
  end
  params.context = { diagnostics = context }
  local results = vim.lsp.buf_request_sync(main, "textDocument/codeAction", params, 10000) or {}
  local actions = {}
  for _, r in pairs(results) do
    for _, a in ipairs(r.result or {}) do
      table.insert(actions, { title = a.title, kind = a.kind, isPreferred = a.isPreferred or false,
                              hasEdit = a.edit ~= nil, command = a.command and a.command.command })
    end
  end
  return actions
end

-- Quick fixes arrive after validation, later than the first diagnostics (which the final results
-- may move to another block): ask on the current diagnostic's line until one shows up.
vim.wait(timeout, function()
  local now = vim.diagnostic.get(main)
  if #now == 0 then return false end
  out.actions = ask(now[1].lnum)
  for _, a in ipairs(out.actions) do
    if a.hasEdit then return true end
  end
  return false
end, 500)
out.away = ask(tonumber(os.getenv("TRACEFIX_AWAY_LINE") or "0"))
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(main)) do
  table.insert(out.diagnostics, { lnum = d.lnum, severity = d.severity, message = d.message, source = d.source,
                                  code = d.code })
end
finish()
