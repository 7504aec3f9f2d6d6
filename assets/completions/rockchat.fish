# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rockchat_global_optspecs
    string join \n config= provider= base-url= api-key-env= m/model= s/system= preset= c/continue open= inline log-level= h/help V/version
end

function __fish_rockchat_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rockchat_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rockchat_using_subcommand
    set -l cmd (__fish_rockchat_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rockchat -n "__fish_rockchat_needs_command" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_needs_command" -l provider -d 'Provider from the config (default: the config\'s `provider`)' -r
complete -c rockchat -n "__fish_rockchat_needs_command" -l base-url -d 'Server base URL, e.g. http://localhost:8080/v1 (also OPENAI_BASE_URL). It gets no API key unless --api-key-env names one' -r -f
complete -c rockchat -n "__fish_rockchat_needs_command" -l api-key-env -d 'The environment variable holding the key to send, instead of the provider\'s own (the only way a --base-url server gets a key)' -r
complete -c rockchat -n "__fish_rockchat_needs_command" -s m -l model -d 'Model name (default: the provider\'s `model`)' -r
complete -c rockchat -n "__fish_rockchat_needs_command" -s s -l system -d 'System message for the conversation (default: config `system_prompt`)' -r
complete -c rockchat -n "__fish_rockchat_needs_command" -l preset -d 'Start from a preset: `[presets.NAME]` in the config, or one saved in the app. Its provider, model and system message give way to the flags above' -r
complete -c rockchat -n "__fish_rockchat_needs_command" -l open -d 'Reopen the conversation with this id (see `rockchat list`)' -r
complete -c rockchat -n "__fish_rockchat_needs_command" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_needs_command" -s c -l continue -d 'Reopen the most recent conversation'
complete -c rockchat -n "__fish_rockchat_needs_command" -l inline -d 'Run inline: no alternate screen; finished messages go into the terminal\'s own scrollback and stay there after quitting (config: `screen = "inline"`)'
complete -c rockchat -n "__fish_rockchat_needs_command" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_needs_command" -s V -l version -d 'Print version'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "ask" -d 'Ask one question and print the reply (for scripts). Reads stdin as extra context. The exchange is saved as a conversation unless --no-save is given'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "models" -d 'List the models the provider\'s server offers'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "list" -d 'List saved conversations, newest first'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "search" -d 'Search every saved message (words, word beginnings, any part of a word, CJK); one row per conversation, best match first. Exits 1 when nothing matches'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "show" -d 'Print a conversation (the branch on screen) as markdown'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "export" -d 'Export a conversation: markdown, HTML, the request body (replay it with `curl -d @file`), or a full archive that `import` restores losslessly'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "import" -d 'Import conversations: rockchat\'s archive or JSON export, or a ChatGPT export\'s conversations.json. Importing a file again adds only what is new'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "delete" -d 'Delete a conversation and all its messages'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "stats" -d 'Tokens and cost of the replies over a period, by day, model or provider'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "backup" -d 'Write a consistent copy of the whole database to FILE (which must not exist)'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "tools" -d 'Start each configured MCP server and list its tools (exits 1 if one fails)'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "keys" -d 'Print the keys in effect: every action\'s name (as `[keys]` and the command palette name it), its keys, and what it does'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "config" -d 'The config file: where it is, what is in effect, what is wrong with it'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "completions" -d 'Print a shell completion script, e.g. `rockchat completions bash > ~/.local/share/bash-completion/completions/rockchat`'
complete -c rockchat -n "__fish_rockchat_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l provider -d 'Provider from the config (default: the config\'s `provider`)' -r
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l base-url -d 'Server base URL, e.g. http://localhost:8080/v1 (also OPENAI_BASE_URL). It gets no API key unless --api-key-env names one' -r -f
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l api-key-env -d 'The environment variable holding the key to send, instead of the provider\'s own (the only way a --base-url server gets a key)' -r
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -s m -l model -d 'Model name (default: the provider\'s `model`)' -r
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -s s -l system -d 'System message for the conversation (default: config `system_prompt`)' -r
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l preset -d 'Start from a preset: `[presets.NAME]` in the config, or one saved in the app. Its provider, model and system message give way to the flags above' -r
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l open -d 'Continue the conversation with this id (see `rockchat list`)' -r
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -s i -l image -d 'Attach an image (PNG, JPEG, GIF or WebP) to the prompt; repeat for more' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l approve -d 'Run calls to this tool without asking; repeat for more. Other calls are refused' -r
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -s f -l file -d 'Attach a text file (sent after the prompt as a fenced block under its name), or an image; repeat for more. Binary files and files too long for the model are refused' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l schema -d 'Ask for JSON valid against the JSON Schema in FILE; exits with 3 when the reply does not match it' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -s c -l continue -d 'Continue the most recent conversation (its history goes with the prompt)'
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l no-save -d 'Do not save this exchange (by default it is saved, and `rockchat list` shows it)'
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l no-stream -d 'Wait for the whole reply instead of streaming it'
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l raw -d 'Print the model\'s bytes unchanged, terminal escape sequences included'
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l dry-run -d 'Print the exact JSON request that would be sent (after trimming), and send nothing'
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l yes -d 'Run every tool call the model makes, without asking'
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l no-tools -d 'Offer no tools (start no MCP server)'
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l json -d 'Ask for a JSON object (`response_format`); prints only the JSON, and exits with 3 when the reply is not valid JSON'
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -l usage -d 'Print the tokens the reply used and what they cost to stderr'
complete -c rockchat -n "__fish_rockchat_using_subcommand ask" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand models" -l provider -d 'Provider from the config (default: the config\'s `provider`)' -r
complete -c rockchat -n "__fish_rockchat_using_subcommand models" -l base-url -d 'Server base URL, e.g. http://localhost:8080/v1 (also OPENAI_BASE_URL). It gets no API key unless --api-key-env names one' -r -f
complete -c rockchat -n "__fish_rockchat_using_subcommand models" -l api-key-env -d 'The environment variable holding the key to send, instead of the provider\'s own (the only way a --base-url server gets a key)' -r
complete -c rockchat -n "__fish_rockchat_using_subcommand models" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand models" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand models" -l json -d 'Print a JSON array (`id`, `context_window`) for scripts'
complete -c rockchat -n "__fish_rockchat_using_subcommand models" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand list" -l limit -d 'How many to list' -r
complete -c rockchat -n "__fish_rockchat_using_subcommand list" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand list" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand list" -l json -d 'Print a JSON array for scripts'
complete -c rockchat -n "__fish_rockchat_using_subcommand list" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand search" -l limit -d 'How many conversations to list' -r
complete -c rockchat -n "__fish_rockchat_using_subcommand search" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand search" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand search" -l json -d 'Print a JSON array for scripts'
complete -c rockchat -n "__fish_rockchat_using_subcommand search" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand show" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand show" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand show" -l json -d 'Print it as JSON for scripts'
complete -c rockchat -n "__fish_rockchat_using_subcommand show" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand export" -l format -d 'What to write' -r -f -a "md\t'Markdown, for reading'
html\t'A self-contained HTML page, for sharing'
json\t'The request body `ask --no-stream --dry-run` sends (replay it with `curl -d @file`)'
archive\t'Everything: every branch, pins, parameters, attachments, timestamps, provider and model per reply. `rockchat import` restores it'"
complete -c rockchat -n "__fish_rockchat_using_subcommand export" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand export" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand export" -l all -d 'Every conversation (with --format archive)'
complete -c rockchat -n "__fish_rockchat_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rockchat -n "__fish_rockchat_using_subcommand import" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand import" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand import" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand delete" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand delete" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand delete" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand stats" -l since -d 'How far back: hours, days or weeks (12h, 30d, 2w), or `all`' -r
complete -c rockchat -n "__fish_rockchat_using_subcommand stats" -l by -d 'Group by day, model or provider' -r -f -a "day\t'The local calendar day the reply arrived'
model\t''
provider\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand stats" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand stats" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand stats" -l json -d 'Print JSON (costs as exact decimal dollars, null when unknown)'
complete -c rockchat -n "__fish_rockchat_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rockchat -n "__fish_rockchat_using_subcommand backup" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand backup" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand backup" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand tools" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand tools" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand tools" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand keys" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand keys" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand keys" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -f -a "path" -d 'Print the config file\'s path (whether or not the file exists yet)'
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -f -a "show" -d 'Print the config in effect (the defaults with your file over them), secrets redacted'
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -f -a "check" -d 'Report every mistake in the config file at once; exit status 1 if there is any'
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and not __fish_seen_subcommand_from path show check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from path" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from path" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from show" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from check" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the config file\'s path (whether or not the file exists yet)'
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the config in effect (the defaults with your file over them), secrets redacted'
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Report every mistake in the config file at once; exit status 1 if there is any'
complete -c rockchat -n "__fish_rockchat_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rockchat -n "__fish_rockchat_using_subcommand completions" -l config -d 'Config file (default: the platform config dir\'s rockchat/config.toml, if present)' -r -F
complete -c rockchat -n "__fish_rockchat_using_subcommand completions" -l log-level -d 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rockchat -n "__fish_rockchat_using_subcommand completions" -s h -l help -d 'Print help'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "ask" -d 'Ask one question and print the reply (for scripts). Reads stdin as extra context. The exchange is saved as a conversation unless --no-save is given'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "models" -d 'List the models the provider\'s server offers'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "list" -d 'List saved conversations, newest first'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "search" -d 'Search every saved message (words, word beginnings, any part of a word, CJK); one row per conversation, best match first. Exits 1 when nothing matches'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "show" -d 'Print a conversation (the branch on screen) as markdown'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "export" -d 'Export a conversation: markdown, HTML, the request body (replay it with `curl -d @file`), or a full archive that `import` restores losslessly'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "import" -d 'Import conversations: rockchat\'s archive or JSON export, or a ChatGPT export\'s conversations.json. Importing a file again adds only what is new'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "delete" -d 'Delete a conversation and all its messages'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "stats" -d 'Tokens and cost of the replies over a period, by day, model or provider'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "backup" -d 'Write a consistent copy of the whole database to FILE (which must not exist)'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "tools" -d 'Start each configured MCP server and list its tools (exits 1 if one fails)'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "keys" -d 'Print the keys in effect: every action\'s name (as `[keys]` and the command palette name it), its keys, and what it does'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "config" -d 'The config file: where it is, what is in effect, what is wrong with it'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "completions" -d 'Print a shell completion script, e.g. `rockchat completions bash > ~/.local/share/bash-completion/completions/rockchat`'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and not __fish_seen_subcommand_from ask models list search show export import delete stats backup tools keys config completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the config file\'s path (whether or not the file exists yet)'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the config in effect (the defaults with your file over them), secrets redacted'
complete -c rockchat -n "__fish_rockchat_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Report every mistake in the config file at once; exit status 1 if there is any'
