complete --keep-order --exclusive --command statectl --arguments "(COMPLETE=fish statectl -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
