"""The counters go to the tracker store's database, found as Rasa finds it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.core.tracker_store import SQLTrackerStore

from stats.database import NoDatabase, tracker_store_url
from tests.support import ROOT

SCALED_ENV = {
    "DB_HOST": "db.internal",
    "DB_PORT": "5433",
    "DB_USER": "rasa",
    "DB_PASSWORD": "s3cret",
    "DB_DATABASE": "referralbot",
}


def test_endpoints_yml_names_the_sqlite_file() -> None:
    url = tracker_store_url(ROOT / "endpoints.yml", {})
    assert url == SQLTrackerStore.get_db_url(dialect="sqlite", db="var/tracker.db")


def test_the_scaled_endpoints_name_postgresql_from_the_environment() -> None:
    url = tracker_store_url(ROOT / "deploy" / "endpoints.scaled.yml", SCALED_ENV)
    assert url == SQLTrackerStore.get_db_url(
        dialect="postgresql",
        host="db.internal",
        port=5433,
        db="referralbot",
        username="rasa",
        password="s3cret",
    )


def test_an_unset_variable_is_named_not_guessed() -> None:
    env = {k: v for k, v in SCALED_ENV.items() if k != "DB_HOST"}
    with pytest.raises(NoDatabase, match="DB_HOST"):
        tracker_store_url(ROOT / "deploy" / "endpoints.scaled.yml", env)


@pytest.mark.parametrize(
    "store", [{"type": "redis", "url": "localhost"}, None, {"type": "mongod"}]
)
def test_a_store_that_is_not_sql_has_no_counters(tmp_path: Path, store) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"tracker_store": store}))
    with pytest.raises(NoDatabase):
        tracker_store_url(endpoints, {})


def test_a_full_url_in_the_host_is_used_as_it_is(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    store = {"type": "sql", "url": "postgresql://u@h:5432/d", "db": "ignored"}
    endpoints.write_text(yaml.safe_dump({"tracker_store": store}))
    assert str(tracker_store_url(endpoints, {})) == "postgresql://u@h:5432/d"
