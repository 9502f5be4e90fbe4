-- Runs inside `nvim --headless -u NONE` (Neovim 0.7 API): starts the tenantguard language
-- server with Neovim's built-in LSP client, opens a file, and writes what the editor saw
-- (diagnostics, code actions) as JSON to $TG_RESULT. The test reads and asserts on it.
local root = os.getenv("TG_ROOT")
local server = os.getenv("TG_SERVER")
local result_path = os.getenv("TG_RESULT")
local result = { diagnostics = {}, actions = {}, errors = {} }

local function write_result()
  local file = assert(io.open(result_path, "w"))
  file:write(vim.fn.json_encode(result))
  file:close()
end

local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(root .. "/src/orders.ts"))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = "typescript"

  local client_id = vim.lsp.start_client({
    name = "tenantguard",
    cmd = { "node", server, "--stdio" },
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = "app" } },
    on_exit = function(code, signal)
      if code ~= 0 then table.insert(result.errors, "server exited with " .. code .. "/" .. signal) end
    end,
  })
  assert(client_id, "vim.lsp.start_client failed")
  vim.lsp.buf_attach_client(bufnr, client_id)

  local seen = vim.wait(10000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
  if not seen then error("no diagnostics within 10 s") end

  local lsp_diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(result.diagnostics, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, message = d.message, source = d.source,
      code = d.code or lsp.code,
    })
    table.insert(lsp_diagnostics, {
      range = { start = { line = d.lnum, character = d.col }, ["end"] = { line = d.end_lnum, character = d.end_col } },
      severity = d.severity, message = d.message, source = d.source, code = d.code or lsp.code,
    })
  end

  local first = result.diagnostics[1]
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = first.lnum, character = first.col }, ["end"] = { line = first.end_lnum, character = first.end_col } },
    context = { diagnostics = lsp_diagnostics },
  }
  local responses, request_err = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, 5000)
  if not responses then error("codeAction: " .. tostring(request_err)) end
  local preferred
  for _, response in pairs(responses) do
    if response.err then table.insert(result.errors, vim.inspect(response.err)) end
    for _, action in ipairs(response.result or {}) do
      table.insert(result.actions, { title = action.title, kind = action.kind, isPreferred = action.isPreferred == true })
      if action.isPreferred and not preferred then preferred = action end
    end
  end

  -- Apply the preferred fix as Neovim does (UTF-16 offsets), then wait for the server to
  -- see the edited buffer clean.
  if preferred and preferred.edit then
    vim.lsp.util.apply_workspace_edit(preferred.edit, "utf-16")
    result.fixed_line = vim.api.nvim_buf_get_lines(bufnr, first.lnum, first.lnum + 1, false)[1]
    result.cleared = vim.wait(10000, function() return #vim.diagnostic.get(bufnr) == 0 end, 50)
  end
  vim.lsp.stop_client(client_id)
end)

if not ok then table.insert(result.errors, tostring(err)) end
write_result()
vim.cmd("qa!")
