"""Reading a whole answer of the inner app before changing it (for the first-load middleware)."""
from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["whole_answer"]


async def whole_answer(app: ASGIApp, scope: Scope, receive: Receive, send: Send,
                       wanted: Callable[[int, Headers], bool]) -> tuple[Message, bytes] | None:
    """Run ``app``; if ``wanted(status, headers)`` holds for its answer, return the start message and
    the whole body (nothing sent yet), otherwise pass the answer on unchanged and return ``None``."""
    start: Message = {}
    chunks: list[bytes] = []
    passing = False

    async def collect(message: Message) -> None:
        nonlocal start, passing
        if message["type"] == "http.response.start":
            start = message
            passing = not wanted(message["status"], Headers(raw=message.get("headers", [])))
            if passing:
                await send(message)
        elif passing:
            await send(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, collect)
    if passing or not start:
        return None
    return start, b"".join(chunks)
