"""One module per subcommand (STYLE §1); each exposes ``run(args) -> exit code``."""
