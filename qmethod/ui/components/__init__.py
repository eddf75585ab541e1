"""Custom browser components (Streamlit components v2: inline JS/CSS, no iframe, no build step)."""
from __future__ import annotations

from importlib import resources

__all__ = ["asset", "module_js"]


def asset(package: str, name: str) -> str:
    """The text of a JS/CSS file shipped inside ``qmethod.ui.components.<package>``."""
    return resources.files(f"qmethod.ui.components.{package}").joinpath(name).read_text(encoding="utf-8")


def module_js(package: str, name: str) -> str:
    """A component's JS module with the shared helpers (``common.js``) in front of it."""
    common = resources.files("qmethod.ui.components").joinpath("common.js").read_text(encoding="utf-8")
    return common + "\n" + asset(package, name)
