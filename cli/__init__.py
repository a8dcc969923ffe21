"""The scoreledger command line (typer + rich): an entrypoint, the outermost ring."""
