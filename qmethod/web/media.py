"""Media of statements: pictures of picture statements, ``GET /pictures/<study>/<sha256>.<ext>``
(Streamlit keeps ``/media/`` for itself), and recordings read aloud instead of the device's voice,
``GET /recordings/<study>/<sha256>.<ext>``.

The bytes come from the database (stored with the published study), so every app process serves
the same file. The name is the file's SHA-256, so an answer never changes: it is cached for a
year (``immutable``). The content type comes from the stored bytes' magic numbers, with
``X-Content-Type-Options: nosniff``; a picture address serves only pictures, a recording address
only recordings. Unknown studies or files give 404.
"""
from __future__ import annotations

import html
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import StorageBusyError
from ..service import study_image
from ..study.images import audio_type, image_type
from ..study.model import StatementAudio, StatementImage
from .database import app_database

__all__ = ["routes", "MEDIA_PATH", "RECORDING_PATH", "media_url", "recording_url", "picture_html"]

MEDIA_PATH = "/pictures"
RECORDING_PATH = "/recordings"


def media_url(study_id: str, name: str) -> str:
    """The address of picture ``name`` (``<sha256>.<ext>``) of study ``study_id``."""
    return f"{MEDIA_PATH}/{study_id}/{name}"


def recording_url(study_id: str, audio: StatementAudio) -> str:
    """The address of a statement's recording in study ``study_id``."""
    return f"{RECORDING_PATH}/{study_id}/{audio.name}"


def picture_html(study_id: str, image: StatementImage, alt: str) -> str:
    """An ``<img>`` of a statement's picture (escaped), sized to fit its box, for a page's HTML."""
    return (f'<img class="statement-img" src="{html.escape(media_url(study_id, image.name))}" '
            f'alt="{html.escape(alt)}" style="max-width:100%;max-height:12rem;display:block">')


async def _pictures(request: Request) -> Response:
    return await _media(request, image_type)


async def _recordings(request: Request) -> Response:
    return await _media(request, audio_type)


async def _media(request: Request, type_of: Callable[[bytes], str | None]) -> Response:
    study, name = request.path_params["study"], request.path_params["name"]
    try:
        found = await run_in_threadpool(study_image, app_database(), study, name)
    except StorageBusyError:
        return PlainTextResponse("busy", status_code=503, headers={"Retry-After": "1"})
    if found is None:
        return PlainTextResponse("not found", status_code=404)
    data, _ = found
    kind = type_of(data)
    if kind is None:
        return PlainTextResponse("not found", status_code=404)
    return Response(data, media_type=kind, headers={
        "Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"})


def routes() -> list[BaseRoute]:
    return [Route(MEDIA_PATH + "/{study}/{name}", _pictures, methods=["GET"]),
            Route(RECORDING_PATH + "/{study}/{name}", _recordings, methods=["GET"])]
