"""The start-up hooks do not hang on one channel: every channel of the project
carries them, and they run once per server whichever channels are open."""

from __future__ import annotations

import asyncio
import importlib
import logging
import uuid
from typing import Any, Dict, List

import pytest
import rasa.core.actions.action
import yaml
from rasa.core.channels.channel import InputChannel, register
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from sanic import Sanic

from bot.channels.registry import OPTIONAL_CHANNELS
from bot.channels.settings import MessengerSettings, TelegramSettings
from bot.guard.privacy_notice import PrivacyNotice
from bot.server import hooks
from bot.server.event_types import RASA_RESOLVE_BY_TYPE, resolve_by_type_remembered
from tests.support import ROOT
from tests.support.servers import serving_app

HOOKS = {hooks._before_start, hooks._after_start, hooks._before_stop}
NOTICE = PrivacyNotice({"cs": "oznámení", "en": "notice", "uk": "повідомлення"})


def configured_channel_classes() -> List[str]:
    """Every channel class named in the project's credentials files or optional."""
    names = set(OPTIONAL_CHANNELS)
    for path in [
        ROOT / "credentials.yml",
        *sorted(ROOT.glob("deploy/credentials*.yml")),
    ]:
        names |= set(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return sorted(names)


def build(class_path: str) -> InputChannel:
    module, _, name = class_path.rpartition(".")
    channel_class = getattr(importlib.import_module(module), name)
    if class_path.endswith("SecureTelegramInput"):
        return channel_class(TelegramSettings("token", "bot", "secret"), NOTICE)
    if class_path.endswith("SecureMessengerInput"):
        return channel_class(MessengerSettings("verify", "secret", "page"), NOTICE)
    return channel_class()


async def on_new_message(message: Any) -> None:
    return None


@pytest.mark.parametrize("class_path", configured_channel_classes())
def test_every_channel_carries_the_start_up_hooks(class_path: str) -> None:
    blueprint = build(class_path).blueprint(on_new_message)
    listeners = {future.listener for future in blueprint._future_listeners}
    assert listeners >= HOOKS


class Agent:
    def __init__(self) -> None:
        self.tracker_store = InMemoryTrackerStore(Domain.empty())


@pytest.fixture
def rasa_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rasa.core.actions.action, "DEFAULT_REQUEST_TIMEOUT", 300)
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(RASA_RESOLVE_BY_TYPE))


@pytest.mark.parametrize(
    "credentials",
    [
        {"bot.channels.webchat.WebChatInput": None},
        {
            "bot.channels.rest.SafeRestInput": None,
            "bot.channels.webchat.WebChatInput": None,
        },
    ],
    ids=["web chat without REST", "REST and web chat"],
)
async def test_the_hooks_run_once_whichever_channels_are_open(
    credentials: Dict[str, Any], rasa_defaults: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched: List[Any] = []
    monkeypatch.setattr(hooks, "watch_tracker_store", watched.append)
    Sanic.test_mode = True
    app = Sanic(f"hooks_test_{uuid.uuid4().hex}", configure_logging=False)
    app.ctx.agent = Agent()
    register([build(path) for path in credentials], app, route="/webhooks/")
    async with serving_app(app):
        assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 2.0
        assert Event.resolve_by_type is resolve_by_type_remembered
        assert watched == [app.ctx.agent.tracker_store]
        purge = app.ctx.retention_purge
        assert purge is not None and not purge.done()
    await asyncio.sleep(0)
    assert purge.cancelled()


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "WARNING"])
def test_the_project_logs_at_the_level_rasa_runs_at(
    level: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loading the model leaves the root logger at WARNING: without their own
    # level the purge's and the guard's INFO lines were lost.
    for name in hooks.PROJECT_LOGGERS:
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    monkeypatch.setattr(logging.getLogger(), "level", logging.WARNING)

    hooks.set_project_log_level(level)

    for name in ("bot.stores.purge", "bot.guard.turn", "actions.referral", "stats"):
        assert logging.getLogger(name).getEffectiveLevel() == getattr(logging, level)


def test_an_unknown_level_name_logs_at_info(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.getLogger("bot"), "level", logging.NOTSET)
    hooks.set_project_log_level("loud")
    assert logging.getLogger("bot.stores.purge").getEffectiveLevel() == logging.INFO
