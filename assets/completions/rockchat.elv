
use builtin;
use str;

set edit:completion:arg-completer[rockchat] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'rockchat'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'rockchat'= {
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --provider 'Provider from the config (default: the config''s `provider`)'
            cand --base-url 'Server base URL, e.g. http://localhost:8080/v1 (also OPENAI_BASE_URL). It gets no API key unless --api-key-env names one'
            cand --api-key-env 'The environment variable holding the key to send, instead of the provider''s own (the only way a --base-url server gets a key)'
            cand -m 'Model name (default: the provider''s `model`)'
            cand --model 'Model name (default: the provider''s `model`)'
            cand -s 'System message for the conversation (default: config `system_prompt`)'
            cand --system 'System message for the conversation (default: config `system_prompt`)'
            cand --preset 'Start from a preset: `[presets.NAME]` in the config, or one saved in the app. Its provider, model and system message give way to the flags above'
            cand --open 'Reopen the conversation with this id (see `rockchat list`)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand -c 'Reopen the most recent conversation'
            cand --continue 'Reopen the most recent conversation'
            cand --inline 'Run inline: no alternate screen; finished messages go into the terminal''s own scrollback and stay there after quitting (config: `screen = "inline"`)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand ask 'Ask one question and print the reply (for scripts). Reads stdin as extra context. The exchange is saved as a conversation unless --no-save is given'
            cand models 'List the models the provider''s server offers'
            cand list 'List saved conversations, newest first'
            cand search 'Search every saved message (words, word beginnings, any part of a word, CJK); one row per conversation, best match first. Exits 1 when nothing matches'
            cand show 'Print a conversation (the branch on screen) as markdown'
            cand export 'Export a conversation: markdown, HTML, the request body (replay it with `curl -d @file`), or a full archive that `import` restores losslessly'
            cand import 'Import conversations: rockchat''s archive or JSON export, or a ChatGPT export''s conversations.json. Importing a file again adds only what is new'
            cand delete 'Delete a conversation and all its messages'
            cand stats 'Tokens and cost of the replies over a period, by day, model or provider'
            cand backup 'Write a consistent copy of the whole database to FILE (which must not exist)'
            cand tools 'Start each configured MCP server and list its tools (exits 1 if one fails)'
            cand keys 'Print the keys in effect: every action''s name (as `[keys]` and the command palette name it), its keys, and what it does'
            cand config 'The config file: where it is, what is in effect, what is wrong with it'
            cand completions 'Print a shell completion script, e.g. `rockchat completions bash > ~/.local/share/bash-completion/completions/rockchat`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rockchat;ask'= {
            cand --provider 'Provider from the config (default: the config''s `provider`)'
            cand --base-url 'Server base URL, e.g. http://localhost:8080/v1 (also OPENAI_BASE_URL). It gets no API key unless --api-key-env names one'
            cand --api-key-env 'The environment variable holding the key to send, instead of the provider''s own (the only way a --base-url server gets a key)'
            cand -m 'Model name (default: the provider''s `model`)'
            cand --model 'Model name (default: the provider''s `model`)'
            cand -s 'System message for the conversation (default: config `system_prompt`)'
            cand --system 'System message for the conversation (default: config `system_prompt`)'
            cand --preset 'Start from a preset: `[presets.NAME]` in the config, or one saved in the app. Its provider, model and system message give way to the flags above'
            cand --open 'Continue the conversation with this id (see `rockchat list`)'
            cand -i 'Attach an image (PNG, JPEG, GIF or WebP) to the prompt; repeat for more'
            cand --image 'Attach an image (PNG, JPEG, GIF or WebP) to the prompt; repeat for more'
            cand --approve 'Run calls to this tool without asking; repeat for more. Other calls are refused'
            cand -f 'Attach a text file (sent after the prompt as a fenced block under its name), or an image; repeat for more. Binary files and files too long for the model are refused'
            cand --file 'Attach a text file (sent after the prompt as a fenced block under its name), or an image; repeat for more. Binary files and files too long for the model are refused'
            cand --schema 'Ask for JSON valid against the JSON Schema in FILE; exits with 3 when the reply does not match it'
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand -c 'Continue the most recent conversation (its history goes with the prompt)'
            cand --continue 'Continue the most recent conversation (its history goes with the prompt)'
            cand --no-save 'Do not save this exchange (by default it is saved, and `rockchat list` shows it)'
            cand --no-stream 'Wait for the whole reply instead of streaming it'
            cand --raw 'Print the model''s bytes unchanged, terminal escape sequences included'
            cand --dry-run 'Print the exact JSON request that would be sent (after trimming), and send nothing'
            cand --yes 'Run every tool call the model makes, without asking'
            cand --no-tools 'Offer no tools (start no MCP server)'
            cand --json 'Ask for a JSON object (`response_format`); prints only the JSON, and exits with 3 when the reply is not valid JSON'
            cand --usage 'Print the tokens the reply used and what they cost to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;models'= {
            cand --provider 'Provider from the config (default: the config''s `provider`)'
            cand --base-url 'Server base URL, e.g. http://localhost:8080/v1 (also OPENAI_BASE_URL). It gets no API key unless --api-key-env names one'
            cand --api-key-env 'The environment variable holding the key to send, instead of the provider''s own (the only way a --base-url server gets a key)'
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand --json 'Print a JSON array (`id`, `context_window`) for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;list'= {
            cand --limit 'How many to list'
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand --json 'Print a JSON array for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;search'= {
            cand --limit 'How many conversations to list'
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand --json 'Print a JSON array for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;show'= {
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand --json 'Print it as JSON for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;export'= {
            cand --format 'What to write'
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand --all 'Every conversation (with --format archive)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'rockchat;import'= {
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;delete'= {
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;stats'= {
            cand --since 'How far back: hours, days or weeks (12h, 30d, 2w), or `all`'
            cand --by 'Group by day, model or provider'
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand --json 'Print JSON (costs as exact decimal dollars, null when unknown)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'rockchat;backup'= {
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;tools'= {
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;keys'= {
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;config'= {
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand path 'Print the config file''s path (whether or not the file exists yet)'
            cand show 'Print the config in effect (the defaults with your file over them), secrets redacted'
            cand check 'Report every mistake in the config file at once; exit status 1 if there is any'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rockchat;config;path'= {
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;config;show'= {
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;config;check'= {
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;config;help'= {
            cand path 'Print the config file''s path (whether or not the file exists yet)'
            cand show 'Print the config in effect (the defaults with your file over them), secrets redacted'
            cand check 'Report every mistake in the config file at once; exit status 1 if there is any'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rockchat;config;help;path'= {
        }
        &'rockchat;config;help;show'= {
        }
        &'rockchat;config;help;check'= {
        }
        &'rockchat;config;help;help'= {
        }
        &'rockchat;completions'= {
            cand --config 'Config file (default: the platform config dir''s rockchat/config.toml, if present)'
            cand --log-level 'How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG variable takes a full filter instead)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rockchat;help'= {
            cand ask 'Ask one question and print the reply (for scripts). Reads stdin as extra context. The exchange is saved as a conversation unless --no-save is given'
            cand models 'List the models the provider''s server offers'
            cand list 'List saved conversations, newest first'
            cand search 'Search every saved message (words, word beginnings, any part of a word, CJK); one row per conversation, best match first. Exits 1 when nothing matches'
            cand show 'Print a conversation (the branch on screen) as markdown'
            cand export 'Export a conversation: markdown, HTML, the request body (replay it with `curl -d @file`), or a full archive that `import` restores losslessly'
            cand import 'Import conversations: rockchat''s archive or JSON export, or a ChatGPT export''s conversations.json. Importing a file again adds only what is new'
            cand delete 'Delete a conversation and all its messages'
            cand stats 'Tokens and cost of the replies over a period, by day, model or provider'
            cand backup 'Write a consistent copy of the whole database to FILE (which must not exist)'
            cand tools 'Start each configured MCP server and list its tools (exits 1 if one fails)'
            cand keys 'Print the keys in effect: every action''s name (as `[keys]` and the command palette name it), its keys, and what it does'
            cand config 'The config file: where it is, what is in effect, what is wrong with it'
            cand completions 'Print a shell completion script, e.g. `rockchat completions bash > ~/.local/share/bash-completion/completions/rockchat`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rockchat;help;ask'= {
        }
        &'rockchat;help;models'= {
        }
        &'rockchat;help;list'= {
        }
        &'rockchat;help;search'= {
        }
        &'rockchat;help;show'= {
        }
        &'rockchat;help;export'= {
        }
        &'rockchat;help;import'= {
        }
        &'rockchat;help;delete'= {
        }
        &'rockchat;help;stats'= {
        }
        &'rockchat;help;backup'= {
        }
        &'rockchat;help;tools'= {
        }
        &'rockchat;help;keys'= {
        }
        &'rockchat;help;config'= {
            cand path 'Print the config file''s path (whether or not the file exists yet)'
            cand show 'Print the config in effect (the defaults with your file over them), secrets redacted'
            cand check 'Report every mistake in the config file at once; exit status 1 if there is any'
        }
        &'rockchat;help;config;path'= {
        }
        &'rockchat;help;config;show'= {
        }
        &'rockchat;help;config;check'= {
        }
        &'rockchat;help;completions'= {
        }
        &'rockchat;help;help'= {
        }
    ]
    $completions[$command]
}
