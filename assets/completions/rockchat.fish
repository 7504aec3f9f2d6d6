complete --keep-order --exclusive --command rockchat --arguments "(COMPLETE=fish rockchat -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
