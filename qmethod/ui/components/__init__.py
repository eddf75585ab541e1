"""Custom browser components (Streamlit components v2: inline JS/CSS, no iframe, no build step)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

from ...study import Study
from ...study.model import Statement
from ...web.media import media_url, recording_url
from ...web.participant import OP_PATH, STATE_PATH, state_json

__all__ = ["asset", "module_css", "module_js", "queue_data", "statement_item"]


def statement_item(study: Study, s: Statement, text: Callable[[dict[str, str]], str]) -> dict[str, Any]:
    """A statement as the grid and presort draw it (``statementFace`` in ``common.js``): id and text
    in the page's language (``text`` picks it), and for a picture statement the picture's address on
    the app's own host, its alt text and whether the text is shown under it; for a statement with a
    recording its address (read aloud plays it instead of the device's voice)."""
    item: dict[str, Any] = {"id": s.id, "text": text(s.text)}
    if s.image is not None:
        item.update(image=media_url(study.id, s.image.name), alt=text(s.image.alt), caption=s.image.caption)
    if s.audio is not None:
        item["audio"] = recording_url(study.id, s.audio)
    return item


def asset(package: str, name: str) -> str:
    """The text of a JS/CSS file shipped inside ``qmethod.ui.components.<package>``."""
    return resources.files(f"qmethod.ui.components.{package}").joinpath(name).read_text(encoding="utf-8")


def module_js(package: str, name: str) -> str:
    """A component's JS module with the shared helpers (``common.js``) in front of it."""
    common = resources.files("qmethod.ui.components").joinpath("common.js").read_text(encoding="utf-8")
    return common + "\n" + asset(package, name)


def module_css(package: str, name: str) -> str:
    """A component's style sheet with the shared styles (``common.css``) in front of it."""
    common = resources.files("qmethod.ui.components").joinpath("common.css").read_text(encoding="utf-8")
    return common + "\n" + asset(package, name)


def queue_data(token: str | None, state: Any, gate: Sequence[str] = (), *, local_key: str = "preview") -> dict[str, Any]:
    """What the grid and presort need to post the participant's operations (``common.js``): the
    token, the endpoints, the stored state (a ``ParticipantState``), the localStorage key of the
    queue (one per study and participant) and the keys of the buttons that wait for it.

    Without a token (previews, the component demo) nothing is sent or stored: the actions stay in
    the page (``local_key`` names them, so that a redraw keeps them)."""
    if token is None or state is None:
        return {"token": None, "api": None, "state_api": None,
                "state": {"version": 0, "stage": "", "columns": {}, "piles": {}, "completed": False},
                "storage_key": f"local.{local_key}", "gate": []}
    return {
        "token": token,
        "api": OP_PATH,
        "state_api": STATE_PATH,
        "state": state_json(state),
        "storage_key": f"qmethod.ops.{state.study_id}.{state.participant}",
        "gate": list(gate),
    }
