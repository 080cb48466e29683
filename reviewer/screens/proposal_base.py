"""What every part of the proposal screen shares: its state, the app, blinding and after-write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reviewer.blinding import blind_agent_text
from reviewer.tuidata import QueueView, assessed_by

if TYPE_CHECKING:
    from textual.screen import Screen

    from reviewer.app import ReviewApp

    # The parts are plain mixins at run time, so Textual sees ProposalScreen's own CSS bases.
    _Screen = Screen[None]
else:
    _Screen = object


class ProposalBase(_Screen):
    """The proposal screen's state and the helpers its decision and rerun actions share."""

    proposal_id: str
    queue: QueueView
    data: dict[str, Any]

    if TYPE_CHECKING:

        def reload(self) -> None: ...

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    @property
    def claim_hidden(self) -> bool:
        """Blinded review hides the claim until this reviewer has recorded an assessment."""
        app = self.review_app
        return app.blinded and not assessed_by(self.data, app.actor)

    def agent_text(self, text: str) -> str:
        """The agent's `text`, with the claimed values in it masked while the claim is hidden."""
        claims = self.data.get("claims") or []
        return blind_agent_text(text, claims) if self.claim_hidden else text

    def _after_write(self, message: str) -> None:
        # A write can land after the user left this screen: say it was saved all the same.
        if self.is_attached:
            self.reload()
        self.app.notify(message, markup=False)
