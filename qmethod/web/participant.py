"""The participant's operations over HTTP: the grid and presort post each action here.

``POST /api/participant/op`` takes one operation (JSON, see
:func:`qmethod.service.participants.parse_operation`) and applies it through the service layer in one
transaction; ``GET /api/participant/state`` returns the stored layout (a tab coming back into view
asks for it). The participant's token travels in the ``X-Participant-Token`` header, never in the
address. Only same-origin requests are answered (``Sec-Fetch-Site`` / ``Origin``), bodies are at
most :data:`MAX_BODY` bytes, and answers are never cached. An applied operation's answer says how
long the server took (``Server-Timing: app;dur=<ms>``, from the parsed body to the committed step).

Answers (JSON, always with ``state``: ``version``, ``stage``, ``columns``, ``piles``, ``completed``):

====  ===================================================================================
200   ``{"result": "applied"}`` (also for an ``op_id`` posted before: ``"repeated": true``)
409   ``{"result": "stale"}``: another tab or device saved first; re-apply on ``state``
422   ``{"result": "refused", "reason", "message", "column", "capacity"}`` (e.g. a full column)
400   malformed operation; 401 unknown or missing token; 403 another origin; 413 too large;
      415 not JSON; 503 the database is busy (``Retry-After``), nothing stored
====  ===================================================================================
"""
from __future__ import annotations

import json
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from ..errors import QMethodError, ResumeCodeError, StorageBusyError
from ..service import ParticipantState
from ..service.participants import OperationOutcome, apply_operation, parse_operation, resume
from .database import app_database
from .security import same_origin

__all__ = ["routes", "OP_PATH", "STATE_PATH", "TOKEN_HEADER", "MAX_BODY", "state_json"]

OP_PATH = "/api/participant/op"
STATE_PATH = "/api/participant/state"
TOKEN_HEADER = "X-Participant-Token"
#: largest operation body accepted, in bytes (an operation is about 150)
MAX_BODY = 4096
_STATUS = {"applied": 200, "stale": 409, "refused": 422}


def state_json(state: ParticipantState) -> dict[str, Any]:
    """What a page needs of the stored state to draw the grid or presort again."""
    return {
        "version": state.version,
        "stage": state.stage,
        "columns": {str(score): list(ids) for score, ids in state.columns.items()},
        "piles": dict(state.piles),
        "completed": state.completed,
    }


def _answer(status: int, body: dict[str, Any], **headers: str) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store", **headers})


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return _answer(status, {"result": "error", "message": message}, **headers)


def _caller(request: Request) -> tuple[str | None, JSONResponse | None]:
    """The token of a same-origin request, or the refusal to answer with."""
    if not same_origin(request):
        return None, _error(403, "Requests from other sites are not accepted.")
    token = request.headers.get(TOKEN_HEADER, "").strip()
    if not 0 < len(token) <= 200:
        return None, _error(401, f"The {TOKEN_HEADER} header is missing.")
    return token, None


async def _body(request: Request) -> bytes | None:
    """The request body, or ``None`` if it is larger than :data:`MAX_BODY`."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _outcome_json(outcome: OperationOutcome) -> dict[str, Any]:
    body: dict[str, Any] = {"result": outcome.result, "op_id": outcome.op_id, "repeated": outcome.repeated,
                            "state": state_json(outcome.state)}
    if outcome.result == "refused":
        body.update(reason=outcome.reason, message=outcome.message, column=outcome.column,
                    capacity=outcome.capacity)
    return body


async def post_operation(request: Request) -> JSONResponse:
    """``POST /api/participant/op``: apply one operation (see the module docstring for the answers)."""
    token, refusal = _caller(request)
    if refusal is not None:
        return refusal
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return _error(415, "Send the operation as application/json.")
    raw = await _body(request)
    if raw is None:
        return _error(413, f"An operation is at most {MAX_BODY} bytes.")
    try:
        op = parse_operation(json.loads(raw))
    except (ValueError, RecursionError, QMethodError) as exc:  # JSONDecodeError is a ValueError;
        # a body nested thousands of levels deep makes the JSON reader recurse too far
        return _error(400, str(exc) if isinstance(exc, QMethodError) else "The body is not valid JSON.")
    started = time.perf_counter()
    try:
        outcome = await run_in_threadpool(apply_operation, app_database(), token, op)
    except ResumeCodeError as exc:
        return _error(401, str(exc))
    except StorageBusyError as exc:
        return _error(503, str(exc), **{"Retry-After": "1"})
    except QMethodError as exc:
        return _error(400, str(exc))
    took = (time.perf_counter() - started) * 1000
    return _answer(_STATUS[outcome.result], _outcome_json(outcome), **{"Server-Timing": f"app;dur={took:.2f}"})


async def get_state(request: Request) -> JSONResponse:
    """``GET /api/participant/state``: the stored state of the token's participant."""
    token, refusal = _caller(request)
    if refusal is not None:
        return refusal
    try:
        state = await run_in_threadpool(resume, app_database(), token)
    except ResumeCodeError as exc:
        return _error(401, str(exc))
    except StorageBusyError as exc:
        return _error(503, str(exc), **{"Retry-After": "1"})
    return _answer(200, {"result": "state", "state": state_json(state)})


def routes() -> list[BaseRoute]:
    """The participant routes, for :func:`qmethod.web.routes`."""
    return [Route(OP_PATH, post_operation, methods=["POST"]), Route(STATE_PATH, get_state, methods=["GET"])]
