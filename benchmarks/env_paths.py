"""Time `check` on a generated repository with many Python, JS and YAML files.

    python benchmarks/env_paths.py [FILES]

Builds a repository (the reference inventory and FILES source files, default 5000) in a
temporary directory, then times `check` for three commits: one touching a file that is not
data-bearing, one adding a variable and a storage path to a settings module, and one removing
the last reference to a documented variable, which makes the linter ask `git grep` whether the
entry is still used anywhere.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

from selenite_inventory_lint.cli import main

REFERENCE = Path(__file__).parents[1] / "tests" / "inventory" / "fixtures" / "reference.md"
ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def git(root: Path, *args: str) -> None:
    import os

    subprocess.run(("git", *args), cwd=root, check=True, env={**os.environ, **ENV})


def module(index: int) -> str:
    handlers = "".join(f"\n\ndef handler_{n}(x):\n    return x * {n}\n" for n in range(20))
    return (
        "import os\nfrom pathlib import Path\n\n"
        "ROOT = Path(__file__).parents[2]\n"
        f'CACHE = ROOT / "storage" / "media" / "m{index}"\n'
        'FLAG = os.getenv("TURNSTILE_SITE_KEY")\n' + handlers
    )


def timed(root: Path, *args: str) -> tuple[float, int]:
    out = io.StringIO()
    start = time.perf_counter()
    with redirect_stdout(out):
        code = main(["check", "--repo", str(root), "--base", "HEAD~1", *args])
    return time.perf_counter() - start, code


def main_bench(files: int) -> None:
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        root = Path(tmp)
        git(root, "init", "-q", "-b", "main")
        git(root, "config", "gc.auto", "0")  # no background gc racing the clean-up
        (root / "DATA_INVENTORY.md").write_text(REFERENCE.read_text("utf-8"), "utf-8")
        for i in range(files):
            kind = i % 10
            folder = root / "backend" / "app" / f"pkg{i % 50}"
            folder.mkdir(parents=True, exist_ok=True)
            if kind < 7:
                (folder / f"mod{i}.py").write_text(module(i), "utf-8")
            elif kind < 9:
                (folder / f"ui{i}.ts").write_text(
                    f"export const v{i} = process.env.TURNSTILE_SITE_KEY;\n" * 5, "utf-8"
                )
            else:
                (folder / f"notes{i}.md").write_text("RESEND_API_KEY is documented.\n", "utf-8")
        mail = root / "backend" / "app" / "mail.py"
        mail.write_text('import os\n\nKEY = os.getenv("RESEND_API_KEY")\n', "utf-8")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")

        (root / "backend" / "app" / "pkg9" / "notes9.md").write_text("changed\n", "utf-8")
        git(root, "commit", "-q", "-am", "docs only")
        print(f"{files} files; docs-only commit:        %.3fs exit %d" % timed(root))

        settings = root / "backend" / "app" / "config.py"
        settings.write_text(
            "from pathlib import Path\nfrom pydantic_settings import BaseSettings\n\n"
            'STORAGE = Path(__file__).parents[2] / "storage"\n\n\n'
            "class Settings(BaseSettings):\n"
            '    thumbnails: str = str(STORAGE / "thumbnails")\n'
            "    redis_url: str | None = None\n",
            "utf-8",
        )
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "settings")
        print(f"{files} files; new settings module:    %.3fs exit %d" % timed(root))

        mail.write_text("KEY = None\n", "utf-8")
        git(root, "commit", "-q", "-am", "retire")
        print(f"{files} files; last reference removed: %.3fs exit %d" % timed(root))


if __name__ == "__main__":
    main_bench(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
