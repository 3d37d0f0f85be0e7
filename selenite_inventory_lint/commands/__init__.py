"""One module per subcommand (docs/development.md); each exposes ``run(args) -> exit code``."""
