"""Fuzz: the environment-variable, storage-path and config-file detectors (docs/usage.md)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from selenite_inventory_lint import globs
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import config_files, env, paths, references, sources
from selenite_inventory_lint.model import FileChange

from . import budget
from .strategies import check_result, context, file_changes, lines

TARGET = "env, paths and config_files detectors"
SHARE = budget.share(5)
CODES = frozenset({"INV303"})
SHELL = Config(
    sources={
        "shell": ("*.sh",),
        "yaml_env": (*sources.ENV_SOURCES["yaml_env"], *sources.CI_YAML),
    }
)

PYTHON = lines(
    (
        "import os\n",
        "from os import environ, getenv\n",
        "from pathlib import Path\n",
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n",
        "os.environ[",
        "os.environ.get(",
        "os.getenv(",
        "environ.setdefault(",
        "'SECRET_KEY'",
        "'PATH'",
        "NAME",
        " in os.environ",
        "ROOT = Path(__file__).resolve().parents[1]\n",
        "STORAGE = ROOT / 'storage'\n",
        "STORAGE / 'media'",
        "os.path.join(STORAGE, 'x')",
        "str(",
        "'storage/media/'",
        "'logs/app.log'",
        "f'storage/{x}'",
        "class Settings(BaseSettings):\n",
        "    model_config = SettingsConfigDict(env_prefix='APP_')\n",
        "    secret: str = Field(alias='X', validation_alias=AliasChoices('A', 'B'))\n",
        "    class Config:\n        env_prefix = PREFIX\n        fields = {'a': {'env': 'B'}}\n",
        "    path: Path = Path('storage/thumbnails')\n",
        "NAME = 'TOKEN'\n",
        "PREFIX = 'P_' + NAME\n",
        "(",
        ")",
        ", ",
        "\n",
        "    ",
        " + ",
        " / ",
    )
)
DOTENV = lines(("export ", "KEY", "=", "'", '"', "value", "# comment", "\\", "A_B", " ", "\n"))
JAVASCRIPT = lines(
    (
        "process.env.",
        "process.env['",
        "import.meta.env.",
        "const { ",
        " } = process.env",
        "API_URL",
        "MODE",
        "//",
        "/*",
        "*/",
        "`${",
        "}`",
        "'",
        '"',
        "/re/g",
        "x / y",
        "\n",
    )
)
YAML = lines(
    (
        "services:\n",
        "  app:\n",
        "    environment:\n",
        "      - KEY=1\n",
        "      KEY: 1\n",
        "      <<: *base\n",
        "x: &base\n",
        "env:\n",
        "  TOKEN: ${{ secrets.T }}\n",
        "variables:\n",
        "jobs:\n",
        "  - ",
        ": ",
        "[",
        "]",
        "{",
        "}",
        "!!python/object:os.system",
        "? ",
        "*",
        "&",
        "\t",
        "%YAML 1.2\n",
        "---\n",
    )
)
SHELL_TEXT = lines(("$", "${", "}", "HOME", "TOKEN", "=", "for ", "read -r ", "'", "export ", "\n"))
STYLES = st.one_of(
    file_changes(("backend/app/settings.py", "backend/app/x.py"), PYTHON),
    file_changes((".env", "backend/.env.example"), DOTENV),
    file_changes(("web/src/api.ts", "web/app.vue"), JAVASCRIPT),
    file_changes(("docker-compose.yml", ".github/workflows/ci.yml", ".gitlab-ci.yml"), YAML),
    file_changes(("deploy/run.sh",), SHELL_TEXT),
)


@SHARE
@given(change=STYLES)
@budget.counted(TARGET)
def test_env_detector(change: FileChange) -> None:
    check_result(env.DETECTOR.detect(change, context(config=SHELL)), CODES)


@SHARE
@given(change=file_changes(("backend/app/settings.py", "storage/x.py"), PYTHON))
@budget.counted(TARGET)
def test_paths_detector(change: FileChange) -> None:
    result = paths.DETECTOR.detect(change, context())
    check_result(result, CODES)
    for found in result.changes:
        assert not found.name.startswith(("/", "../")), found


@SHARE
@given(
    text=st.text(max_size=300),
    style=st.sampled_from(("python", "env_files", "javascript", "yaml_env", "shell")),
)
@budget.counted(TARGET)
def test_scanners_on_arbitrary_text(text: str, style: str) -> None:
    path = {"python": "a.py", "env_files": ".env", "javascript": "a.js", "yaml_env": "compose.yml"}
    line = 1
    try:
        env.scan(style, path.get(style, "a.sh"), text, ("storage/",))
    except references.Unreadable as exc:
        line = exc.line
    assert line >= 1


@SHARE
@given(
    change=file_changes(
        (".env.local", "data/app.db", "a/.workspace-state.json", "x.sqlite3"), DOTENV
    ),
    patterns=st.lists(st.text(alphabet="*?[]!^-/.a\\", max_size=8), max_size=3),
)
@budget.counted(TARGET)
def test_config_files_detector(change: FileChange, patterns: list[str]) -> None:
    config = Config(config_files=(*patterns, ".env*", "*.db"))
    check_result(config_files.DETECTOR.detect(change, context(config=config)), CODES)


@SHARE
@given(
    pattern=st.text(alphabet="*?[]!^-/.ab\\", max_size=12),
    path=st.text(alphabet="/.ab", max_size=30),
)
@budget.counted(TARGET)
def test_globs_on_any_pattern(pattern: str, path: str) -> None:
    globs.match(pattern, path)
