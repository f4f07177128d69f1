"""The operator page: referral statistics on the Rasa server, behind a token.

    GET /operator/stats        the chart and the tables (HTML, the PNG inline)
    GET /operator/stats.csv    every weekly cell of the page's weeks
    GET /operator/stats.json   the page's figures
    optional: ?weeks=N (4 to 260, default 12)

Every request needs OPERATOR_TOKEN, as `Authorization: Bearer <token>` or
`?token=<token>` (compared in constant time): 401 without it or with another
one. The page is Rasa's public extension point for routes, an input channel
(`OperatorPage`, mounted at `/operator` by its `url_prefix`), that
`bot.run.cli` adds to the credentials only when OPERATOR_TOKEN is set; without
a token of at least 16 characters every path answers 404. The token is never
logged: Rasa keeps Sanic's access log at ERROR by default, and whatever level
an operator sets (`LOG_LEVEL_LIBRARIES`, `--log-file`), `HideTokens` on Sanic's
loggers writes a `token=` query value as `token=[hidden]`.

The figures are `stats.report` figures, read from the tracker store's database
in a worker thread, so a page view does not hold up the conversations.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import logging
import os
import re
from pathlib import Path
from string import Template
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Text, Tuple, Union
from urllib.parse import urlencode

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.server.hooks import register_server_hooks
from bot.server.rasa_internals import innermost_store
from referrals import load_dataset
from stats.chart import chart_png
from stats.recorder import utc_today
from stats.render import csv_text, json_report
from stats.report import DEFAULT_WEEKS, MAX_WEEKS, TABLE_WEEKS, Report, Table
from stats.report import load_report as load_stats_report
from stats.suppression import min_count, written

logger = logging.getLogger(__name__)

TOKEN_ENV = "OPERATOR_TOKEN"
MIN_TOKEN_CHARS = 16
TEMPLATE = Template((Path(__file__).with_name("page.html")).read_text("utf-8"))
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
}
HTML_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def operator_token(env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """OPERATOR_TOKEN, or None when unset or too short (the page is then off)."""
    token = (os.environ if env is None else env).get(TOKEN_ENV) or ""
    if not token:
        return None
    if len(token) < MIN_TOKEN_CHARS:
        logger.error(
            "%s has fewer than %d characters: the operator page is off.",
            TOKEN_ENV,
            MIN_TOKEN_CHARS,
        )
        return None
    return token


# A token in a query string, as a request line or URL in a log record has it.
TOKEN_IN_QUERY = re.compile(r"(?i)([?&]token=)[^&\s\"']*")
# Sanic's loggers: the access log names every request's URL.
SANIC_LOGGERS = ("sanic.access", "sanic.error", "sanic.root")


def hide_token(text: str) -> str:
    return TOKEN_IN_QUERY.sub(r"\1[hidden]", text)


class HideTokens(logging.Filter):
    """Rewrites a `token=` query value in a record before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(request, str):
            record.request = hide_token(request)
        if isinstance(record.msg, str):
            record.msg = hide_token(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                hide_token(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def hide_tokens_in_sanic_logs() -> None:
    """Install `HideTokens` on Sanic's loggers, once."""
    for name in SANIC_LOGGERS:
        sanic_logger = logging.getLogger(name)
        if not any(isinstance(f, HideTokens) for f in sanic_logger.filters):
            sanic_logger.addFilter(HideTokens())


def presented_token(request: Request) -> Optional[str]:
    """The token of a request: the Bearer header, else the `token` parameter."""
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.args.get("token") or None


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def same_token(given: Optional[str], expected: str) -> bool:
    """Constant time, whatever the lengths: the digests are compared."""
    return given is not None and hmac.compare_digest(_digest(given), _digest(expected))


def _error(status: int, message: str, **headers: str) -> HTTPResponse:
    return response.json(
        {"error": message}, status=status, headers={**HEADERS, **headers}
    )


def _weeks(request: Request) -> Optional[int]:
    raw = request.args.get("weeks")
    if raw is None:
        return DEFAULT_WEEKS
    try:
        weeks = int(raw)
    except ValueError:
        return None
    return weeks if TABLE_WEEKS <= weeks <= MAX_WEEKS else None


def figure(value: int, k: int) -> str:
    """A figure for HTML: the number, or "&lt;5"."""
    return html.escape(str(written(value, k)))


def html_table(table: Table, k: int) -> str:
    """`table` as HTML, every figure as `written` writes it."""

    def cells(values: Tuple[Any, ...]) -> str:
        return "".join(f"<td>{figure(v, k)}</td>" for v in values)

    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in table.columns)
    rows = "".join(
        f'<tr><th scope="row">{html.escape(row.replace("_", " "))}</th>'
        + cells(tuple(table.values[row, c] for c in table.columns))
        + cells((table.row_totals[row],))
        + "</tr>"
        for row in table.rows
    )
    total = (
        '<tr class="total"><th scope="row">total</th>'
        + cells(tuple(table.column_totals[c] for c in table.columns))
        + cells((table.total,))
        + "</tr>"
    )
    return (
        f"<table><caption>{html.escape(table.title)}</caption>"
        f'<tr><th scope="col">{html.escape(table.row_label)}</th>{head}'
        f'<th scope="col">total</th></tr>{rows}{total}</table>'
    )


def html_page(report: Report, png: bytes, link_query: str) -> str:
    k = report.k
    summary = "".join(
        f'<tr><th scope="row">{html.escape(label)}</th>'
        f"<td>{figure(value, k)}</td></tr>"
        for label, value in report.summary
    )
    return TEMPLATE.substitute(
        note=html.escape(report.note),
        chart=base64.b64encode(png).decode("ascii"),
        chart_alt="Conversations referred per complete week, by situation",
        period=html.escape(report.period),
        by_language=html_table(report.by_language, k),
        by_channel=html_table(report.by_channel, k),
        summary=f"<table>{summary}</table>",
        csv_link=html.escape(f"stats.csv?{link_query}"),
        json_link=html.escape(f"stats.json?{link_query}"),
        weeks=len(report.published.weeks),
    )


class OperatorPage(InputChannel):
    """Not a channel: Rasa's way to add routes to its server (module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return "operator"

    def url_prefix(self) -> Text:
        # Rasa mounts a channel at urljoin("/webhooks/", url_prefix()):
        # an absolute prefix puts the page at /operator.
        return "/operator"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        token = operator_token()
        k = min_count()
        hide_tokens_in_sanic_logs()
        blueprint = Blueprint("operator_page", __name__)
        register_server_hooks(blueprint)

        async def figures(request: Request) -> Union[Report, HTTPResponse]:
            """The report for an authorised request, or the refusal."""
            if token is None:
                return _error(404, "not found")
            if not same_token(presented_token(request), token):
                return _error(401, "unauthorized", **{"WWW-Authenticate": "Bearer"})
            weeks = _weeks(request)
            if weeks is None:
                return _error(400, f"weeks must be from {TABLE_WEEKS} to {MAX_WEEKS}")
            agent = getattr(request.app.ctx, "agent", None)
            store = innermost_store(getattr(agent, "tracker_store", None))
            engine = getattr(store, "engine", None)
            if engine is None:
                return _error(503, "the statistics need the SQL tracker store")
            try:
                return await asyncio.to_thread(
                    load_stats_report, engine, utc_today(), weeks, k, load_dataset()
                )
            except Exception as error:
                logger.error("Statistics not read (%s).", type(error).__name__)
                return _error(503, "the statistics could not be read")

        def link_query(request: Request, report: Report) -> str:
            """The page's links carry the weeks, and the token if it came so."""
            query = {"weeks": str(len(report.published.weeks))}
            if request.args.get("token"):
                query["token"] = request.args.get("token")
            return urlencode(query)

        @blueprint.route("/stats", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            report = await figures(request)
            if isinstance(report, HTTPResponse):
                return report
            png = await asyncio.to_thread(chart_png, report)
            return response.html(
                html_page(report, png, link_query(request, report)),
                headers={**HEADERS, "Content-Security-Policy": HTML_POLICY},
            )

        @blueprint.route("/stats.csv", methods=["GET"])
        async def csv(request: Request) -> HTTPResponse:
            report = await figures(request)
            if isinstance(report, HTTPResponse):
                return report
            return response.text(
                csv_text(report),
                content_type="text/csv; charset=utf-8",
                headers={
                    **HEADERS,
                    "Content-Disposition": 'attachment; filename="referral-stats.csv"',
                },
            )

        @blueprint.route("/stats.json", methods=["GET"])
        async def json(request: Request) -> HTTPResponse:
            report = await figures(request)
            if isinstance(report, HTTPResponse):
                return report
            return response.json(json_report(report), headers=HEADERS)

        return blueprint


def credentials(env: Optional[Mapping[str, str]] = None) -> Dict[str, None]:
    """The credentials entry that opens the page, when OPERATOR_TOKEN is set."""
    env = os.environ if env is None else env
    return {f"{__name__}.{OperatorPage.__name__}": None} if env.get(TOKEN_ENV) else {}
