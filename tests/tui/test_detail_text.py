"""The detail pane's lines (DetailText): worked out directly, drawn as rich's table drew them, literal,
and cheap to update (no layout while the text fits its view)."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult

from core.models import Artifact
from tui.formatting import printable
from tui.widgets.detail import DetailPane, DetailText, detail_lines, table_lines

LABEL = Style(color="cyan", bold=True)
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def console() -> Console:
    return Console(width=200, file=io.StringIO(), color_system="truecolor")


def cells(lines: list[list[Segment]]) -> list[list[tuple[str, Style]]]:
    """Each line as (character, style) pairs: how segments are split does not matter on screen."""
    return [[(char, segment.style or Style()) for segment in line for char in segment.text] for line in lines]


# Words and runs of spaces, wide characters (two cells), long unbroken runs: what wraps and folds.
TEXT = st.text(alphabet=st.sampled_from([*"abcdefgh-/.:=", " ", "日", "😀", "é"]), max_size=90)
ROWS = st.lists(st.tuples(TEXT.filter(bool).map(lambda s: s[:16]), TEXT), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(rows=ROWS, width=st.integers(min_value=1, max_value=100))
def test_detail_lines_are_what_rich_s_table_grid_draws(rows: list[tuple[str, str]], width: int) -> None:
    out = console()
    assert cells(detail_lines(rows, width, LABEL, out)) == cells(table_lines(rows, width, LABEL, out))


def test_values_wrap_at_spaces_and_long_words_fold_within_the_width() -> None:
    rows = [("sha256", "f" * 64), ("note", "written without vrc's fields (e.g. by versioned 1.0.1)")]
    lines = detail_lines(rows, 30, LABEL, console())
    texts = ["".join(segment.text for segment in line) for line in lines]
    assert all(cell_len(text) <= 30 for text in texts)
    assert texts[:3] == ["sha256  " + "f" * 22, " " * 8 + "f" * 22, " " * 8 + "f" * 20 + "  "]
    assert texts[3].startswith("note    written without vrc's")
    # Labels keep their style on every line of their row (the column is painted under wrapped values).
    assert all(line[0].style == LABEL for line in lines)


class DetailApp(App[None]):
    CSS = "DetailPane { height: 12; } DetailBody { height: 1fr; padding: 0 1; }"

    def compose(self) -> ComposeResult:
        yield DetailPane(id="detail")


def hostile_artifact() -> Artifact:
    escape = "\x1b]0;pwned\x07\x1b[2J"
    return Artifact(
        name="model",
        version="7",
        update_at=NOW,
        s3uri="s3://bucket/prefix/model/000007",
        sha256="ab" * 32,
        size=1234,
        content_type=f"text/plain{escape}",
        metadata={f"key{escape}": f"value{escape} " + "日本" * 20, "dataset": "x" * 150},
    )


def test_hostile_long_values_at_a_narrow_width_are_escaped_wrapped_and_scroll() -> None:
    asyncio.run(narrow_hostile())


async def narrow_hostile() -> None:
    app = DetailApp()
    async with app.run_test(size=(34, 14)) as pilot:
        pane = app.query_one(DetailPane)
        text = pane.text
        artifact = hostile_artifact()
        pane.show_artifact(artifact, ("production",), NOW, UTC)
        await pilot.pause()
        lines = [text.render_line(y).text for y in range(text.size.height)]
        assert all(cell_len(line) <= text.size.width for line in lines)
        assert not any(CONTROL.search(line) for line in lines)
        # The value column (the second piece of each line), every wrapped piece joined again.
        joined = "".join(line[1].text.rstrip() for line in text.lines(text.size.width))
        assert printable(artifact.content_type or "") in joined
        assert "x" * 150 in joined and "日本" * 20 in joined
        # Taller than its view (11 lines under the title): it scrolls, its height is its lines.
        assert text.size.height == len(text.lines(text.size.width)) > 11
        assert text.parent is not None and text.parent.max_scroll_y > 0


def test_clearing_or_showing_text_that_fits_needs_no_layout() -> None:
    asyncio.run(fits_without_layout())


async def fits_without_layout() -> None:
    app = DetailApp()
    async with app.run_test(size=(60, 14)) as pilot:
        pane = app.query_one(DetailPane)
        text = pane.text
        small = hostile_artifact().model_copy(update={"metadata": {}, "content_type": "application/json"})
        pane.show_artifact(small, (), NOW, UTC)
        await pilot.pause()
        height = text.size.height
        assert height == 11  # the view's height, not its 8 lines
        layouts: list[bool] = []
        refresh = text.refresh

        def counting(*regions: object, layout: bool = False, **kwargs: bool) -> DetailText:
            layouts.append(layout)
            return refresh(*regions, layout=layout, **kwargs)  # type: ignore[arg-type]

        text.refresh = counting  # type: ignore[method-assign]
        pane.clear()
        pane.show_artifact(small.model_copy(update={"version": "8"}), ("staging",), NOW, UTC)
        await pilot.pause()
        assert layouts and not any(layouts)
        assert text.size.height == height
        assert "8" in text.render_line(0).text and "staging" in text.render_line(1).text
