"""Pictures of picture statements: ``GET /pictures/<study>/<sha256>.<ext>`` (Streamlit keeps ``/media/`` for itself).

The bytes come from the database (stored with the published study), so every app process serves
the same picture. The name is the picture's SHA-256, so an answer never changes: it is cached for a
year (``immutable``). The content type comes from the stored bytes' magic numbers, with
``X-Content-Type-Options: nosniff``. Unknown studies or pictures give 404.
"""
from __future__ import annotations

import html

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import StorageBusyError
from ..service import study_image
from ..study.images import image_type
from ..study.model import StatementImage
from .database import app_database

__all__ = ["routes", "MEDIA_PATH", "media_url", "picture_html"]

MEDIA_PATH = "/pictures"


def media_url(study_id: str, name: str) -> str:
    """The address of picture ``name`` (``<sha256>.<ext>``) of study ``study_id``."""
    return f"{MEDIA_PATH}/{study_id}/{name}"


def picture_html(study_id: str, image: StatementImage, alt: str) -> str:
    """An ``<img>`` of a statement's picture (escaped), sized to fit its box, for a page's HTML."""
    return (f'<img class="statement-img" src="{html.escape(media_url(study_id, image.name))}" '
            f'alt="{html.escape(alt)}" style="max-width:100%;max-height:12rem;display:block">')


async def _media(request: Request) -> Response:
    study, name = request.path_params["study"], request.path_params["name"]
    try:
        found = await run_in_threadpool(study_image, app_database(), study, name)
    except StorageBusyError:
        return PlainTextResponse("busy", status_code=503, headers={"Retry-After": "1"})
    if found is None:
        return PlainTextResponse("not found", status_code=404)
    data, _ = found
    kind = image_type(data)
    if kind is None:
        return PlainTextResponse("not found", status_code=404)
    return Response(data, media_type=kind, headers={
        "Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"})


def routes() -> list[BaseRoute]:
    return [Route(MEDIA_PATH + "/{study}/{name}", _media, methods=["GET"])]
