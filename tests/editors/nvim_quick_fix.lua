-- Applies mockfix's quick fix to one file from Neovim, as a user would, and writes the file.
--
-- Run by tests/nvim.rs as `nvim --headless -u NONE -c 'luafile THIS_FILE'` with MOCKFIX_BIN set
-- to the mockfix binary and MOCKFIX_FILE to the Rust file to fix. It uses only APIs that
-- Neovim 0.7 has, the version Debian 12 ships: `vim.lsp.start_client`, `vim.diagnostic.get`,
-- `vim.lsp.buf_request_sync` and `vim.lsp.util.apply_workspace_edit`. Any failure ends Neovim
-- with exit status 1 and a message on stderr.

local TIMEOUT_MS = 20000

local function run()
  local bin = assert(os.getenv('MOCKFIX_BIN'), 'MOCKFIX_BIN is not set')
  local file = assert(os.getenv('MOCKFIX_FILE'), 'MOCKFIX_FILE is not set')

  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  -- `-u NONE` turns off filetype detection, and the language id comes from the filetype.
  vim.bo[bufnr].filetype = 'rust'

  local client_id = vim.lsp.start_client({
    name = 'mockfix',
    cmd = { bin, 'lsp' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
  })
  assert(client_id, 'vim.lsp.start_client failed to start mockfix lsp')
  vim.lsp.buf_attach_client(bufnr, client_id)

  local published = vim.wait(TIMEOUT_MS, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 50)
  assert(published, 'no diagnostics within ' .. TIMEOUT_MS .. ' ms')
  local diagnostic = vim.diagnostic.get(bufnr)[1]
  assert(diagnostic.source == 'mockfix', 'unexpected diagnostic source: ' .. tostring(diagnostic.source))

  -- Put the cursor on the struct name, as a user does before asking for code actions.
  vim.api.nvim_win_set_cursor(0, { diagnostic.lnum + 1, diagnostic.col })
  local client = vim.lsp.get_client_by_id(client_id)
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = {
    diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr),
    only = { 'quickfix' },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, TIMEOUT_MS)
  assert(responses and responses[client_id], 'no response to textDocument/codeAction')
  local response = responses[client_id]
  assert(not response.err, 'textDocument/codeAction failed: ' .. vim.inspect(response.err))

  local quick_fix
  for _, action in ipairs(response.result or {}) do
    if action.kind == 'quickfix.mockfix' and action.isPreferred then
      quick_fix = action
    end
  end
  assert(quick_fix, 'no preferred quick fix in ' .. vim.inspect(response.result))
  io.stderr:write('applying: ' .. quick_fix.title .. '\n')
  vim.lsp.util.apply_workspace_edit(quick_fix.edit, client.offset_encoding)
  vim.cmd('write')

  vim.lsp.stop_client(client_id)
  local stopped = vim.wait(TIMEOUT_MS, function()
    return vim.lsp.client_is_stopped(client_id)
  end, 50)
  assert(stopped, 'mockfix lsp did not stop after shutdown')
end

local ok, err = pcall(run)
if not ok then
  io.stderr:write('nvim_quick_fix.lua: ' .. tostring(err) .. '\n')
  vim.cmd('cquit 1')
end
vim.cmd('qall!')
