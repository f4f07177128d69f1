"""The operator page: off without a token, the token on every request, never
logged; the chart, the tables and the CSV with small numbers suppressed."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Optional, Tuple

import aiohttp
import pytest

from bot.operator.page import OperatorPage, credentials
from bot.stores.tracker_store import PrivateSQLTrackerStore
from stats.measures import CONVERSATION, count
from stats.recorder import utc_today
from stats.report import complete_weeks
from stats.table import add_counts, create_table
from tests.support.servers import serving_channel

TOKEN = "operator-token-for-the-tests-0123"
LAST_WEEK = complete_weeks(utc_today(), 1)[0]


class Agent:
    def __init__(self, db: Path) -> None:
        self.tracker_store = PrivateSQLTrackerStore(dialect="sqlite", db=str(db))


@pytest.fixture
def agent(tmp_path: Path) -> Agent:
    agent = Agent(tmp_path / "tracker.db")
    engine = agent.tracker_store.engine
    create_table(engine)
    add_counts(
        engine, LAST_WEEK, [count(CONVERSATION, "sextortion", "cs", "webchat")] * 7
    )
    add_counts(
        engine, LAST_WEEK, [count(CONVERSATION, "sextortion", "en", "webchat")] * 3
    )
    return agent


@pytest.fixture
async def page(
    agent: Agent, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    token = getattr(request, "param", TOKEN)
    if token is None:
        monkeypatch.delenv("OPERATOR_TOKEN", raising=False)
    else:
        monkeypatch.setenv("OPERATOR_TOKEN", token)
    async with serving_channel(OperatorPage(), agent) as url:
        yield url


async def get(
    url: str, token: Optional[str] = None, header: bool = True, **params: str
) -> Tuple[int, Dict[str, str], bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token and header else {}
    if token and not header:
        params["token"] = token
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers, params=params) as response:
            return response.status, dict(response.headers), await response.read()


PATHS = ("/operator/stats", "/operator/stats.csv", "/operator/stats.json")


@pytest.mark.parametrize("page", [None, "too-short"], indirect=True)
@pytest.mark.parametrize("path", PATHS)
async def test_without_a_usable_token_the_page_is_off(page: str, path: str) -> None:
    status, _, _ = await get(page + path, "too-short")
    assert status == 404


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "token, header",
    [
        (None, True),
        ("wrong-token-of-the-same-length!!!", True),
        ("x", False),
        ("", False),
    ],
    ids=["missing", "wrong header", "wrong parameter", "empty parameter"],
)
async def test_a_missing_or_wrong_token_is_refused(
    page: str, path: str, token: Optional[str], header: bool
) -> None:
    status, headers, body = await get(page + path, token, header)
    assert status == 401
    assert headers["WWW-Authenticate"] == "Bearer"
    assert b"sextortion" not in body


async def test_with_the_token_the_page_shows_the_chart_and_the_tables(
    page: str,
) -> None:
    status, headers, body = await get(page + "/operator/stats", TOKEN)
    html = body.decode()

    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert 'src="data:image/png;base64,iVBOR' in html
    assert "<td>7</td>" in html and "<td>&lt;5</td>" in html
    assert "<td>10</td>" not in html and "<td>3</td>" not in html
    assert 'href="stats.csv?weeks=12"' in html
    assert "http" not in html.replace("http-equiv", "")  # nothing from elsewhere


async def test_the_token_parameter_works_and_the_links_keep_it(page: str) -> None:
    status, _, body = await get(page + "/operator/stats", TOKEN, header=False)
    assert status == 200
    assert f'href="stats.csv?weeks=12&amp;token={TOKEN}"' in body.decode()


async def test_the_csv_and_json_downloads(page: str) -> None:
    status, headers, body = await get(page + "/operator/stats.csv", TOKEN, weeks="4")
    lines = body.decode().splitlines()
    week = LAST_WEEK.isoformat()

    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert "attachment" in headers["Content-Disposition"]
    assert lines[0] == "week_start,measure,category,language,channel,count"
    assert f"{week},conversation,sextortion,cs,webchat,7" in lines
    assert f"{week},conversation,sextortion,en,webchat,<5" in lines
    status, _, body = await get(page + "/operator/stats.json", TOKEN)
    assert status == 200 and b'"min_count": 5' in body.replace(b'":5', b'": 5')


async def test_bad_weeks_are_refused(page: str) -> None:
    for weeks in ("3", "261", "many"):
        status, _, _ = await get(page + "/operator/stats", TOKEN, weeks=weeks)
        assert status == 400


async def test_neither_the_token_nor_the_query_is_logged(
    page: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await get(page + "/operator/stats", TOKEN, header=False)
        await get(page + "/operator/stats", "wrong-token-of-the-same-length!!!")
        await get(page + "/operator/stats.csv", TOKEN)
    assert TOKEN not in caplog.text and "wrong-token" not in caplog.text
    assert "token=" not in caplog.text


def test_an_access_log_at_any_level_hides_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Sanic writes every request's URL to its access log, which an operator may
    # turn on (LOG_LEVEL_LIBRARIES=DEBUG, --log-file): the token stays out.
    monkeypatch.setenv("OPERATOR_TOKEN", TOKEN)
    access = logging.getLogger("sanic.access")
    monkeypatch.setattr(access, "filters", [])
    OperatorPage().blueprint(on_new_message=None)  # type: ignore[arg-type]
    lines: list = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(f"{getattr(record, 'request', '')} {record.getMessage()}")

    handler = Keep()
    access.addHandler(handler)
    monkeypatch.setattr(access, "level", logging.DEBUG)
    try:
        url = f"http://127.0.0.1:5005/operator/stats.csv?weeks=12&token={TOKEN}"
        access.info("", extra={"request": f"GET {url}", "status": 200, "byte": 9})
        access.info("GET %s", f"/operator/stats?TOKEN={TOKEN}")
    finally:
        access.removeHandler(handler)
    assert len(lines) == 2
    assert all(TOKEN not in line for line in lines)
    assert "weeks=12&token=[hidden]" in lines[0]


def test_the_page_is_in_the_credentials_only_with_a_token() -> None:
    assert credentials({}) == {}
    assert credentials({"OPERATOR_TOKEN": TOKEN}) == {
        "bot.operator.page.OperatorPage": None
    }


def test_every_start_up_hook_rides_on_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.bot.server.test_hooks import HOOKS

    async def nothing(message: Any) -> None:
        return None

    blueprint = OperatorPage().blueprint(nothing)
    assert {f.listener for f in blueprint._future_listeners} >= HOOKS
    assert datetime.date.today()  # (the page reads today's date at request time)
