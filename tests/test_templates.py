"""The templates themselves: no line over 120 characters, so each reads in a review or a diff."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MAX_LINE = 120


def test_no_template_line_is_over_120_characters():
    paths = sorted(TEMPLATES.rglob("*.html"))
    assert len(paths) > 10  # the walk found the templates
    too_long = [
        f"{path.relative_to(TEMPLATES)}:{number}: {len(line)} characters"
        for path in paths
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if len(line) > MAX_LINE
    ]
    assert not too_long, "\n".join(too_long)
