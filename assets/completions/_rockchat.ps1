
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'rockchat' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'rockchat'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'rockchat' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Provider from the config (default: the config''s `provider`)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Server base URL, e.g. http://localhost:8080/v1 (also OPENAI_BASE_URL). It gets no API key unless --api-key-env names one')
            [CompletionResult]::new('--api-key-env', '--api-key-env', [CompletionResultType]::ParameterName, 'The environment variable holding the key to send, instead of the provider''s own (the only way a --base-url server gets a key)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model name (default: the provider''s `model`)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model name (default: the provider''s `model`)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'System message for the conversation (default: config `system_prompt`)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System message for the conversation (default: config `system_prompt`)')
            [CompletionResult]::new('--preset', '--preset', [CompletionResultType]::ParameterName, 'Start from a preset: `[presets.NAME]` in the config, or one saved in the app. Its provider, model and system message give way to the flags above')
            [CompletionResult]::new('--open', '--open', [CompletionResultType]::ParameterName, 'Reopen the conversation with this id (see `rockchat list`)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Reopen the most recent conversation')
            [CompletionResult]::new('--continue', '--continue', [CompletionResultType]::ParameterName, 'Reopen the most recent conversation')
            [CompletionResult]::new('--inline', '--inline', [CompletionResultType]::ParameterName, 'Run inline: no alternate screen; finished messages go into the terminal''s own scrollback and stay there after quitting (config: `screen = "inline"`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('ask', 'ask', [CompletionResultType]::ParameterValue, 'Ask one question and print the reply (for scripts). Reads stdin as extra context. The exchange is saved as a conversation unless --no-save is given')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the models the provider''s server offers')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List saved conversations, newest first')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Search every saved message (words, word beginnings, any part of a word, CJK); one row per conversation, best match first. Exits 1 when nothing matches')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a conversation (the branch on screen) as markdown')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export a conversation: markdown, HTML, the request body (replay it with `curl -d @file`), or a full archive that `import` restores losslessly')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import conversations: rockchat''s archive or JSON export, or a ChatGPT export''s conversations.json. Importing a file again adds only what is new')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a conversation and all its messages')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Tokens and cost of the replies over a period, by day, model or provider')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Write a consistent copy of the whole database to FILE (which must not exist)')
            [CompletionResult]::new('tools', 'tools', [CompletionResultType]::ParameterValue, 'Start each configured MCP server and list its tools (exits 1 if one fails)')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Print the keys in effect: every action''s name (as `[keys]` and the command palette name it), its keys, and what it does')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'The config file: where it is, what is in effect, what is wrong with it')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, e.g. `rockchat completions bash > ~/.local/share/bash-completion/completions/rockchat`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rockchat;ask' {
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Provider from the config (default: the config''s `provider`)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Server base URL, e.g. http://localhost:8080/v1 (also OPENAI_BASE_URL). It gets no API key unless --api-key-env names one')
            [CompletionResult]::new('--api-key-env', '--api-key-env', [CompletionResultType]::ParameterName, 'The environment variable holding the key to send, instead of the provider''s own (the only way a --base-url server gets a key)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model name (default: the provider''s `model`)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model name (default: the provider''s `model`)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'System message for the conversation (default: config `system_prompt`)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System message for the conversation (default: config `system_prompt`)')
            [CompletionResult]::new('--preset', '--preset', [CompletionResultType]::ParameterName, 'Start from a preset: `[presets.NAME]` in the config, or one saved in the app. Its provider, model and system message give way to the flags above')
            [CompletionResult]::new('--open', '--open', [CompletionResultType]::ParameterName, 'Continue the conversation with this id (see `rockchat list`)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Attach an image (PNG, JPEG, GIF or WebP) to the prompt; repeat for more')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Attach an image (PNG, JPEG, GIF or WebP) to the prompt; repeat for more')
            [CompletionResult]::new('--approve', '--approve', [CompletionResultType]::ParameterName, 'Run calls to this tool without asking; repeat for more. Other calls are refused')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Attach a text file (sent after the prompt as a fenced block under its name), or an image; repeat for more. Binary files and files too long for the model are refused')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Attach a text file (sent after the prompt as a fenced block under its name), or an image; repeat for more. Binary files and files too long for the model are refused')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'Ask for JSON valid against the JSON Schema in FILE; exits with 3 when the reply does not match it')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Continue the most recent conversation (its history goes with the prompt)')
            [CompletionResult]::new('--continue', '--continue', [CompletionResultType]::ParameterName, 'Continue the most recent conversation (its history goes with the prompt)')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not save this exchange (by default it is saved, and `rockchat list` shows it)')
            [CompletionResult]::new('--no-stream', '--no-stream', [CompletionResultType]::ParameterName, 'Wait for the whole reply instead of streaming it')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print the model''s bytes unchanged, terminal escape sequences included')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the exact JSON request that would be sent (after trimming), and send nothing')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Run every tool call the model makes, without asking')
            [CompletionResult]::new('--no-tools', '--no-tools', [CompletionResultType]::ParameterName, 'Offer no tools (start no MCP server)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Ask for a JSON object (`response_format`); prints only the JSON, and exits with 3 when the reply is not valid JSON')
            [CompletionResult]::new('--usage', '--usage', [CompletionResultType]::ParameterName, 'Print the tokens the reply used and what they cost to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;models' {
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Provider from the config (default: the config''s `provider`)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Server base URL, e.g. http://localhost:8080/v1 (also OPENAI_BASE_URL). It gets no API key unless --api-key-env names one')
            [CompletionResult]::new('--api-key-env', '--api-key-env', [CompletionResultType]::ParameterName, 'The environment variable holding the key to send, instead of the provider''s own (the only way a --base-url server gets a key)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array (`id`, `context_window`) for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;list' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many to list')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;search' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many conversations to list')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;show' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print it as JSON for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to write')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every conversation (with --format archive)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'rockchat;import' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;delete' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;stats' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'How far back: hours, days or weeks (12h, 30d, 2w), or `all`')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Group by day, model or provider')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (costs as exact decimal dollars, null when unknown)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'rockchat;backup' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;tools' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;keys' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path (whether or not the file exists yet)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the config in effect (the defaults with your file over them), secrets redacted')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report every mistake in the config file at once; exit status 1 if there is any')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rockchat;config;path' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;config;show' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;config;check' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;config;help' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path (whether or not the file exists yet)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the config in effect (the defaults with your file over them), secrets redacted')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report every mistake in the config file at once; exit status 1 if there is any')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rockchat;config;help;path' {
            break
        }
        'rockchat;config;help;show' {
            break
        }
        'rockchat;config;help;check' {
            break
        }
        'rockchat;config;help;help' {
            break
        }
        'rockchat;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: the platform config dir''s rockchat/config.toml, if present)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rockchat;help' {
            [CompletionResult]::new('ask', 'ask', [CompletionResultType]::ParameterValue, 'Ask one question and print the reply (for scripts). Reads stdin as extra context. The exchange is saved as a conversation unless --no-save is given')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the models the provider''s server offers')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List saved conversations, newest first')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Search every saved message (words, word beginnings, any part of a word, CJK); one row per conversation, best match first. Exits 1 when nothing matches')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a conversation (the branch on screen) as markdown')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export a conversation: markdown, HTML, the request body (replay it with `curl -d @file`), or a full archive that `import` restores losslessly')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import conversations: rockchat''s archive or JSON export, or a ChatGPT export''s conversations.json. Importing a file again adds only what is new')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a conversation and all its messages')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Tokens and cost of the replies over a period, by day, model or provider')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Write a consistent copy of the whole database to FILE (which must not exist)')
            [CompletionResult]::new('tools', 'tools', [CompletionResultType]::ParameterValue, 'Start each configured MCP server and list its tools (exits 1 if one fails)')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Print the keys in effect: every action''s name (as `[keys]` and the command palette name it), its keys, and what it does')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'The config file: where it is, what is in effect, what is wrong with it')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, e.g. `rockchat completions bash > ~/.local/share/bash-completion/completions/rockchat`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rockchat;help;ask' {
            break
        }
        'rockchat;help;models' {
            break
        }
        'rockchat;help;list' {
            break
        }
        'rockchat;help;search' {
            break
        }
        'rockchat;help;show' {
            break
        }
        'rockchat;help;export' {
            break
        }
        'rockchat;help;import' {
            break
        }
        'rockchat;help;delete' {
            break
        }
        'rockchat;help;stats' {
            break
        }
        'rockchat;help;backup' {
            break
        }
        'rockchat;help;tools' {
            break
        }
        'rockchat;help;keys' {
            break
        }
        'rockchat;help;config' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path (whether or not the file exists yet)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the config in effect (the defaults with your file over them), secrets redacted')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report every mistake in the config file at once; exit status 1 if there is any')
            break
        }
        'rockchat;help;config;path' {
            break
        }
        'rockchat;help;config;show' {
            break
        }
        'rockchat;help;config;check' {
            break
        }
        'rockchat;help;completions' {
            break
        }
        'rockchat;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
