"""`rehearse`: pending migrations run on a copy of a SQLite backup, and what they would lose.

``measure`` reads a database (schema text, row and value counts, integrity checks), ``run``
owns the rest of the IO (the export of a commit, the copy of the backup, the migration
command), ``losses`` compares two measurements purely, ``report`` renders the outcome.
"""
