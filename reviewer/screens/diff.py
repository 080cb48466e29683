"""A proposal's diff: the changed files, suspicious ones first, and the lazily drawn diff."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reviewer import keys
from reviewer.diffmodel import DiffDocument, build
from reviewer.screens.key_order import DeclaredKeyOrder
from reviewer.textsafe import short
from reviewer.widgets.diff_view import DiffView
from reviewer.widgets.footer import Footer

if TYPE_CHECKING:
    from reviewer.app import ReviewApp
    from reviewer.parentdiff import ParentDiff


def shown_allow_list(harness: str) -> tuple[str, ...]:
    """The allow-list the diff is marked against; an unknown harness or broken config
    allows nothing, so every file shows as outside it."""
    from reviewer.allowlist import allow_list
    from reviewer.config import ConfigError

    try:
        return allow_list(harness) or ()
    except ConfigError:
        return ()


class DiffScreen(DeclaredKeyOrder, Screen[None]):
    """Files on the left, the diff on the right; n/p move between files."""

    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("diff"))
    AUTO_FOCUS = "DiffView"

    def __init__(
        self, proposal_id: str, from_parent: ParentDiff | None = None, *,
        title: str | None = None, at: tuple[str, int] | None = None,
    ) -> None:
        """The proposal's diff against the harness, or what it changes from its parent;
        `title` is its title as the proposal screen shows it (claim masked while blinded);
        `at` is a (path, line) of the new code to open at, such as a check names."""
        super().__init__()
        self.proposal_id = proposal_id
        self.title_text = title
        self.from_parent = from_parent
        self.at = at
        self.document = DiffDocument([], [])
        self.file_index = 0

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        row = self.review_app.store.get(self.proposal_id)
        diff = row["diff"] if self.from_parent is None else self.from_parent.diff
        self.document = build(diff, shown_allow_list(row["harness"]))
        flagged = sum(1 for f in self.document.files if f.flagged)
        head = f"diff {(row['diff_sha256'] or 'none')[:12]}"
        if self.from_parent is not None:
            parent = self.from_parent.parent
            head = f"from parent {parent.id[:12]} ({parent.status}) to {self.proposal_id[:12]}"
        # The title goes last, where a narrow terminal cuts it rather than the counts.
        files = len(self.document.files)
        head += (f"   {files} file{'' if files == 1 else 's'}, {flagged} flagged   "
                 f"{short(row['title'] if self.title_text is None else self.title_text, 80)}")
        yield Static(Text(head, style="bold"), id="diff-head")
        with Horizontal(id="diff-main"):
            options = [
                Option(
                    Text.assemble(
                        ("! " if f.flagged else "  ", "bold yellow"),
                        short(f.path, 60),
                        (f"  +{f.added} -{f.removed}", "dim"),
                    )
                )
                for f in self.document.files
            ]
            files_list = OptionList(*options, id="diff-files")
            # One file needs no list: its header line in the diff names it, and the code
            # gets the whole width.
            files_list.display = len(self.document.files) > 1
            yield files_list
            yield DiffView(self.document, id="diff-view")
        yield Footer()

    def on_mount(self) -> None:
        if self.at is None:
            return
        path, line = self.at
        index = self.document.index_of(path, line)
        if index is None:
            self.notify(f"{short(path, 60)}:{line} is not in the diff's hunks", markup=False,
                        severity="warning")
            return
        files = [f.path for f in self.document.files]
        if path in files and len(files) > 1:
            self.query_one("#diff-files", OptionList).highlighted = files.index(path)
        # A few lines of context above the line, once the file's own scroll has landed.
        self.call_after_refresh(self.query_one(DiffView).scroll_to_line, max(0, index - 3))

    @on(OptionList.OptionHighlighted, "#diff-files")
    def file_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_file(event.option_index)

    def _show_file(self, index: int) -> None:
        if 0 <= index < len(self.document.files):
            self.file_index = index
            self.query_one(DiffView).scroll_to_line(self.document.files[index].start)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_file", "prev_file"):
            return len(self.document.files) > 1
        return True

    def action_next_file(self) -> None:
        self._move(1)

    def action_prev_file(self) -> None:
        self._move(-1)

    def _move(self, step: int) -> None:
        files = self.query_one("#diff-files", OptionList)
        files.highlighted = (self.file_index + step) % max(len(self.document.files), 1)

    def action_back(self) -> None:
        self.app.pop_screen()
