"""The project's own promises: the README's test command is what CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ci_command() -> str:
    lines = [ln for ln in (ROOT / ".ci/run").read_text().splitlines()
             if ln.strip() and not ln.startswith(("#", "set ", "cd ", "export "))]
    assert len(lines) == 1, lines
    return lines[0]


def test_readme_test_command_is_what_ci_runs():
    assert _ci_command() in (ROOT / "README.md").read_text()


def test_project_speaks_only_of_itself():
    # built from pieces so that this file does not match itself
    bad = ("/wo" + "rk/", "." + "library/", "/ro" + "ot/")
    for path in ROOT.rglob("*"):
        # .hypothesis/ is hypothesis's git-ignored cache (it records absolute paths)
        if not path.is_file() or {".git", ".hypothesis"} & set(path.parts) \
                or path.suffix in {".pyc", ".elf", ".bin", ".o"}:
            continue
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        for b in bad:
            assert b not in text, f"{path.relative_to(ROOT)} mentions {b!r}"
