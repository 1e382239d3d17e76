"""Documentation is tested: every command, every indicator, and the CI test command."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from vigia.cli import app
from vigia.indicators.catalog import indicators

REPO = Path(__file__).resolve().parents[2]


def _docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))])


def _commands(group, prefix: str = "") -> list[str]:
    out = []
    for name, sub in sorted(getattr(group, "commands", {}).items()):
        out.append(prefix + name)
        out.extend(_commands(sub, prefix + name + " "))
    return out


def test_every_command_is_documented_and_has_help():
    text = _docs_text()
    root = get_command(app)
    for name in _commands(root):
        assert f"vigia {name}" in text, f"`vigia {name}` is not documented in README.md or docs/"
        sub = root
        for part in name.split():
            sub = sub.commands[part]
        assert (sub.help or "").strip(), f"`vigia {name}` has no help text"
        for param in sub.params:
            if getattr(param, "param_type_name", "") == "option" and not param.hidden:
                assert (param.help or "").strip(), f"`vigia {name}` option {param.opts} has no help"


def test_every_indicator_is_documented():
    text = _docs_text()
    missing = [ind.id for ind in indicators() if f"`{ind.id}`" not in text]
    assert not missing, f"undocumented indicators: {missing}"


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Tests\s+```bash\n(.+?)\n```", readme, re.S)
    assert block, "README.md needs a '## Tests' section with the test command"
    test_command = block.group(1).strip().split("&&")[-1].strip()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci, f"README's test command `{test_command}` is not what .ci/run runs"
