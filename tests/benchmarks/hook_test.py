"""benchmarks/hook.py runs the real hook command and reports numbers another script can use."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "hook.py"


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarks_hook", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def test_measure_times_the_three_commands_in_one_repository(
    hook: ModuleType, tmp_path: Path, git_env: None
) -> None:
    result = hook.measure(repetitions=2, files=30, workdir=tmp_path)
    assert result.repetitions == 2
    assert (
        result.tracked_files == 30 + 5
    )  # the demo (inventory, alembic.ini, two revisions), README
    assert list(result.timings) == [hook.GIT_DIFF, hook.INTERPRETER, hook.HOOK]
    for stats in result.timings.values():
        assert 0 < stats.minimum <= stats.median <= stats.maximum
    assert result.hook_command[-2:] == ("check", "--staged")
    assert result.hook_over_git == pytest.approx(
        result.timings[hook.HOOK].median - result.timings[hook.GIT_DIFF].median
    )
    text = hook.render(result)
    assert "selenite-inventory-lint check --staged" in text
    assert "hook beyond `git diff --cached --name-only`" in text


def test_main_prints_json(
    hook: ModuleType, git_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hook.main(["--repetitions", "1", "--files", "3", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["repetitions"] == 1
    assert set(payload["timings"]) == {hook.GIT_DIFF, hook.INTERPRETER, hook.HOOK}
    assert payload["hook_over_git"] > 0


def test_repository_stages_one_unrelated_file_and_a_failure_is_an_error(
    hook: ModuleType, tmp_path: Path, git_env: None
) -> None:
    hook.build_repository(tmp_path, 0)
    staged = subprocess.run(
        ("git", "diff", "--cached", "--name-only"), cwd=tmp_path, capture_output=True, text=True
    )
    assert staged.stdout == "README.md\n"
    env = hook._environment()
    with pytest.raises(RuntimeError, match=r"exited 2: .*unknown format 'xml'"):
        hook._time((*hook._hook_command(), "--format", "xml"), tmp_path, env)
